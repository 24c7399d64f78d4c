/**
 * Applies a batch of write ops inside one PostgreSQL transaction (the caller's). What each op
 * must do is decided by the write plan (`../write_plan/`, shared with the SQLite store); this
 * file runs its steps with PostgreSQL's statements (the same merge rules as SQLite's, in this
 * dialect). The search vector is computed here from the message's merged text, with the same
 * tokens SQLite indexes.
 */
import { chatKindOf } from "../../ids/jid.ts";
import { PK_SLOTS, pkBase } from "../keys.ts";
import type { ChatRow, LiveEventKind, MessageRow, WriteOp } from "../types.ts";
import { applyBulk } from "./apply_bulk.ts";
import { chatRecord } from "./bulk_rows.ts";
import { changeTarget, personFacts } from "../write_plan/facts.ts";
import { planOp } from "../write_plan/plan.ts";
import { runPlanAsync } from "../write_plan/run.ts";
import type { ChatFacts, DirectOp, Plan, Step } from "../write_plan/steps.ts";
import { hold, lidOwner, refreshSearch, refuse, TAKE_HELD, TAKE_RESOLVABLE, writeEdit, writeRevoke } from "./apply_changes.ts";
import {
  type BatchContext,
  batchContext,
  CHAT_TOUCH_MERGE,
  CHAT_UPSERT_MERGE,
  type FreshOdds,
  isEnsured,
  type KnownPeople,
  MERGED_TEXT_COLUMNS,
  messageMerge,
  fullRawOfRow,
  PERSON_NAMES_SET,
  personStub,
  REACTION_MERGE,
  RECEIPT_MERGE,
  searchOfMessage,
} from "./apply_shared.ts";
import { query, type Queryable } from "./client.ts";
import { directOpSql, linkEventParams } from "../direct_rows.ts";
import { DELETE_POLL_OF_MESSAGE, pollParams, REKEY_POLLS, UPSERT_VOTE, upsertPollSql, voteParams } from "../poll_rows.ts";
import { deliveriesForEventSql, enqueueLinkSql, enqueueLiveSql } from "../webhook_rows.ts";
import { residualRaw } from "../raw_residual.ts";
import { RAW_SELECT, rawColumnsOf } from "../rows.ts";

/** Ops that only touch the session tables (auth, meta): they go to the session database when there is one. */
export function isSessionOp(op: WriteOp): boolean {
  return op.op === "setAuth" || op.op === "clearAuth" || op.op === "setMeta";
}

/** How `applyPostgres` writes. */
export interface ApplyOptions {
  /**
   * Write runs of message, reaction and receipt upserts with a few set-based statements
   * (default). False: one statement per op, the reference the bulk writer is tested against.
   */
  bulk?: boolean;
  /** Person ids known to have a row from earlier commits (the caller settles it once the transaction committed). */
  known?: KnownPeople;
  /** Whether recent runs were new messages (see `FreshRuns`): kept by the caller across commits. */
  odds?: FreshOdds;
}

/**
 * Applies `ops` in order with `tx` (a transaction). Throws on the first failing op (the caller
 * rolls back). Runs of history-sync ops (messages, reactions, receipts, chats, people, LID links
 * already known) go to the bulk writer, which leaves the same rows as applying them one by one;
 * what it leaves (a first LID link, an edit, a live op...) is applied here, one op at a time.
 * Returns the batch context, for `KnownPeople.settle` once the transaction committed.
 */
export async function applyPostgres(tx: Queryable, ops: readonly WriteOp[], opts: ApplyOptions = {}): Promise<BatchContext> {
  const ctx = batchContext(tx, opts.known ?? null, opts.odds ?? null);
  const bulk = opts.bulk ?? true;
  const exec = (step: Step) => execute(ctx, step);
  const run = (plan: Plan) => runPlanAsync(plan, exec);
  for (let i = 0; i < ops.length;) {
    const next = bulk ? await applyBulk(ctx, ops, i, run) : i;
    if (next > i) {
      i = next;
      continue;
    }
    await run(planOp(ctx, ops[i]!));
    i++;
  }
  return ctx;
}

const STATUS_MERGE = `CASE WHEN :status::int IS NULL THEN status WHEN status IS NULL THEN :status::int
  WHEN :status::int = 0 AND status <= 1 THEN 0 ELSE GREATEST(status, :status::int) END`;

/** Runs one step of the write plan; returns a read's answer. */
async function execute(ctx: BatchContext, step: Step): Promise<unknown> {
  const { tx } = ctx;
  switch (step.t) {
    case "lidOwner":
      return await lidOwner(tx, step.lid);
    case "ensurePerson":
      return await ensurePerson(ctx, step.id);
    case "message": {
      if (step.chatIsPerson) await ensurePerson(ctx, step.chat);
      if (step.senderIsPerson) await ensurePerson(ctx, step.sender!);
      const inserted = await writeMessage(tx, step.chat, step.sender, step.message, step.ts);
      await touchChat(tx, step.chat, step.ts);
      return inserted;
    }
    case "mayHold":
      return (await query(tx, "SELECT 1 AS x FROM pending_changes LIMIT 1")).length > 0;
    case "takeHeld":
      return await query(tx, TAKE_HELD, { chat: step.chat, id: step.id });
    case "chat":
      return await upsertChat(tx, step.jid, step.chat);
    case "react": {
      const r = step.reaction;
      await query(
        tx,
        `INSERT INTO reactions (chat_jid, message_id, reactor_id, emoji, ts) VALUES (:chat, :mid, :who, :emoji, :ts)
         ${REACTION_MERGE}`,
        { chat: step.chat, mid: r.messageId, who: step.reactor, emoji: r.emoji, ts: r.ts },
      );
      return;
    }
    case "unreact":
      await query(tx, "DELETE FROM reactions WHERE chat_jid = :chat AND message_id = :mid AND reactor_id = :who AND ts <= :ts", {
        chat: step.chat,
        mid: step.reaction.messageId,
        who: step.reactor,
        ts: step.reaction.ts,
      });
      return;
    case "receipt": {
      const r = step.receipt;
      await query(
        tx,
        `INSERT INTO receipts (chat_jid, message_id, person_id, type, ts) VALUES (:chat, :mid, :who, :type, :ts)
         ${RECEIPT_MERGE}`,
        { chat: step.chat, mid: r.messageId, who: step.person, type: r.type, ts: r.ts },
      );
      return;
    }
    case "live":
      return await recordLive(tx, step.kind, step.chat, step.id, step.at);
    case "personNames":
      await query(
        tx,
        `UPDATE people SET ${PERSON_NAMES_SET} FROM (SELECT :push::text AS push_name, :saved::text AS saved_name, :biz::text AS business_name) x
     WHERE id = :id`,
        { push: step.pushName, saved: step.savedName, biz: step.businessName, id: step.id },
      );
      return;
    case "personById":
      return personFacts((await query(tx, "SELECT id, pn_jid, push_name, saved_name, business_name FROM people WHERE id = :id", { id: step.id }))[0]);
    case "personKeys":
      await query(tx, "UPDATE people SET search_key = :s, name_key = :n WHERE id = :id", { s: step.searchKey, n: step.nameKey, id: step.id });
      return;
    case "status":
      await query(tx, `UPDATE messages SET status = ${STATUS_MERGE} WHERE chat_jid = :chat AND id = :id`, {
        status: step.status,
        chat: step.chat,
        id: step.id,
      });
      return;
    case "changeTarget":
      return changeTarget((await query(tx, "SELECT from_me, sender_id FROM messages WHERE chat_jid = :chat AND id = :id", { chat: step.chat, id: step.id }))[0]);
    case "isAdmin":
      return (await query(tx, "SELECT 1 AS x FROM participants WHERE group_jid = :g AND person_id = :p AND admin IS NOT NULL", { g: step.group, p: step.person }))
        .length > 0;
    case "refuse":
      return await refuse(tx, step);
    case "edit":
      return await writeEdit(tx, step);
    case "revoke":
      return await writeRevoke(tx, step);
    case "hold":
      return await hold(tx, step.chat, step.id, step.change);
    case "takeResolvable":
      return await query(tx, TAKE_RESOLVABLE, { chat: step.chat });
    case "poll":
      await query(tx, upsertPollSql("postgres"), pollParams(step.poll, step.chat));
      return;
    case "vote":
      await query(tx, UPSERT_VOTE, voteParams(step.vote, step.chat, step.voter));
      return;
    case "groupChat":
      await query(tx, "INSERT INTO chats (jid, kind) VALUES (:jid, :kind) ON CONFLICT DO NOTHING", { jid: step.group, kind: chatKindOf(step.group) });
      return;
    case "clearParticipants":
      await query(tx, "DELETE FROM participants WHERE group_jid = :g", { g: step.group });
      return;
    case "participant":
      await query(
        tx,
        `INSERT INTO participants (group_jid, person_id, admin) VALUES (:g, :p, :admin)
    ON CONFLICT (group_jid, person_id) DO UPDATE SET admin = excluded.admin`,
        { g: step.group, p: step.person, admin: step.admin },
      );
      return;
    case "removeParticipant":
      await query(tx, "DELETE FROM participants WHERE group_jid = :g AND person_id = :p", { g: step.group, p: step.person });
      return;
    case "deleteMessage": {
      const p = { chat: step.chat, id: step.id };
      await query(tx, "DELETE FROM messages WHERE chat_jid = :chat AND id = :id", p);
      await query(tx, "DELETE FROM reactions WHERE chat_jid = :chat AND message_id = :id", p);
      await query(tx, "DELETE FROM receipts WHERE chat_jid = :chat AND message_id = :id", p);
      await query(tx, "DELETE FROM pending_changes WHERE chat_jid = :chat AND id = :id", p);
      for (const sql of DELETE_POLL_OF_MESSAGE) await query(tx, sql, p);
      return;
    }
    case "clearChat":
      return await clearChat(tx, step.jid, step.before);
    case "dropChat":
      await query(tx, "DELETE FROM participants WHERE group_jid = :jid", { jid: step.jid });
      await query(tx, "DELETE FROM chats WHERE jid = :jid", { jid: step.jid });
      return;
    case "addUnread":
      await query(tx, "UPDATE chats SET unread_count = GREATEST(coalesce(unread_count, 0) + :n::int, 0) WHERE jid = :jid", {
        jid: step.jid,
        n: step.count,
      });
      return;
    case "markRead":
      await query(
        tx,
        `UPDATE chats SET unread_count = 0, marked_unread = FALSE,
           read_at = GREATEST(read_at, coalesce(:upTo::bigint, last_message_at)) WHERE jid = :jid`,
        { jid: step.jid, upTo: step.upTo },
      );
      return;
    case "markUnread":
      await query(tx, "UPDATE chats SET marked_unread = TRUE WHERE jid = :jid", { jid: step.jid });
      return;
    case "direct":
      return await direct(tx, step.op);
    case "personByPn":
      return personFacts((await query(tx, "SELECT * FROM people WHERE pn_jid = :pn", { pn: step.pn }))[0]);
    case "personByLid":
      return personFacts((await query(tx, "SELECT * FROM people WHERE lid = :lid", { lid: step.lid }))[0]);
    case "unlinkLid":
      await query(tx, "UPDATE people SET lid = NULL WHERE id = :id", { id: step.id });
      return;
    case "foldPerson":
      await query(
        tx,
        `UPDATE people SET push_name = coalesce(push_name, :push), saved_name = coalesce(saved_name, :saved),
           business_name = coalesce(business_name, :biz) WHERE id = :id`,
        { push: step.from.pushName, saved: step.from.savedName, biz: step.from.businessName, id: step.into },
      );
      return;
    case "deletePerson":
      await query(tx, "DELETE FROM people WHERE id = :id", { id: step.id });
      return;
    case "setLid":
      await query(tx, "UPDATE people SET lid = :lid WHERE id = :id", { lid: step.lid, id: step.id });
      return;
    case "promoteLidRow":
      await query(tx, "UPDATE people SET id = :pn, pn_jid = :pn WHERE id = :id", { pn: step.pn, id: step.id });
      return;
    case "insertLinked":
      await query(tx, "INSERT INTO people (id, pn_jid, lid) VALUES (:pn, :pn, :lid)", { pn: step.pn, lid: step.lid });
      return;
    case "merged":
      ctx.ensured.add(step.pn);
      ctx.ensured.delete(step.lid);
      ctx.gone.add(step.lid);
      return;
    case "chatRow":
      return (await query(tx, "SELECT * FROM chats WHERE jid = :from", { from: step.jid }))[0] ?? null;
    case "chatExists":
      return (await query(tx, "SELECT 1 AS x FROM chats WHERE jid = :to", { to: step.jid })).length > 0;
    case "mergeChat":
      return await mergeChat(tx, step.from, step.to, step.row);
    case "renameChat":
      await query(tx, "UPDATE chats SET jid = :to WHERE jid = :from", { to: step.to, from: step.from });
      return;
    case "rekeyRows":
      for (const sql of REKEY_POLLS) await query(tx, sql, { from: step.from, to: step.to });
      for (const sql of REKEY) await query(tx, sql, { from: step.from, to: step.to });
      return;
    case "rekeyHeld":
      for (const sql of REKEY_HELD) await query(tx, sql, { from: step.from, to: step.to });
      return;
    default: {
      const never: never = step;
      throw new TypeError(`Unknown write step ${JSON.stringify((never as { t?: unknown }).t)}`);
    }
  }
}

/** The statements of ops that decide nothing. */
async function direct(tx: Queryable, op: DirectOp): Promise<void> {
  if (op.op !== "recordLinkEvent") {
    for (const [sql, params] of directOpSql("postgres", op)) await query(tx, sql, params);
    return;
  }
  await enqueued(tx, (await query(tx, enqueueLinkSql("postgres"), linkEventParams(op)))[0]?.seq);
}

async function ensurePerson(ctx: BatchContext, id: string): Promise<void> {
  if (isEnsured(ctx, id)) return;
  const p = personStub(id);
  await query(
    ctx.tx,
    "INSERT INTO people (id, pn_jid, lid, search_key) VALUES (:id, :pn, :lid, :key) ON CONFLICT DO NOTHING",
    { id, pn: p.pn_jid, lid: p.lid, key: p.search_key },
  );
  ctx.ensured.add(id);
}

/** A message moved its chat's last activity (the chat is created if missing). */
async function touchChat(tx: Queryable, chat: string, ts: number): Promise<void> {
  await query(tx, `INSERT INTO chats (jid, kind, last_message_at) VALUES (:jid, :kind, :ts) ${CHAT_TOUCH_MERGE}`, {
    jid: chat,
    kind: chatKindOf(chat),
    ts,
  });
}

async function upsertChat(tx: Queryable, jid: string, chat: Partial<ChatRow> & { jid: string }): Promise<void> {
  await query(
    tx,
    `INSERT INTO chats (jid, kind, name, search_key, last_message_at, archived, pinned, muted_until, unread_count, description)
     VALUES (:jid, :kind, :name, :search_key, :last_message_at, :archived, :pinned, :muted_until, :unread_count, :description)
     ${CHAT_UPSERT_MERGE}`,
    { ...chatRecord(jid, chat), kind: chat.kind ?? chatKindOf(jid) },
  );
}

/** Deletes a chat's messages (all, or those with ts < before) with their reactions and receipts; the chat stays. */
async function clearChat(tx: Queryable, jid: string, before: number | undefined): Promise<void> {
  if (before === undefined) {
    for (const sql of [
      "DELETE FROM messages WHERE chat_jid = :jid",
      "DELETE FROM reactions WHERE chat_jid = :jid",
      "DELETE FROM receipts WHERE chat_jid = :jid",
      "DELETE FROM pending_changes WHERE chat_jid = :jid",
      "DELETE FROM polls WHERE chat_jid = :jid",
      "DELETE FROM poll_votes WHERE chat_jid = :jid",
    ]) await query(tx, sql, { jid });
    return;
  }
  const p = { jid, before: Math.ceil(before) };
  for (const table of ["reactions", "receipts"]) {
    await query(
      tx,
      `DELETE FROM ${table} WHERE chat_jid = :jid AND message_id IN (SELECT id FROM messages WHERE chat_jid = :jid AND ts < :before::bigint)`,
      p,
    );
  }
  await query(tx, "DELETE FROM messages WHERE chat_jid = :jid AND ts < :before::bigint", p);
}

/** The 1:1 chat of a LID merged into its phone chat: the phone chat's known fields win; the LID chat goes. */
async function mergeChat(tx: Queryable, from: string, to: string, fromChat: ChatFacts): Promise<void> {
  await query(
    tx,
    `UPDATE chats SET name = coalesce(name, :name), search_key = coalesce(search_key, :key),
       last_message_at = GREATEST(last_message_at, :at::bigint),
       archived = coalesce(archived, :archived::boolean), pinned = coalesce(pinned, :pinned::boolean),
       muted_until = coalesce(muted_until, :muted::bigint), unread_count = coalesce(unread_count, :unread::int),
       description = coalesce(description, :descr),
       read_at = GREATEST(read_at, :readAt::bigint), marked_unread = coalesce(marked_unread, :marked::boolean)
     WHERE jid = :to`,
    {
      to,
      name: fromChat.name,
      key: fromChat.search_key,
      at: fromChat.last_message_at,
      archived: fromChat.archived,
      pinned: fromChat.pinned,
      muted: fromChat.muted_until,
      unread: fromChat.unread_count,
      descr: fromChat.description,
      readAt: fromChat.read_at,
      marked: fromChat.marked_unread,
    },
  );
  await query(tx, "DELETE FROM chats WHERE jid = :from", { from });
}

/** The re-keying statements, in order (`:from` the LID, `:to` the phone JID). */
const REKEY: readonly string[] = [
  "DELETE FROM messages WHERE chat_jid = :from AND id IN (SELECT id FROM messages WHERE chat_jid = :to)",
  "UPDATE messages SET chat_jid = :to WHERE chat_jid = :from",
  "UPDATE messages SET sender_id = :to WHERE sender_id = :from",
  `DELETE FROM reactions WHERE chat_jid = :from AND EXISTS (SELECT 1 FROM reactions r2
     WHERE r2.chat_jid = :to AND r2.message_id = reactions.message_id AND r2.reactor_id = reactions.reactor_id)`,
  "UPDATE reactions SET chat_jid = :to WHERE chat_jid = :from",
  `DELETE FROM reactions WHERE reactor_id = :from AND EXISTS (SELECT 1 FROM reactions r2
     WHERE r2.reactor_id = :to AND r2.chat_jid = reactions.chat_jid AND r2.message_id = reactions.message_id)`,
  "UPDATE reactions SET reactor_id = :to WHERE reactor_id = :from",
  `DELETE FROM receipts WHERE chat_jid = :from AND EXISTS (SELECT 1 FROM receipts r2
     WHERE r2.chat_jid = :to AND r2.message_id = receipts.message_id AND r2.person_id = receipts.person_id AND r2.type = receipts.type)`,
  "UPDATE receipts SET chat_jid = :to WHERE chat_jid = :from",
  `DELETE FROM receipts WHERE person_id = :from AND EXISTS (SELECT 1 FROM receipts r2
     WHERE r2.person_id = :to AND r2.chat_jid = receipts.chat_jid AND r2.message_id = receipts.message_id AND r2.type = receipts.type)`,
  "UPDATE receipts SET person_id = :to WHERE person_id = :from",
  `DELETE FROM participants WHERE person_id = :from AND EXISTS (SELECT 1 FROM participants p2
     WHERE p2.person_id = :to AND p2.group_jid = participants.group_jid)`,
  "UPDATE participants SET person_id = :to WHERE person_id = :from",
  `DELETE FROM refused_changes WHERE chat_jid = :from AND EXISTS (SELECT 1 FROM refused_changes r2 WHERE r2.chat_jid = :to
     AND r2.message_id = refused_changes.message_id AND r2.kind = refused_changes.kind AND r2.author = refused_changes.author)`,
  "UPDATE refused_changes SET chat_jid = :to WHERE chat_jid = :from",
  `DELETE FROM refused_changes WHERE author = :from AND EXISTS (SELECT 1 FROM refused_changes r2 WHERE r2.author = :to
     AND r2.chat_jid = refused_changes.chat_jid AND r2.message_id = refused_changes.message_id AND r2.kind = refused_changes.kind)`,
  "UPDATE refused_changes SET author = :to WHERE author = :from",
];

/** Re-keying of held changes (chat and author), the same way. */
const REKEY_HELD: readonly string[] = [
  `DELETE FROM pending_changes WHERE chat_jid = :from AND EXISTS (SELECT 1 FROM pending_changes p2
     WHERE p2.chat_jid = :to AND p2.id = pending_changes.id AND p2.author = pending_changes.author)`,
  "UPDATE pending_changes SET chat_jid = :to WHERE chat_jid = :from",
  `DELETE FROM pending_changes WHERE author = :from AND EXISTS (SELECT 1 FROM pending_changes p2
     WHERE p2.author = :to AND p2.chat_jid = pending_changes.chat_jid AND p2.id = pending_changes.id)`,
  "UPDATE pending_changes SET author = :to WHERE author = :from",
];

const PK_ALLOC = `coalesce(
  (SELECT CASE WHEN max(pk) IS NULL THEN :base::bigint WHEN max(pk) + 1 < :base::bigint + ${PK_SLOTS} THEN max(pk) + 1 END
     FROM messages WHERE pk >= :base::bigint AND pk < :base::bigint + ${PK_SLOTS}),
  (SELECT max(pk) + 1 FROM messages WHERE pk >= :base::bigint))`;

const UPSERT_MESSAGE = `INSERT INTO messages (
    chat_jid, id, pk, sender_id, from_me, ts, type, text, quoted_id, edited_text, edited_at, revoked, view_once, status,
    has_media, media_mimetype, media_file_name, media_file_length, media_duration_sec, media_direct_path, media_url,
    media_key, media_file_sha256, media_file_enc_sha256, media_key_ts, raw, search)
  VALUES (:chat, :id, ${PK_ALLOC}, :sender, :fromMe, :ts, :type, :text, :quoted, :editedText, :editedAt::bigint, :revoked,
    :viewOnce, :status::int, :hasMedia, :mime, :fileName, :fileLength::bigint, :duration::int, :directPath, :url,
    :mediaKey::bytea, :sha::bytea, :encSha::bytea, :keyTs::bigint, :raw::bytea, :search::tsvector)
  ON CONFLICT (chat_jid, id) DO UPDATE SET
    ${messageMerge(":mergeRaw::bytea")}
  RETURNING ${MERGED_TEXT_COLUMNS}, (xmax = 0) AS inserted`;

/** Most live events kept (as in SQLite). */
const MAX_LIVE_EVENTS = 100_000;

/** Records a live event once (a re-delivery adds nothing); `at` null: the message's own instant. */
async function recordLive(tx: Queryable, kind: LiveEventKind, chat: string, id: string, at: number | null): Promise<void> {
  const inserted = await query(
    tx,
    `INSERT INTO live_events (kind, chat_jid, message_id, at)
     VALUES (:kind, :chat, :id, coalesce(:at::bigint, (SELECT ts FROM messages WHERE chat_jid = :chat AND id = :id), 0))
     ON CONFLICT DO NOTHING RETURNING seq`,
    { kind, chat, id, at },
  );
  // The webhook outbox row, in this same transaction (see webhook_rows.ts).
  if (inserted[0]) await enqueued(tx, (await query(tx, enqueueLiveSql("postgres"), { seq: inserted[0].seq, now: Date.now() }))[0]?.seq);
  await query(tx, `DELETE FROM live_events WHERE seq <= (SELECT max(seq) FROM live_events) - ${MAX_LIVE_EVENTS}`);
}

/** Adds the deliveries of a just-queued webhook event (`seq` undefined: no endpoint took it). */
async function enqueued(tx: Queryable, seq: unknown): Promise<void> {
  if (seq !== undefined && seq !== null) await query(tx, deliveriesForEventSql("postgres"), { seq });
}

/** A stored residual raw rebuilt from its row; null when the stored raw is full or absent (a merge keeps it). */
async function storedFullRaw(tx: Queryable, chat: string, id: string): Promise<Uint8Array | null> {
  const row = (await query(tx, `SELECT ${RAW_SELECT} FROM messages WHERE chat_jid = :chat AND id = :id`, { chat, id }))[0];
  return row ? fullRawOfRow(row) : null;
}

/** Inserts or merges a message; true when inserted. */
async function writeMessage(tx: Queryable, chat: string, sender: string | null, m: MessageRow, ts: number): Promise<boolean> {
  const md = m.media;
  // A new row keeps a residual raw; a merge leaves a full one (see raw_residual.ts): the
  // incoming one, or the stored residual rebuilt before the merge may change its columns.
  const mergeRaw = m.raw ?? await storedFullRaw(tx, chat, m.id);
  const rows = await query(tx, UPSERT_MESSAGE, {
    chat,
    id: m.id,
    base: pkBase(ts),
    sender,
    fromMe: m.fromMe,
    ts,
    type: m.type,
    text: m.text ?? null,
    quoted: m.quotedId ?? null,
    editedText: m.editedText ?? null,
    editedAt: m.editedAt ?? null,
    revoked: m.revoked,
    viewOnce: m.viewOnce,
    status: m.status ?? null,
    hasMedia: md !== null && md !== undefined,
    mime: md?.mimetype ?? null,
    fileName: md?.fileName ?? null,
    fileLength: md?.fileLength ?? null,
    duration: md?.durationSec ?? null,
    directPath: md?.directPath ?? null,
    url: md?.url ?? null,
    mediaKey: md?.mediaKey ?? null,
    sha: md?.fileSha256 ?? null,
    encSha: md?.fileEncSha256 ?? null,
    keyTs: md?.mediaKeyTimestamp ?? null,
    raw: m.raw ? residualRaw(m.raw, rawColumnsOf(chat, sender, m, ts)) : null,
    mergeRaw,
    search: searchOfMessage(m),
  });
  // An update merged old and new text: index what is stored now.
  if (rows[0] && !rows[0].inserted) await refreshSearch(tx, rows[0]);
  return rows[0]?.inserted === true;
}

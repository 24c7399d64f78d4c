/**
 * Applies a batch of write ops inside one PostgreSQL transaction (the caller's). Same merge
 * rules as the SQLite store (`../sqljs/apply.ts`), in PostgreSQL's dialect; the search vector
 * is computed here from the message's merged text, with the same tokens SQLite indexes.
 */
import { chatKindOf, isLidJid, isPersonJid, isPnJid, normalizeJid } from "../../ids/jid.ts";
import { chatSearchKey, PK_SLOTS, pkBase, personNameKey, personSearchKey } from "../keys.ts";
import type { ChatRow, LiveEventKind, MessageRow, PersonRow, WriteOp } from "../types.ts";
import { applyBulk, bulkRunEnd } from "./apply_bulk.ts";
import {
  type BatchContext,
  CHAT_TOUCH_MERGE,
  mayHold,
  MERGED_TEXT_COLUMNS,
  MESSAGE_MERGE,
  personStub,
  REACTION_MERGE,
  RECEIPT_MERGE,
  type Row,
  searchOfMessage,
  searchOfRow,
} from "./apply_shared.ts";
import { authorFromKey, authorKey, type Change, heldChanges, judgeChange } from "../change_rules.ts";
import { query, type Queryable } from "./client.ts";
import { heldOpSql } from "../held_rows.ts";

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
}

/**
 * Applies `ops` in order with `tx` (a transaction). Throws on the first failing op (the caller
 * rolls back). Runs of message/reaction/receipt upserts go to the bulk writer, which leaves the
 * same rows as applying them one by one.
 */
export async function applyPostgres(tx: Queryable, ops: readonly WriteOp[], opts: ApplyOptions = {}): Promise<void> {
  const ctx: BatchContext = { tx, ensured: new Set(), held: undefined };
  const bulk = opts.bulk ?? true;
  for (let i = 0; i < ops.length;) {
    const end = bulk ? bulkRunEnd(ops, i) : i;
    if (end - i > 1) {
      // A run the bulk writer declines (held changes to judge, a full millisecond) goes one by one.
      if (!(await applyBulk(ctx, ops.slice(i, end)))) for (let j = i; j < end; j++) await applyOne(ctx, ops[j]!);
      i = end;
      continue;
    }
    await applyOne(ctx, ops[i]!);
    i++;
  }
}

const STATUS_MERGE = `CASE WHEN :status::int IS NULL THEN status WHEN status IS NULL THEN :status::int
  WHEN :status::int = 0 AND status <= 1 THEN 0 ELSE GREATEST(status, :status::int) END`;

async function applyOne(ctx: BatchContext, op: WriteOp): Promise<void> {
  const { tx } = ctx;
  switch (op.op) {
    case "upsertChat":
      return await upsertChat(ctx, op.chat);
    case "deleteChat":
      return await deleteChat(tx, await canonical(tx, op.jid));
    case "clearChat":
      return await clearChat(tx, await canonical(tx, op.jid), op.before);
    case "upsertPerson":
      return await upsertPerson(ctx, op.person);
    case "linkLid": {
      const pn = normalizeJid(op.pnJid);
      const lid = normalizeJid(op.lid);
      if (isPnJid(pn) && isLidJid(lid)) await link(ctx, pn, lid);
      return;
    }
    case "upsertMessage":
      return await upsertMessage(ctx, op.message, op.live === true);
    case "editMessage": {
      const chat = await canonical(tx, op.chatJid);
      const kept = await applyChange(ctx, chat, op.id, { kind: "edit", author: authorKey(op.by), text: op.text, at: op.editedAt });
      // A refused change is not news from this chat's sender: it does not enter the live feed.
      if (op.live && kept) await recordLive(tx, "edit", chat, op.id, op.editedAt);
      return;
    }
    case "revokeMessage": {
      const chat = await canonical(tx, op.chatJid);
      const kept = await applyChange(ctx, chat, op.id, { kind: "revoke", author: authorKey(op.by), text: null, at: null });
      if (op.live && kept) await recordLive(tx, "delete", chat, op.id, null);
      return;
    }
    case "deleteMessage": {
      const p = { chat: await canonical(tx, op.chatJid), id: op.id };
      await query(tx, "DELETE FROM messages WHERE chat_jid = :chat AND id = :id", p);
      await query(tx, "DELETE FROM reactions WHERE chat_jid = :chat AND message_id = :id", p);
      await query(tx, "DELETE FROM receipts WHERE chat_jid = :chat AND message_id = :id", p);
      await query(tx, "DELETE FROM pending_changes WHERE chat_jid = :chat AND id = :id", p);
      return;
    }
    case "setMessageStatus":
      await query(tx, `UPDATE messages SET status = ${STATUS_MERGE} WHERE chat_jid = :chat AND id = :id`, {
        status: op.status,
        chat: await canonical(tx, op.chatJid),
        id: op.id,
      });
      return;
    case "upsertReaction": {
      const r = op.reaction;
      const p = { chat: await canonical(tx, r.chatJid), mid: r.messageId, who: await canonical(tx, r.reactorId), emoji: r.emoji, ts: r.ts };
      if (op.live) await recordLive(tx, "reaction", p.chat, r.messageId, r.ts);
      if (r.emoji === "") {
        await query(tx, "DELETE FROM reactions WHERE chat_jid = :chat AND message_id = :mid AND reactor_id = :who AND ts <= :ts", p);
        return;
      }
      await ensurePerson(ctx, p.who);
      await query(
        tx,
        `INSERT INTO reactions (chat_jid, message_id, reactor_id, emoji, ts) VALUES (:chat, :mid, :who, :emoji, :ts)
         ${REACTION_MERGE}`,
        p,
      );
      return;
    }
    case "upsertReceipt": {
      const r = op.receipt;
      const who = await canonical(tx, r.personId);
      await ensurePerson(ctx, who);
      await query(
        tx,
        `INSERT INTO receipts (chat_jid, message_id, person_id, type, ts) VALUES (:chat, :mid, :who, :type, :ts)
         ${RECEIPT_MERGE}`,
        { chat: await canonical(tx, r.chatJid), mid: r.messageId, who, type: r.type, ts: r.ts },
      );
      return;
    }
    case "setParticipants":
      return await setParticipants(ctx, op);
    case "addUnread":
      await query(tx, "UPDATE chats SET unread_count = GREATEST(coalesce(unread_count, 0) + :n::int, 0) WHERE jid = :jid", {
        jid: await canonical(tx, op.jid),
        n: op.count,
      });
      return;
    case "markChatRead":
      await query(
        tx,
        `UPDATE chats SET unread_count = 0, marked_unread = FALSE,
           read_at = GREATEST(read_at, coalesce(:upTo::bigint, last_message_at)) WHERE jid = :jid`,
        { jid: await canonical(tx, op.jid), upTo: op.upTo },
      );
      return;
    case "markChatUnread":
      await query(tx, "UPDATE chats SET marked_unread = TRUE WHERE jid = :jid", { jid: await canonical(tx, op.jid) });
      return;
    case "setAuth":
      if (op.value === null) await query(tx, "DELETE FROM auth WHERE category = :c AND id = :id", { c: op.category, id: op.id });
      else {
        await query(
          tx,
          "INSERT INTO auth (category, id, value) VALUES (:c, :id, :v) ON CONFLICT (category, id) DO UPDATE SET value = excluded.value",
          { c: op.category, id: op.id, v: op.value },
        );
      }
      return;
    case "clearAuth":
      await query(tx, "DELETE FROM auth");
      return;
    case "setMeta":
      if (op.value === null) await query(tx, "DELETE FROM meta WHERE key = :k", { k: op.key });
      else await query(tx, "INSERT INTO meta (key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", { k: op.key, v: op.value });
      return;
    case "holdSend":
    case "claimHeldSend":
    case "settleHeldSend": {
      const [sql, params] = heldOpSql(op);
      await query(tx, sql, params);
      return;
    }
    default: {
      const never: never = op;
      throw new TypeError(`Unknown write op ${JSON.stringify((never as { op?: unknown }).op)}`);
    }
  }
}

/** The canonical form of a JID (see the SQLite store). */
export async function canonical(tx: Queryable, jid: string): Promise<string> {
  const j = normalizeJid(jid);
  if (!isLidJid(j)) return j;
  const rows = await query(tx, "SELECT id FROM people WHERE lid = :jid", { jid: j });
  return typeof rows[0]?.id === "string" ? rows[0].id : j;
}

async function ensurePerson(ctx: BatchContext, id: string): Promise<void> {
  if (ctx.ensured.has(id) || !isPersonJid(id)) return;
  const p = personStub(id);
  await query(
    ctx.tx,
    "INSERT INTO people (id, pn_jid, lid, search_key) VALUES (:id, :pn, :lid, :key) ON CONFLICT DO NOTHING",
    { id, pn: p.pn_jid, lid: p.lid, key: p.search_key },
  );
  ctx.ensured.add(id);
}

async function upsertChat(ctx: BatchContext, chat: Partial<ChatRow> & { jid: string }): Promise<void> {
  const jid = await canonical(ctx.tx, chat.jid);
  if (isPersonJid(jid)) await ensurePerson(ctx, jid);
  await query(
    ctx.tx,
    `INSERT INTO chats (jid, kind, name, search_key, last_message_at, archived, pinned, muted_until, unread_count, description)
     VALUES (:jid, :kind, :name, :key, :at, :archived, :pinned, :muted, :unread, :descr)
     ON CONFLICT (jid) DO UPDATE SET
       name = coalesce(excluded.name, chats.name),
       search_key = coalesce(excluded.search_key, chats.search_key),
       last_message_at = GREATEST(excluded.last_message_at, chats.last_message_at),
       archived = coalesce(excluded.archived, chats.archived),
       pinned = coalesce(excluded.pinned, chats.pinned),
       muted_until = coalesce(excluded.muted_until, chats.muted_until),
       unread_count = coalesce(excluded.unread_count, chats.unread_count),
       description = coalesce(excluded.description, chats.description)`,
    {
      jid,
      kind: chat.kind ?? chatKindOf(jid),
      name: chat.name ?? null,
      key: chatSearchKey(chat.name),
      at: chat.lastMessageAt ?? null,
      archived: chat.archived ?? null,
      pinned: chat.pinned ?? null,
      muted: chat.mutedUntil ?? null,
      unread: chat.unreadCount ?? null,
      descr: chat.description ?? null,
    },
  );
}

async function deleteChat(tx: Queryable, jid: string): Promise<void> {
  await clearChat(tx, jid, undefined);
  await query(tx, "DELETE FROM participants WHERE group_jid = :jid", { jid });
  await query(tx, "DELETE FROM chats WHERE jid = :jid", { jid });
}

/** Deletes a chat's messages (all, or those with ts < before) with their reactions and receipts; the chat stays. */
async function clearChat(tx: Queryable, jid: string, before: number | undefined): Promise<void> {
  if (before === undefined) {
    for (const sql of [
      "DELETE FROM messages WHERE chat_jid = :jid",
      "DELETE FROM reactions WHERE chat_jid = :jid",
      "DELETE FROM receipts WHERE chat_jid = :jid",
      "DELETE FROM pending_changes WHERE chat_jid = :jid",
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

/** Most changes kept for messages not stored yet; beyond it the oldest arrivals are dropped. */
const MAX_PENDING_CHANGES = 10_000;

/** Applies an edit or revoke if WhatsApp would honour it, keeps it as refused if not, or holds it (see the SQLite store). */
/** Applies, holds or refuses one change; false when it was refused. */
async function applyChange(ctx: BatchContext, chat: string, id: string, c: Change): Promise<boolean> {
  const { tx } = ctx;
  const target = (await query(tx, "SELECT from_me, sender_id FROM messages WHERE chat_jid = :chat AND id = :id", { chat, id }))[0];
  if (!target) {
    await hold(ctx, chat, id, c);
    return true;
  }
  const author = authorFromKey(c.author);
  const authorId = author.id === null ? null : await canonical(tx, author.id);
  const admin = c.kind === "revoke" && authorId !== null && chatKindOf(chat) === "group" &&
    (await query(tx, "SELECT 1 AS x FROM participants WHERE group_jid = :g AND person_id = :p AND admin IS NOT NULL", { g: chat, p: authorId }))
        .length > 0;
  const verdict = judgeChange(
    c.kind,
    { fromMe: author.fromMe, id: authorId },
    { fromMe: target.from_me === true, senderId: (target.sender_id as string | null) ?? null },
    admin,
  );
  if (verdict === "refuse") {
    await query(
      tx,
      `INSERT INTO refused_changes (chat_jid, message_id, kind, author, text, at) VALUES (:chat, :id, :kind, :author, :text, :at::bigint)
       ON CONFLICT (chat_jid, message_id, kind, author) DO UPDATE SET text = excluded.text, at = excluded.at
       WHERE excluded.at IS NULL OR refused_changes.at IS NULL OR excluded.at >= refused_changes.at`,
      { chat, id, kind: c.kind, author: author.fromMe ? c.author : authorId ?? "", text: c.text, at: c.at },
    );
    return false;
  }
  const rows = c.kind === "edit"
    ? await query(
      tx,
      `UPDATE messages SET edited_text = :text, edited_at = :at::bigint
       WHERE chat_jid = :chat AND id = :id AND (edited_at IS NULL OR edited_at <= :at::bigint)
       RETURNING ${MERGED_TEXT_COLUMNS}`,
      { text: c.text, at: c.at, chat, id },
    )
    : await query(
      tx,
      `UPDATE messages SET revoked_by = CASE WHEN revoked THEN revoked_by ELSE :by END, revoked = TRUE, search = NULL
       WHERE chat_jid = :chat AND id = :id RETURNING 1 AS hit`,
      { by: verdict === "admin" ? (author.fromMe ? author.id : authorId) : null, chat, id },
    );
  if (c.kind === "edit") for (const r of rows) await refreshSearch(tx, r);
  return true;
}

/** Keeps an edit or a revoke of a message not stored yet, one row per message and author. */
async function hold(ctx: BatchContext, chat: string, id: string, c: Change): Promise<void> {
  await query(
    ctx.tx,
    `INSERT INTO pending_changes (chat_jid, id, author, edited_text, edited_at, revoked) VALUES (:chat, :id, :author, :text, :at::bigint, :revoked)
     ON CONFLICT (chat_jid, id, author) DO UPDATE SET
       edited_text = CASE WHEN excluded.edited_text IS NOT NULL AND (pending_changes.edited_at IS NULL OR excluded.edited_at >= pending_changes.edited_at)
                          THEN excluded.edited_text ELSE pending_changes.edited_text END,
       edited_at = CASE WHEN excluded.edited_text IS NOT NULL AND (pending_changes.edited_at IS NULL OR excluded.edited_at >= pending_changes.edited_at)
                        THEN excluded.edited_at ELSE pending_changes.edited_at END,
       revoked = pending_changes.revoked OR excluded.revoked`,
    {
      chat,
      id,
      author: c.author,
      text: c.kind === "edit" ? c.text : null,
      at: c.kind === "edit" ? c.at : null,
      revoked: c.kind === "revoke",
    },
  );
  await query(ctx.tx, `DELETE FROM pending_changes WHERE seq <= (SELECT max(seq) FROM pending_changes) - ${MAX_PENDING_CHANGES}`);
  ctx.held = true;
}

/** Judges and applies held changes (rows already taken out of pending_changes) now that their message is stored. */
async function applyHeld(ctx: BatchContext, chat: string, rows: readonly Row[]): Promise<void> {
  for (const r of rows) {
    for (const c of heldChanges(r)) await applyChange(ctx, chat, String(r.id), c);
  }
}

/** Takes out and applies the held changes of `chat` whose messages are stored (after a LID merge moved messages in). */
async function resolveHeld(ctx: BatchContext, chat: string): Promise<void> {
  const rows = await query(
    ctx.tx,
    `DELETE FROM pending_changes WHERE chat_jid = :chat
       AND EXISTS (SELECT 1 FROM messages m WHERE m.id = pending_changes.id AND m.chat_jid = :chat)
     RETURNING id, author, edited_text, edited_at, revoked`,
    { chat },
  );
  await applyHeld(ctx, chat, rows);
}

async function upsertPerson(ctx: BatchContext, p: Partial<PersonRow> & { pnJid?: string | null; lid?: string | null }): Promise<void> {
  const idForm = p.id ? normalizeJid(p.id) : null;
  const pn = p.pnJid ? normalizeJid(p.pnJid) : idForm && isPnJid(idForm) ? idForm : null;
  const lid = p.lid ? normalizeJid(p.lid) : idForm && isLidJid(idForm) ? idForm : null;
  const pnOk = pn && isPnJid(pn) ? pn : null;
  const lidOk = lid && isLidJid(lid) ? lid : null;
  let id: string;
  if (pnOk && lidOk) id = await link(ctx, pnOk, lidOk);
  else if (pnOk || lidOk) {
    id = await canonical(ctx.tx, (pnOk ?? lidOk)!);
    await ensurePerson(ctx, id);
  } else return;
  await query(
    ctx.tx,
    `UPDATE people SET push_name = coalesce(:push, push_name), saved_name = coalesce(:saved, saved_name),
       business_name = coalesce(:biz, business_name) WHERE id = :id`,
    { push: p.pushName ?? null, saved: p.savedName ?? null, biz: p.businessName ?? null, id },
  );
  await refreshPersonKeys(ctx.tx, id);
}

async function refreshPersonKeys(tx: Queryable, id: string): Promise<void> {
  const row = (await query(tx, "SELECT pn_jid, push_name, saved_name, business_name FROM people WHERE id = :id", { id }))[0];
  if (!row) return;
  const names = {
    pnJid: row.pn_jid as string | null,
    pushName: row.push_name as string | null,
    savedName: row.saved_name as string | null,
    businessName: row.business_name as string | null,
  };
  await query(tx, "UPDATE people SET search_key = :s, name_key = :n WHERE id = :id", {
    s: personSearchKey(names),
    n: personNameKey(names),
    id,
  });
}

async function link(ctx: BatchContext, pn: string, lid: string): Promise<string> {
  const { tx } = ctx;
  const byPn = (await query(tx, "SELECT * FROM people WHERE pn_jid = :pn", { pn }))[0];
  let byLid: Row | undefined = (await query(tx, "SELECT * FROM people WHERE lid = :lid", { lid }))[0];
  if (byPn && byLid && byPn.id === byLid.id) return byPn.id as string;
  if (byLid && byLid.pn_jid && byLid.pn_jid !== pn) {
    await query(tx, "UPDATE people SET lid = NULL WHERE id = :id", { id: byLid.id });
    byLid = undefined;
  }
  if (byPn) {
    if (byLid) {
      await query(
        tx,
        `UPDATE people SET push_name = coalesce(push_name, :push), saved_name = coalesce(saved_name, :saved),
           business_name = coalesce(business_name, :biz) WHERE id = :id`,
        { push: byLid.push_name, saved: byLid.saved_name, biz: byLid.business_name, id: pn },
      );
      await query(tx, "DELETE FROM people WHERE id = :id", { id: byLid.id });
    }
    await query(tx, "UPDATE people SET lid = :lid WHERE id = :id", { lid, id: byPn.id });
  } else if (byLid) {
    await query(tx, "UPDATE people SET id = :pn, pn_jid = :pn WHERE id = :id", { pn, id: byLid.id });
  } else {
    await query(tx, "INSERT INTO people (id, pn_jid, lid) VALUES (:pn, :pn, :lid)", { pn, lid });
  }
  await rekey(tx, lid, pn);
  if (await mayHold(ctx)) {
    // Changes held under the LID move too; one held under the phone JID may now find its message.
    for (const sql of REKEY_HELD) await query(tx, sql, { from: lid, to: pn });
    await resolveHeld(ctx, pn);
  }
  await refreshPersonKeys(tx, pn);
  ctx.ensured.add(pn);
  ctx.ensured.delete(lid);
  return pn;
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

async function rekey(tx: Queryable, from: string, to: string): Promise<void> {
  const fromChat = (await query(tx, "SELECT * FROM chats WHERE jid = :from", { from }))[0];
  if (fromChat) {
    const toExists = (await query(tx, "SELECT 1 AS x FROM chats WHERE jid = :to", { to })).length > 0;
    if (toExists) {
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
    } else {
      await query(tx, "UPDATE chats SET jid = :to WHERE jid = :from", { to, from });
    }
  }
  for (const sql of REKEY) await query(tx, sql, { from, to });
}

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
    ${MESSAGE_MERGE}
  RETURNING ${MERGED_TEXT_COLUMNS}, (xmax = 0) AS inserted`;

/** Most live events kept (as in SQLite). */
const MAX_LIVE_EVENTS = 100_000;

/** Records a live event once (a re-delivery adds nothing); `at` null: the message's own instant. */
async function recordLive(tx: Queryable, kind: LiveEventKind, chat: string, id: string, at: number | null): Promise<void> {
  await query(
    tx,
    `INSERT INTO live_events (kind, chat_jid, message_id, at)
     VALUES (:kind, :chat, :id, coalesce(:at::bigint, (SELECT ts FROM messages WHERE chat_jid = :chat AND id = :id), 0))
     ON CONFLICT DO NOTHING`,
    { kind, chat, id, at },
  );
  await query(tx, `DELETE FROM live_events WHERE seq <= (SELECT max(seq) FROM live_events) - ${MAX_LIVE_EVENTS}`);
}

async function upsertMessage(ctx: BatchContext, message: MessageRow, live: boolean): Promise<void> {
  const { tx } = ctx;
  const chat = await canonical(tx, message.chatJid);
  const m = message;
  const sender = m.senderId ? await canonical(tx, m.senderId) : null;
  if (isPersonJid(chat)) await ensurePerson(ctx, chat);
  if (sender) await ensurePerson(ctx, sender);
  const md = m.media;
  const ts = Math.trunc(m.ts);
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
    raw: m.raw ?? null,
    search: searchOfMessage(m),
  });
  // An update merged old and new text: index what is stored now.
  if (rows[0] && !rows[0].inserted) await refreshSearch(tx, rows[0]);
  else if (rows[0] && live) await recordLive(tx, "message", chat, m.id, ts);
  if (await mayHold(ctx)) {
    // Edits or revokes that arrived first: judged against the message now that its sender is known.
    const held = await query(tx, "DELETE FROM pending_changes WHERE chat_jid = :chat AND id = :id RETURNING id, author, edited_text, edited_at, revoked", {
      chat,
      id: m.id,
    });
    await applyHeld(ctx, chat, held);
  }
  await query(
    tx,
    `INSERT INTO chats (jid, kind, last_message_at) VALUES (:jid, :kind, :ts) ${CHAT_TOUCH_MERGE}`,
    { jid: chat, kind: chatKindOf(chat), ts },
  );
}

/** Recomputes a message's search vector from its stored text fields (a row with chat_jid, id, text...). */
async function refreshSearch(tx: Queryable, r: Row): Promise<void> {
  await query(tx, "UPDATE messages SET search = :search::tsvector WHERE chat_jid = :chat AND id = :id", {
    search: searchOfRow(r),
    chat: r.chat_jid,
    id: r.id,
  });
}

async function setParticipants(ctx: BatchContext, op: Extract<WriteOp, { op: "setParticipants" }>): Promise<void> {
  const { tx } = ctx;
  const group = await canonical(tx, op.groupJid);
  await query(tx, "INSERT INTO chats (jid, kind) VALUES (:jid, :kind) ON CONFLICT DO NOTHING", { jid: group, kind: chatKindOf(group) });
  if (op.mode === "replace") await query(tx, "DELETE FROM participants WHERE group_jid = :g", { g: group });
  const upsert = `INSERT INTO participants (group_jid, person_id, admin) VALUES (:g, :p, :admin)
    ON CONFLICT (group_jid, person_id) DO UPDATE SET admin = excluded.admin`;
  for (const p of op.participants) {
    const person = await canonical(tx, p.personId);
    switch (op.mode) {
      case "replace":
      case "add":
        await ensurePerson(ctx, person);
        await query(tx, upsert, { g: group, p: person, admin: p.admin ?? null });
        break;
      case "remove":
        await query(tx, "DELETE FROM participants WHERE group_jid = :g AND person_id = :p", { g: group, p: person });
        break;
      case "promote":
      case "demote":
        await ensurePerson(ctx, person);
        await query(tx, upsert, { g: group, p: person, admin: op.mode === "promote" ? (p.admin ?? "admin") : null });
        break;
    }
  }
}

/**
 * Applies a batch of write ops to a sql.js database: plain SQL, deterministic (the durable
 * engine replays journaled batches through this same function), atomic (one savepoint per
 * batch, so it composes with a caller's transaction). Full-text indexing: new messages are
 * queued for the index here, in one statement per batch (`queueForIndex`; `fts_queue.ts` indexes
 * them later, in bulk), and the schema's triggers re-index changed ones.
 *
 * What each op must do is decided by the write plan (`../write_plan/`, shared with the
 * PostgreSQL store): this file runs its steps, synchronously, with SQLite's statements. The
 * merge rules of upserts live in those statements: a null/undefined field never overwrites a
 * known value; flags that only ever become true (revoked, view once, has media) stay true;
 * delivery status only advances (an error replaces only "pending"); the newer edit wins; a
 * message's ts and pk never change.
 *
 * Per-message work is kept to the message row itself: people and chats touched by a batch are
 * written once per batch, each set in one statement (`json_each` over the list), not once per
 * message.
 */
import type { Database } from "sql.js";
import { chatKindOf, isLidJid, isPnJid } from "../../ids/jid.ts";
import { chatSearchKey, personSearchKey } from "../keys.ts";
import { compactPkBase, PK_ALLOC, SECOND_SLOTS, WHOLE_SECOND_SLOTS } from "./pk.ts";
import { directPathKey, directPathText, idKey, idText, messageIdKey } from "./message_keys.ts";
import type { ChatRow, LiveEventKind, MessageRow, WriteOp } from "../types.ts";
import type { Change } from "../change_rules.ts";
import { registerSqlFunctions } from "./functions.ts";
import { queueWithWords, wordsOfRow } from "./fts_queue_words.ts";
import { type BackOffs, withBackOff } from "./back_off.ts";
import { forgetKnownPeople, knownMark, type KnownRows, knownRowsOf, undoKnownTo } from "./known_rows.ts";
import { bind, jsonParam, type Statements, statementsOf, textParamInSlab } from "./statements.ts";
import { directOpSql, linkEventParams } from "../direct_rows.ts";
import { DELETE_POLL_OF_MESSAGE, pollParams, REKEY_POLLS, UPSERT_VOTE, upsertPollSql, voteParams } from "../poll_rows.ts";
import { deliveriesForEventSql, enqueueLinkSql, enqueueLiveSql } from "../webhook_rows.ts";
import { canonicalFrom } from "../write_plan/canonical.ts";
import { fullRaw, isResidual, residualRaw } from "../raw_residual.ts";
import { RAW_SELECT, rawColumnsFromRow, rawColumnsOf } from "../rows.ts";
import { planOp } from "../write_plan/plan.ts";
import { runPlan } from "../write_plan/run.ts";
import type { ChatFacts, DirectOp, PersonFacts, Step } from "../write_plan/steps.ts";
import { changeTarget, personFacts } from "../write_plan/facts.ts";

type Bind = number | string | Uint8Array | null;

const b = (v: boolean | null | undefined): number | null => (v === null || v === undefined ? null : v ? 1 : 0);
const n = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** Applies `ops` in order, all or nothing. Throws (after rolling the batch back) on the first failing op. */
export function applySqlite(db: Database, ops: readonly WriteOp[], replay = false): void {
  registerSqlFunctions(db);
  const s = statementsOf(db);
  const known = knownRowsOf(db);
  const mark = known && knownMark(known);
  // Ops that may delete or re-key people rows: what is known of people does not hold through them.
  const keepsPeople = ops.every((op) => KEEPS_PEOPLE.has(op.op));
  if (known && !keepsPeople) forgetKnownPeople(known);
  s.run("SAVEPOINT apply_batch");
  try {
    const ctx: BatchContext = {
      s,
      ensured: new Set(),
      newPeople: [],
      lastAt: new Map(),
      held: undefined,
      keys: new Map(),
      known,
      learnPeople: keepsPeople,
      queued: [],
      words: wordsOfRow(db),
      rows: replay ? replayRows() : undefined,
    };
    const exec = ctx.rows ? (step: Step) => replayExecute(ctx, step) : (step: Step) => execute(ctx, step);
    for (const op of ops) {
      if (!DEFERS_CHATS.has(op.op)) flushChats(ctx);
      if (!DEFERS_PEOPLE.has(op.op)) flushPeople(ctx);
      runPlan(planOp(ctx, op), exec);
    }
    if (ctx.rows) flushRows(ctx);
    flushChats(ctx);
    flushPeople(ctx);
    queueForIndex(ctx);
    s.run("RELEASE apply_batch");
  } catch (err) {
    s.run("ROLLBACK TO apply_batch");
    s.run("RELEASE apply_batch");
    if (known && mark) undoKnownTo(known, mark);
    throw err;
  }
}

/** Ops that never delete or re-key a people row (their plans only add people: `ensurePerson`). */
const KEEPS_PEOPLE: ReadonlySet<WriteOp["op"]> = new Set(["upsertMessage", "upsertReaction", "upsertReceipt", "setMessageStatus"]);

interface BatchContext {
  s: Statements;
  /** Person ids known to have a row, or queued in `newPeople` (skips repeated inserts within a batch). */
  ensured: Set<string>;
  /** People rows to create if missing ([id, pn_jid, lid, search_key]), written together. */
  newPeople: Array<[string, string | null, string | null, string]>;
  /**
   * Newest message instant per chat, not yet written to `chats`: a batch of 1000 messages
   * updates each chat once. Written before any op that reads or changes chats, and at the end.
   */
  lastAt: Map<string, number>;
  /** Whether pending_changes may hold rows (looked up once per batch, when a message first needs it). */
  held: boolean | undefined;
  /**
   * Integer keys of JIDs (the `jids` dictionary) looked up or added in this batch. Only for the
   * batch: a rollback (of the batch, or of a caller's transaction around it) may take new keys back.
   */
  keys: Map<string, number>;
  /** Keys and people rows known across batches (`known_rows.ts`); undefined when not tracked. */
  known: KnownRows | undefined;
  /** Whether people rows this batch makes sure of may be recorded as known (see KEEPS_PEOPLE). */
  learnPeople: boolean;
  /** Messages inserted by this batch that wait for the full-text queue (`queueForIndex`): pk, then its counts (fts_queue_words.ts), for each. */
  queued: Array<number | null>;
  /** The counts of a message to queue, from its row's current text and file name (fts_queue_words.ts `wordsOfRow`). */
  words: (current: string | null, name: string | null) => number | null;
  /** A replay's new messages not inserted yet (`applyReplaySqlite`); undefined outside a replay. */
  rows?: ReplayRows;
}

/**
 * Puts the new messages of `ctx.queued` in the full-text queue (`fts_pending`) with their counts
 * (fts_queue_words.ts), all in one
 * statement: what the trigger `messages_fts_queue` did row by row until migration 0015 (a
 * trigger costs ~5 µs a row in sql.js, the bulk insert < 1). Done at the end of the batch, and
 * before any step that may change or delete a message row: the index triggers of updates and
 * deletes tell a queued row from an indexed one by this table, so the queue must be complete
 * whenever they run.
 */
function queueForIndex(ctx: BatchContext): void {
  if (ctx.queued.length === 0) return;
  queueWithWords(ctx.s, ctx.queued);
  ctx.queued.length = 0;
}

/** A new message's counts for the queue (fts_queue_words.ts), from the values its row is inserted with (messageParams'). */
function rowWords(ctx: BatchContext, params: readonly Bind[]): number | null {
  const current = params[P.editedText] ?? params[P.text];
  const name = params[P.fileName];
  return ctx.words(typeof current === "string" ? current : null, typeof name === "string" ? name : null);
}

/**
 * Steps that neither change nor delete message rows (nor read the full-text queue), so
 * `ctx.queued` may wait past them; any other step writes the queue first.
 */
const KEEPS_QUEUE: ReadonlySet<Step["t"]> = new Set<Step["t"]>([
  "lidOwner",
  "ensurePerson",
  "message", // its merge of a stored message writes the queue first (`writeMessage`)
  "mayHold",
  "takeHeld",
  "changeTarget",
  "isAdmin",
  "chat",
  "live",
  "react",
  "unreact",
  "receipt",
  "poll",
  "vote",
  "refuse",
  "hold",
  "personNames",
  "personById",
  "personByPn",
  "personByLid",
  "chatRow",
  "chatExists",
  "addUnread",
  "markRead",
  "markUnread",
]);

/**
 * Ops that do not read people rows (beyond the LID lookup of `canonical`, which a missing
 * LID-only row does not change), so queued new people may wait past them.
 */
const DEFERS_PEOPLE: ReadonlySet<WriteOp["op"]> = new Set([
  "upsertChat",
  "upsertMessage",
  "editMessage",
  "revokeMessage",
  "deleteMessage",
  "setMessageStatus",
  "upsertReaction",
  "upsertReceipt",
  "setParticipants",
  "setAuth",
  "setMeta",
]);

function flushPeople(ctx: BatchContext): void {
  if (ctx.newPeople.length === 0) return;
  ctx.s.run(
    `INSERT OR IGNORE INTO people (id, pn_jid, lid, search_key)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(CAST(? AS TEXT))`,
    [jsonParam(ctx.newPeople)],
  );
  ctx.newPeople.length = 0;
}

/** Ops that neither read nor change chats, so pending chat updates may wait past them. */
const DEFERS_CHATS: ReadonlySet<WriteOp["op"]> = new Set([
  "upsertMessage",
  "upsertReaction",
  "upsertReceipt",
  "setMessageStatus",
  "editMessage",
  "revokeMessage",
  "setAuth",
  "setMeta",
]);

function flushChats(ctx: BatchContext): void {
  if (ctx.lastAt.size === 0) return;
  const { s } = ctx;
  // An existing chat: one UPDATE by its key, which writes only when the instant is newer (5 µs
  // a chat, against 8 for the upsert over json_each: measured with ~650 chats a batch). The
  // rest (new chats, or not newer) go to one INSERT OR IGNORE, which adds only the new ones.
  const rest: Array<[string, string, number]> = [];
  for (const [chat, at] of ctx.lastAt) {
    s.run(BUMP_CHAT, [chat, at]);
    if (s.changes() === 0) rest.push([chat, chatKindOf(chat), at]);
  }
  ctx.lastAt.clear();
  if (rest.length === 0) return;
  s.run(
    `INSERT OR IGNORE INTO chats (jid, kind, last_message_at)
     SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(CAST(? AS TEXT))`,
    [jsonParam(rest)],
  );
}

/** A chat's newest message instant, when `?2` is newer (no write otherwise: nothing would change). */
const BUMP_CHAT = "UPDATE chats SET last_message_at = ?2 WHERE jid = ?1 AND (last_message_at IS NULL OR last_message_at < ?2)";

/** Runs one step of the write plan; returns a read's answer. */
function execute(ctx: BatchContext, step: Step): unknown {
  const { s } = ctx;
  if (ctx.queued.length > 0 && !KEEPS_QUEUE.has(step.t)) queueForIndex(ctx);
  switch (step.t) {
    case "lidOwner":
      return lidOwner(s, step.lid);
    case "ensurePerson":
      return ensurePerson(ctx, step.id);
    case "message": {
      if (step.chatIsPerson) ensurePerson(ctx, step.chat);
      if (step.senderIsPerson) ensurePerson(ctx, step.sender!);
      const sender = step.sender === null ? null : jidKey(ctx, step.sender);
      const inserted = writeMessage(ctx, { chat: jidKey(ctx, step.chat), sender }, step.chat, step.sender, step.message, step.ts);
      touchChat(ctx, step.chat, step.ts);
      return inserted;
    }
    case "mayHold":
      return s.value("SELECT EXISTS (SELECT 1 FROM pending_changes)") === 1;
    case "takeHeld": {
      const held = s.all("DELETE FROM pending_changes WHERE chat_jid = ? AND id = ? RETURNING id, author, edited_text, edited_at, revoked", [step.chat, step.id]);
      if (held.length > 0) flushPeople(ctx); // the author check reads people (LID -> phone) and participants
      return held;
    }
    case "chat":
      return upsertChat(s, step.jid, step.chat);
    case "react": {
      const r = step.reaction;
      s.run(
        `INSERT INTO reactions (chat_jid, message_id, reactor_id, emoji, ts) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (chat_jid, message_id, reactor_id) DO UPDATE SET emoji = excluded.emoji, ts = excluded.ts
         WHERE excluded.ts >= reactions.ts`,
        [step.chat, r.messageId, step.reactor, r.emoji, r.ts],
      );
      return;
    }
    case "unreact":
      s.run("DELETE FROM reactions WHERE chat_jid = ? AND message_id = ? AND reactor_id = ? AND ts <= ?", [
        step.chat,
        step.reaction.messageId,
        step.reactor,
        step.reaction.ts,
      ]);
      return;
    case "receipt": {
      const r = step.receipt;
      s.run(
        `INSERT INTO receipts (chat_jid, message_id, person_id, type, ts) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (chat_jid, message_id, person_id, type) DO UPDATE SET ts = min(receipts.ts, excluded.ts)`,
        [step.chat, r.messageId, step.person, r.type, r.ts],
      );
      return;
    }
    case "live":
      return recordLive(s, step.kind, step.chat, step.id, step.at);
    case "personNames":
      flushPeople(ctx); // the row must exist for the update
      s.run(
        `UPDATE people SET push_name = coalesce(?, push_name), saved_name = coalesce(?, saved_name),
           business_name = coalesce(?, business_name) WHERE id = ?`,
        [step.pushName, step.savedName, step.businessName, step.id],
      );
      return;
    case "personById":
      return personFacts(s.get("SELECT id, pn_jid, push_name, saved_name, business_name FROM people WHERE id = ?", [step.id]));
    case "personKeys":
      s.run("UPDATE people SET search_key = ?, name_key = ? WHERE id = ?", [step.searchKey, step.nameKey, step.id]);
      return;
    case "status":
      s.run(`UPDATE message_rows SET status = ${STATUS_MERGE} WHERE chat = ${KEY_OF("?2")} AND id = ${idKey("?3")}`, [step.status, step.chat, step.id]);
      return;
    case "changeTarget":
      return changeTarget(s.get(`SELECT from_me, sender_id FROM messages WHERE chat_key = ${KEY_OF("?1")} AND id_key = ${idKey("?2")}`, [step.chat, step.id]));
    case "isAdmin":
      return s.value("SELECT 1 FROM participants WHERE group_jid = ? AND person_id = ? AND admin IS NOT NULL", [step.group, step.person]) === 1;
    case "refuse":
      s.run(
        `INSERT INTO refused_changes (chat_jid, message_id, kind, author, text, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (chat_jid, message_id, kind, author) DO UPDATE SET text = ?5, at = ?6
       WHERE ?6 IS NULL OR at IS NULL OR ?6 >= at`,
        [step.chat, step.id, step.kind, step.author, step.text, step.at],
      );
      return;
    case "edit":
      s.run(`UPDATE message_rows SET edited_text = ?1, edited_at = ?2 WHERE chat = ${KEY_OF("?3")} AND id = ${idKey("?4")} AND (edited_at IS NULL OR edited_at <= ?5)`, [
        step.text,
        step.at,
        step.chat,
        step.id,
        step.at,
      ]);
      return;
    case "revoke":
      s.run(`UPDATE message_rows SET revoked_by = CASE WHEN revoked = 1 THEN revoked_by ELSE ?1 END, revoked = 1 WHERE chat = ${KEY_OF("?2")} AND id = ${idKey("?3")}`, [
        step.by,
        step.chat,
        step.id,
      ]);
      return;
    case "hold":
      return hold(s, step.chat, step.id, step.change);
    case "takeResolvable":
      return s.all(
        `DELETE FROM pending_changes WHERE chat_jid = ?1
       AND EXISTS (SELECT 1 FROM message_rows m WHERE m.id = ${idKey("pending_changes.id")} AND m.chat = ${KEY_OF("?1")})
     RETURNING id, author, edited_text, edited_at, revoked`,
        [step.chat],
      );
    case "poll":
      s.run(upsertPollSql("sqlite"), bind(pollParams(step.poll, step.chat)));
      return;
    case "vote":
      s.run(UPSERT_VOTE, bind(voteParams(step.vote, step.chat, step.voter)));
      return;
    case "groupChat":
      s.run("INSERT OR IGNORE INTO chats (jid, kind) VALUES (?, ?)", [step.group, chatKindOf(step.group)]);
      return;
    case "clearParticipants":
      s.run("DELETE FROM participants WHERE group_jid = ?", [step.group]);
      return;
    case "participant":
      s.run(
        `INSERT INTO participants (group_jid, person_id, admin) VALUES (?, ?, ?)
           ON CONFLICT (group_jid, person_id) DO UPDATE SET admin = excluded.admin`,
        [step.group, step.person, step.admin],
      );
      return;
    case "removeParticipant":
      s.run("DELETE FROM participants WHERE group_jid = ? AND person_id = ?", [step.group, step.person]);
      return;
    case "deleteMessage": {
      const { chat, id } = step;
      s.run(`DELETE FROM message_rows WHERE chat = ${KEY_OF("?1")} AND id = ${idKey("?2")}`, [chat, id]);
      s.run("DELETE FROM reactions WHERE chat_jid = ? AND message_id = ?", [chat, id]);
      s.run("DELETE FROM receipts WHERE chat_jid = ? AND message_id = ?", [chat, id]);
      s.run("DELETE FROM pending_changes WHERE chat_jid = ? AND id = ?", [chat, id]);
      for (const sql of DELETE_POLL_OF_MESSAGE) s.run(sql, bind({ chat, id }));
      return;
    }
    case "clearChat":
      return clearChat(s, step.jid, step.before);
    case "dropChat":
      s.run("DELETE FROM participants WHERE group_jid = ?", [step.jid]);
      s.run("DELETE FROM chats WHERE jid = ?", [step.jid]);
      return;
    case "addUnread":
      s.run("UPDATE chats SET unread_count = max(coalesce(unread_count, 0) + ?2, 0) WHERE jid = ?1", [step.jid, step.count]);
      return;
    case "markRead":
      s.run(
        `UPDATE chats SET unread_count = 0, marked_unread = 0,
           read_at = max(coalesce(read_at, 0), coalesce(?2, last_message_at, read_at, 0)) WHERE jid = ?1`,
        [step.jid, step.upTo],
      );
      return;
    case "markUnread":
      s.run("UPDATE chats SET marked_unread = 1 WHERE jid = ?", [step.jid]);
      return;
    case "direct":
      return direct(s, step.op);
    case "personByPn":
      return personFacts(s.get("SELECT * FROM people WHERE pn_jid = ?", [step.pn]));
    case "personByLid":
      return personFacts(s.get("SELECT * FROM people WHERE lid = ?", [step.lid]));
    case "unlinkLid":
      s.run("UPDATE people SET lid = NULL WHERE id = ?", [step.id]);
      return;
    case "foldPerson":
      return foldPerson(s, step.into, step.from);
    case "deletePerson":
      s.run("DELETE FROM people WHERE id = ?", [step.id]);
      return;
    case "setLid":
      s.run("UPDATE people SET lid = ? WHERE id = ?", [step.lid, step.id]);
      return;
    case "promoteLidRow":
      s.run("UPDATE people SET id = ?, pn_jid = ? WHERE id = ?", [step.pn, step.pn, step.id]);
      return;
    case "insertLinked":
      s.run("INSERT INTO people (id, pn_jid, lid) VALUES (?, ?, ?)", [step.pn, step.pn, step.lid]);
      return;
    case "merged":
      ctx.ensured.add(step.pn);
      ctx.ensured.delete(step.lid);
      return;
    case "chatRow":
      return s.get("SELECT * FROM chats WHERE jid = ?", [step.jid]) ?? null;
    case "chatExists":
      return s.value("SELECT 1 FROM chats WHERE jid = ?", [step.jid]) !== undefined;
    case "mergeChat":
      return mergeChat(s, step.from, step.to, step.row);
    case "renameChat":
      s.run("UPDATE chats SET jid = ? WHERE jid = ?", [step.to, step.from]);
      return;
    case "rekeyRows": {
      const { from, to } = step;
      rekeyMessages(ctx, from, to);
      for (const sql of REKEY_SQL) s.run(sql, [from, to]);
      for (const sql of REKEY_POLLS) s.run(sql, bind({ from, to }));
      return;
    }
    case "rekeyHeld":
      for (const sql of REKEY_HELD_SQL) s.run(sql, [step.from, step.to]);
      return;
    default: {
      const never: never = step;
      throw new TypeError(`Unknown write step ${JSON.stringify((never as { t?: unknown }).t)}`);
    }
  }
}

/** The statements of ops that decide nothing. */
function direct(s: Statements, op: DirectOp): void {
  if (op.op !== "recordLinkEvent") {
    for (const [sql, params] of directOpSql("sqlite", op)) s.run(sql, bind(params));
    return;
  }
  const seq = s.all(enqueueLinkSql("sqlite"), bind(linkEventParams(op)))[0]?.seq;
  if (seq !== undefined) s.run(deliveriesForEventSql("sqlite"), bind({ seq }));
}

/** Delivery status merge: ?1 is the new value. Only advances; an error (0) replaces only pending (<= 1). */
const STATUS_MERGE =
  "CASE WHEN ?1 IS NULL THEN status WHEN status IS NULL THEN ?1 WHEN ?1 = 0 AND status <= 1 THEN 0 ELSE max(status, ?1) END";

/** The id of the people row owning a LID (null: none). */
function lidOwner(s: Statements, lid: string): string | null {
  const id = s.value("SELECT id FROM people WHERE lid = ?", [lid]);
  return typeof id === "string" ? id : null;
}

/** The canonical form of a JID: normalized, and a LID whose phone number is known mapped to it. */
export function canonical(s: Statements, jid: string): string {
  return canonicalFrom(jid, (lid) => lidOwner(s, lid));
}

/** Moves a chat's last activity forward (written with the batch's other chats: `flushChats`). */
function touchChat(ctx: BatchContext, chat: string, ts: number): void {
  const known = ctx.lastAt.get(chat);
  if (known === undefined || ts > known) ctx.lastAt.set(chat, ts);
}

/** Makes sure a person row exists for `id` (queued; written before anything reads people, or at the end). */
function ensurePerson(ctx: BatchContext, id: string): void {
  if (ctx.ensured.has(id)) return;
  ctx.ensured.add(id);
  const { known } = ctx;
  if (ctx.learnPeople && known) {
    if (known.people.has(id)) return; // a committed row (no op since could have deleted it)
    known.pendingPeople.push(id);
  }
  const pn = isPnJid(id) ? id : null;
  ctx.newPeople.push([id, pn, isLidJid(id) ? id : null, personSearchKey({ pnJid: pn })]);
}

function upsertChat(s: Statements, jid: string, chat: Partial<ChatRow> & { jid: string }): void {
  s.run(
    `INSERT INTO chats (jid, kind, name, search_key, last_message_at, archived, pinned, muted_until, unread_count, description)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
     ON CONFLICT (jid) DO UPDATE SET
       name = coalesce(excluded.name, name),
       search_key = coalesce(excluded.search_key, search_key),
       last_message_at = max(coalesce(excluded.last_message_at, last_message_at), coalesce(last_message_at, excluded.last_message_at)),
       archived = coalesce(excluded.archived, archived),
       pinned = coalesce(excluded.pinned, pinned),
       muted_until = coalesce(excluded.muted_until, muted_until),
       unread_count = coalesce(excluded.unread_count, unread_count),
       description = coalesce(excluded.description, description)`,
    [
      jid,
      chat.kind ?? chatKindOf(jid),
      n(chat.name),
      chatSearchKey(chat.name),
      n(chat.lastMessageAt),
      b(chat.archived),
      b(chat.pinned),
      n(chat.mutedUntil),
      n(chat.unreadCount),
      n(chat.description),
    ],
  );
}

/** Deletes a chat's messages (all, or those with ts < before) with their reactions and receipts; the chat stays. */
function clearChat(s: Statements, jid: string, before: number | undefined): void {
  if (before === undefined) {
    s.run(`DELETE FROM message_rows WHERE chat = ${KEY_OF("?1")}`, [jid]);
    s.run("DELETE FROM reactions WHERE chat_jid = ?", [jid]);
    s.run("DELETE FROM receipts WHERE chat_jid = ?", [jid]);
    s.run("DELETE FROM pending_changes WHERE chat_jid = ?", [jid]);
    s.run("DELETE FROM polls WHERE chat_jid = ?", [jid]);
    s.run("DELETE FROM poll_votes WHERE chat_jid = ?", [jid]);
    return;
  }
  // ts < before, with before rounded up like the list filters (instants compared as integers).
  const params = [jid, Math.ceil(before)];
  for (const table of ["reactions", "receipts"]) {
    s.run(`DELETE FROM ${table} WHERE chat_jid = ?1 AND message_id IN (SELECT ${idText("id")} FROM message_rows WHERE chat = ${KEY_OF("?1")} AND ts < ?2)`, params);
  }
  s.run(`DELETE FROM message_rows WHERE chat = ${KEY_OF("?1")} AND ts < ?2`, params);
}

/** Most changes kept for messages not stored yet; beyond it the oldest arrivals are dropped. */
const MAX_PENDING_CHANGES = 10_000;

/** Keeps an edit or a revoke of a message not stored yet, one row per message and author. */
function hold(s: Statements, chat: string, id: string, c: Change): void {
  s.run(
    `INSERT INTO pending_changes (chat_jid, id, author, edited_text, edited_at, revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
     ON CONFLICT (chat_jid, id, author) DO UPDATE SET
       edited_text = CASE WHEN ?4 IS NOT NULL AND (edited_at IS NULL OR ?5 >= edited_at) THEN ?4 ELSE edited_text END,
       edited_at = CASE WHEN ?4 IS NOT NULL AND (edited_at IS NULL OR ?5 >= edited_at) THEN ?5 ELSE edited_at END,
       revoked = max(revoked, ?6)`,
    [chat, id, c.author, c.kind === "edit" ? c.text : null, c.kind === "edit" ? c.at : null, c.kind === "revoke" ? 1 : 0],
  );
  s.run(`DELETE FROM pending_changes WHERE rowid <= (SELECT max(rowid) FROM pending_changes) - ${MAX_PENDING_CHANGES}`);
}

/** Two rows for one person: the LID row's names fill the phone row's gaps. */
function foldPerson(s: Statements, into: string, from: PersonFacts): void {
  s.run(
    `UPDATE people SET push_name = coalesce(push_name, ?), saved_name = coalesce(saved_name, ?),
       business_name = coalesce(business_name, ?) WHERE id = ?`,
    [from.pushName, from.savedName, from.businessName, into],
  );
}

/** The 1:1 chat of a LID merged into its phone chat: the phone chat's known fields win; the LID chat goes. */
function mergeChat(s: Statements, from: string, to: string, fromChat: ChatFacts): void {
  s.run(
    `UPDATE chats SET name = coalesce(name, ?2), search_key = coalesce(search_key, ?3),
       last_message_at = max(coalesce(last_message_at, ?4), coalesce(?4, last_message_at)),
       archived = coalesce(archived, ?5), pinned = coalesce(pinned, ?6), muted_until = coalesce(muted_until, ?7),
       unread_count = coalesce(unread_count, ?8), description = coalesce(description, ?9),
       read_at = max(coalesce(read_at, ?10), coalesce(?10, read_at)), marked_unread = coalesce(marked_unread, ?11)
     WHERE jid = ?1`,
    [
      to,
      fromChat.name,
      fromChat.search_key,
      fromChat.last_message_at,
      fromChat.archived,
      fromChat.pinned,
      fromChat.muted_until,
      fromChat.unread_count,
      fromChat.description,
      fromChat.read_at,
      fromChat.marked_unread,
    ] as Bind[],
  );
  s.run("DELETE FROM chats WHERE jid = ?", [from]);
}

/** Re-keying of the tables whose rows may collide after the move: drop the LID duplicate, move the rest. */
export const REKEY_SQL: readonly string[] = [
  `DELETE FROM reactions WHERE chat_jid = ?1 AND EXISTS (SELECT 1 FROM reactions r2
     WHERE r2.chat_jid = ?2 AND r2.message_id = reactions.message_id AND r2.reactor_id = reactions.reactor_id)`,
  "UPDATE reactions SET chat_jid = ?2 WHERE chat_jid = ?1",
  `DELETE FROM reactions WHERE reactor_id = ?1 AND EXISTS (SELECT 1 FROM reactions r2
     WHERE r2.reactor_id = ?2 AND r2.chat_jid = reactions.chat_jid AND r2.message_id = reactions.message_id)`,
  "UPDATE reactions SET reactor_id = ?2 WHERE reactor_id = ?1",
  `DELETE FROM receipts WHERE chat_jid = ?1 AND EXISTS (SELECT 1 FROM receipts r2
     WHERE r2.chat_jid = ?2 AND r2.message_id = receipts.message_id AND r2.person_id = receipts.person_id AND r2.type = receipts.type)`,
  "UPDATE receipts SET chat_jid = ?2 WHERE chat_jid = ?1",
  `DELETE FROM receipts WHERE person_id = ?1 AND EXISTS (SELECT 1 FROM receipts r2
     WHERE r2.person_id = ?2 AND r2.chat_jid = receipts.chat_jid AND r2.message_id = receipts.message_id AND r2.type = receipts.type)`,
  "UPDATE receipts SET person_id = ?2 WHERE person_id = ?1",
  `DELETE FROM participants WHERE person_id = ?1 AND EXISTS (SELECT 1 FROM participants p2
     WHERE p2.person_id = ?2 AND p2.group_jid = participants.group_jid)`,
  "UPDATE participants SET person_id = ?2 WHERE person_id = ?1",
  `DELETE FROM refused_changes WHERE chat_jid = ?1 AND EXISTS (SELECT 1 FROM refused_changes r2 WHERE r2.chat_jid = ?2
     AND r2.message_id = refused_changes.message_id AND r2.kind = refused_changes.kind AND r2.author = refused_changes.author)`,
  "UPDATE refused_changes SET chat_jid = ?2 WHERE chat_jid = ?1",
  `DELETE FROM refused_changes WHERE author = ?1 AND EXISTS (SELECT 1 FROM refused_changes r2 WHERE r2.author = ?2
     AND r2.chat_jid = refused_changes.chat_jid AND r2.message_id = refused_changes.message_id AND r2.kind = refused_changes.kind)`,
  "UPDATE refused_changes SET author = ?2 WHERE author = ?1",
];

/** Re-keying of held changes (chat and author), the same way. */
const REKEY_HELD_SQL: readonly string[] = [
  `DELETE FROM pending_changes WHERE chat_jid = ?1 AND EXISTS (SELECT 1 FROM pending_changes p2
     WHERE p2.chat_jid = ?2 AND p2.id = pending_changes.id AND p2.author = pending_changes.author)`,
  "UPDATE pending_changes SET chat_jid = ?2 WHERE chat_jid = ?1",
  `DELETE FROM pending_changes WHERE author = ?1 AND EXISTS (SELECT 1 FROM pending_changes p2
     WHERE p2.author = ?2 AND p2.chat_jid = pending_changes.chat_jid AND p2.id = pending_changes.id)`,
  "UPDATE pending_changes SET author = ?2 WHERE author = ?1",
];

/** The `jids` key of a JID given as parameter `param` (a subquery: one probe of the dictionary's unique index). */
export const KEY_OF = (param: string): string => `(SELECT key FROM jids WHERE jid = ${param})`;

/** The key of `jid` in the `jids` dictionary, added when new (cached for the batch: `BatchContext.keys`). */
function jidKey(ctx: BatchContext, jid: string): number {
  const cached = ctx.keys.get(jid) ?? ctx.known?.keys.get(jid);
  if (cached !== undefined) return cached;
  let key = ctx.s.value("SELECT key FROM jids WHERE jid = ?", [jid]);
  if (typeof key !== "number") {
    ctx.s.run("INSERT INTO jids (jid) VALUES (?)", [jid]);
    key = ctx.s.value("SELECT last_insert_rowid()");
  }
  ctx.keys.set(jid, key as number);
  ctx.known?.pendingKeys.push([jid, key as number]); // `jids` rows never change: true once committed
  return key as number;
}

/**
 * Moves messages from one chat/sender JID to another (a LID merged into its phone number): the
 * same message stored under both chats keeps the phone-keyed copy. Integer keys: only the rows'
 * key changes (the triggers re-index moved messages, whose scope names the new JID).
 */
function rekeyMessages(ctx: BatchContext, from: string, to: string): void {
  const { s } = ctx;
  if (s.value("SELECT key FROM jids WHERE jid = ?", [from]) === undefined) return; // no message ever used it
  const params = [jidKey(ctx, from), jidKey(ctx, to)];
  s.run("DELETE FROM message_rows WHERE chat = ?1 AND id IN (SELECT id FROM message_rows WHERE chat = ?2)", params);
  s.run("UPDATE message_rows SET chat = ?2 WHERE chat = ?1", params);
  s.run("UPDATE message_rows SET sender = ?2 WHERE sender = ?1", params);
}

const MESSAGE_COLUMNS = `chat, id, sender, from_me, ts, type, text, quoted_id, edited_text, edited_at, revoked, view_once,
    status, has_media, media_mimetype, media_file_name, media_file_length, media_duration_sec, media_direct_path, media_url,
    media_key, media_file_sha256, media_file_enc_sha256, media_key_ts, raw`;

/**
 * A new message (?1 = pk base, ?2.. the columns; chat and sender as `jids` keys, the id and quoted
 * id in their stored form: `messageIdKey`); changes nothing if (chat, id) exists. Returns the new
 * row's pk (no row: not inserted).
 */
const INSERT_MESSAGE = `INSERT INTO message_rows (pk, ${MESSAGE_COLUMNS})
  VALUES (${PK_ALLOC}, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
    ${directPathKey("?20", "?21")}, ?21, ?22, ?23, ?24, ?25, ?26)
  ON CONFLICT (id, chat) DO NOTHING`;

/**
 * INSERT_MESSAGE for a message without media (most of them): the same row (the media columns
 * take their defaults: has_media 0, the rest null) from 15 parameters instead of 26 (?1-?14
 * as there, ?15 the raw): sql.js binds each parameter with its own call into WASM, nulls included.
 */
const INSERT_PLAIN_MESSAGE = `INSERT INTO message_rows (pk, chat, id, sender, from_me, ts, type, text, quoted_id, edited_text, edited_at,
    revoked, view_once, status, raw)
  VALUES (${PK_ALLOC}, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
  ON CONFLICT (id, chat) DO NOTHING`;

/** Merges a message into the stored one (same parameters; the triggers re-index changed text). */
const MERGE_MESSAGE = `UPDATE message_rows SET
    sender = coalesce(?4, sender),
    from_me = max(from_me, ?5),
    type = CASE WHEN ?7 = 'other' THEN type ELSE ?7 END,
    text = coalesce(?8, text),
    quoted_id = coalesce(?9, quoted_id),
    edited_text = CASE WHEN ?10 IS NOT NULL AND (edited_at IS NULL OR coalesce(?11, 0) >= edited_at) THEN ?10 ELSE edited_text END,
    edited_at = CASE WHEN ?10 IS NOT NULL AND (edited_at IS NULL OR coalesce(?11, 0) >= edited_at) THEN ?11 ELSE edited_at END,
    revoked = max(revoked, ?12),
    view_once = max(view_once, ?13),
    status = CASE WHEN ?14 IS NULL THEN status WHEN status IS NULL THEN ?14
                  WHEN ?14 = 0 AND status <= 1 THEN 0 ELSE max(status, ?14) END,
    has_media = max(has_media, ?15),
    media_mimetype = coalesce(?16, media_mimetype),
    media_file_name = coalesce(?17, media_file_name),
    media_file_length = coalesce(?18, media_file_length),
    media_duration_sec = coalesce(?19, media_duration_sec),
    media_direct_path = ${directPathKey(`coalesce(?20, ${directPathText("media_direct_path", "media_url")})`, "coalesce(?21, media_url)")},
    media_url = coalesce(?21, media_url),
    media_key = coalesce(?22, media_key),
    media_file_sha256 = coalesce(?23, media_file_sha256),
    media_file_enc_sha256 = coalesce(?24, media_file_enc_sha256),
    media_key_ts = coalesce(?25, media_key_ts),
    raw = coalesce(?26, raw)
  WHERE chat = ?2 AND id = ?3 AND ?1 IS NOT NULL`;

/** Most live events kept; older ones are dropped (a reader that far behind starts again from the oldest kept). */
const MAX_LIVE_EVENTS = 100_000;

/** Records a live event once (a re-delivery adds nothing); `at` null: the message's own instant. */
function recordLive(s: Statements, kind: LiveEventKind, chat: string, id: string, at: number | null): void {
  s.run(
    `INSERT OR IGNORE INTO live_events (kind, chat_jid, message_id, at)
     VALUES (?1, ?2, ?3, coalesce(?4, (SELECT ts FROM message_rows WHERE chat = ${KEY_OF("?2")} AND id = ${idKey("?3")}), 0))`,
    [kind, chat, id, at],
  );
  // The webhook outbox row, in this same batch (see webhook_rows.ts).
  if (s.changes() > 0) enqueueWebhook(s, s.value("SELECT last_insert_rowid()"));
  s.run(`DELETE FROM live_events WHERE seq <= (SELECT max(seq) FROM live_events) - ${MAX_LIVE_EVENTS}`);
}

/**
 * Queues live feed entry `liveSeq` for the webhook endpoints that take it (none configured:
 * nothing). `created_at` is the wall clock, the one non-deterministic value of a batch: a journal
 * replay after a crash stamps the replay's time, which only starts the event's age cap later.
 */
function enqueueWebhook(s: Statements, liveSeq: unknown): void {
  const seq = s.all(enqueueLiveSql("sqlite"), bind({ seq: liveSeq, now: Date.now() }))[0]?.seq;
  if (seq !== undefined) s.run(deliveriesForEventSql("sqlite"), bind({ seq }));
}

/**
 * Positions in `messageParams`' list (0-based: the statements' ?n is a position plus one), for
 * the code that picks some of them (INSERT_PLAIN_MESSAGE's, the replay's rows): a column added to
 * the list moves these with it instead of shifting what those pick.
 */
const P = {
  pk: 0,
  chat: 1,
  id: 2,
  sender: 3,
  fromMe: 4,
  ts: 5,
  type: 6,
  text: 7,
  quotedId: 8,
  editedText: 9,
  editedAt: 10,
  revoked: 11,
  viewOnce: 12,
  status: 13,
  hasMedia: 14,
  mimetype: 15,
  fileName: 16,
  directPath: 19,
  url: 20,
  raw: 25,
  count: 26,
} as const;

/** INSERT_PLAIN_MESSAGE's parameters among messageParams' (its ?1-?15 in order): up to the status, then the raw. */
const PLAIN_PARAMS: readonly number[] = [...Array.from({ length: P.hasMedia }, (_, i) => i), P.raw];
/** A bare plain row's parameters (PLAIN_ROWS[1]: no quote, edit, flag or status), in its order. */
const BARE_PARAMS: readonly number[] = [P.pk, P.chat, P.id, P.sender, P.fromMe, P.ts, P.type, P.text, P.raw];

/** Whether a message's parameters fit a bare plain row: no quote, edit, flag or status (the columns PLAIN_ROWS[1] writes as constants). */
function isBare(params: readonly Bind[]): boolean {
  return params[P.quotedId] === null && params[P.editedText] === null && params[P.editedAt] === null && params[P.revoked] === 0 &&
    params[P.viewOnce] === 0 && params[P.status] === null;
}

/** INSERT_MESSAGE's parameters (MERGE_MESSAGE's too): ?1 the pk base (or, in a replay, the pk itself), then the columns (positions: `P`). */
function messageParams(
  first: number,
  keys: { chat: number; sender: number | null },
  chatJid: string,
  senderJid: string | null,
  m: MessageRow,
  ts: number,
): Bind[] {
  const { chat, sender } = keys;
  const md = m.media;
  return [
    first,
    chat,
    messageIdKey(m.id),
    sender,
    m.fromMe ? 1 : 0,
    ts,
    m.type,
    n(m.text),
    m.quotedId == null ? null : messageIdKey(m.quotedId),
    n(m.editedText),
    n(m.editedAt),
    m.revoked ? 1 : 0,
    m.viewOnce ? 1 : 0,
    n(m.status),
    md ? 1 : 0,
    n(md?.mimetype),
    n(md?.fileName),
    n(md?.fileLength),
    n(md?.durationSec),
    n(md?.directPath),
    n(md?.url),
    n(md?.mediaKey),
    n(md?.fileSha256),
    n(md?.fileEncSha256),
    n(md?.mediaKeyTimestamp),
    m.raw ? residualRaw(m.raw, rawColumnsOf(chatJid, senderJid, m, ts)) : null,
  ];
}

/**
 * Inserts a message, or merges it into the stored one; true when inserted. `keys` are the chat's
 * and sender's `jids` keys (the row), `chatJid`/`senderJid` their JIDs (what the raw is cut against).
 */
function writeMessage(
  ctx: BatchContext,
  keys: { chat: number; sender: number | null },
  chatJid: string,
  senderJid: string | null,
  m: MessageRow,
  ts: number,
): boolean {
  const { s } = ctx;
  const { chat } = keys;
  const md = m.media;

  const params = messageParams(compactPkBase(ts), keys, chatJid, senderJid, m, ts);
  // New: inserted, and queued for the index when it may have words (the condition the trigger
  // of 0002-0014 had). Stored already: merged, leaving a full raw (see raw_residual.ts): the
  // incoming one, or the stored one rebuilt before the merge may change the columns it was cut against.
  if (md) s.run(INSERT_MESSAGE, params);
  else s.run(INSERT_PLAIN_MESSAGE, PLAIN_PARAMS.map((i) => params[i]!));
  if (s.changes() > 0) {
    if (!m.revoked && (m.text != null || m.editedText != null || md?.fileName != null)) ctx.queued.push(s.value("SELECT last_insert_rowid()") as number, rowWords(ctx, params));
    return true;
  }
  queueForIndex(ctx); // the merge's index triggers read the queue
  params[P.raw] = m.raw ?? storedFullRaw(s, chat, m.id);
  s.run(MERGE_MESSAGE, params);
  return false;
}

/** A stored residual raw rebuilt from its row; null when the stored raw is full or absent (the merge keeps it). */
function storedFullRaw(s: Statements, chat: number, id: string): Uint8Array | null {
  const row = s.all(`SELECT ${RAW_SELECT} FROM messages WHERE chat_key = ?1 AND id_key = ${idKey("?2")}`, [chat, id])[0];
  const raw = row?.raw;
  return raw instanceof Uint8Array && isResidual(raw) ? fullRaw(raw, rawColumnsFromRow(row!)) : null;
}

// ---- Journal replay (durable_recover.ts through the store's replay hooks) ----

/**
 * Applies a run of replayed journal records (`ops`: whole records, in order) to the same rows as
 * `applySqlite(db, ops)`, faster: new messages are inserted many rows per statement
 * (`flushRows`) with their pks computed here instead of by `PK_ALLOC` (`replayPk`). Each new
 * message is assumed new (its batch is written as if so) until its rows are written, which checks
 * it; anything unexpected there (a message already stored, a pk taken) rolls the run back and it
 * is applied again by `applySqlite`, so the rows are always what that gives.
 */
export function applyReplaySqlite(db: Database, ops: readonly WriteOp[]): void {
  withBackOff(backOffs, db, () => applySqlite(db, ops, true), () => applySqlite(db, ops), () => replayCounts.fallbacks++);
}

/** Per connection: the replay's back-off (`back_off.ts`). */
const backOffs: BackOffs = new WeakMap();

/** Since the process started: runs `applyReplaySqlite` gave back to `applySqlite`, rows its multi-row INSERTs wrote (tests). */
export const replayCounts = { fallbacks: 0, rows: 0 };

/** The new messages of a replayed run waiting for their multi-row INSERTs, and what their pks are computed from. */
interface ReplayRows {
  /** The waiting messages by the shape of their row (each a multi-row INSERT of its own; their pks are given, so the order of the INSERTs does not matter). */
  buckets: [RowBucket, RowBucket, RowBucket];
  /**
   * The ids of the messages this run wrote or keeps waiting, by chat key: another one for one of
   * them (a re-delivery) takes the per-row path, which merges it as applySqlite would.
   */
  keys: Map<number, Set<string>>;
  /** max(pk) of message_rows when last read (null: to read again); only pks above it are computed here. */
  max: number | null;
  /** Pks given since `max` was read, ascending. */
  given: number[];
}

/** Waiting rows of one shape: their parameters (`picks` of messageParams' each, in order), and how many. */
interface RowBucket {
  params: Bind[];
  count: number;
  /** The positions in messageParams' list a row binds; null: all of them (a row with media). */
  picks: readonly number[] | null;
  /** The multi-row INSERT of `count` such rows. */
  sql: (count: number) => string;
}

/** The buckets' order in ReplayRows: a message with media, a plain one that is bare, any other plain one. */
const MEDIA = 0, BARE = 1, PLAIN = 2;

function replayRows(): ReplayRows {
  return {
    buckets: [
      { params: [], count: 0, picks: null, sql: mediaInsertSql },
      { params: [], count: 0, picks: BARE_PARAMS, sql: (count) => plainInsertSql(count, true) },
      { params: [], count: 0, picks: PLAIN_PARAMS, sql: (count) => plainInsertSql(count, false) },
    ],
    keys: new Map(),
    max: null,
    given: [],
  };
}

/**
 * Steps that neither read nor write message rows: waiting rows stay waiting past them, and the
 * pks computed stay right. Any other step writes them first and reads max(pk) again after.
 */
const KEEPS_ROWS: ReadonlySet<Step["t"]> = new Set<Step["t"]>(["lidOwner", "ensurePerson", "mayHold", "takeHeld"]);

/** Rows per multi-row INSERT (sql.js: ~3 µs a row instead of ~5 one row per statement). */
const ROWS_PER_INSERT = 64;

/** `execute`, with new messages kept for a multi-row INSERT. */
function replayExecute(ctx: BatchContext, step: Step): unknown {
  const rows = ctx.rows!;
  if (step.t === "message") {
    // The keys in the order of the per-row step (the sender's first): a new JID's key is the next free one.
    const sender = step.sender === null ? null : jidKey(ctx, step.sender);
    const chat = jidKey(ctx, step.chat);
    const m = step.message;
    let ids = rows.keys.get(chat);
    if (ids === undefined) rows.keys.set(chat, (ids = new Set()));
    const pk = ids.has(m.id) ? null : replayPk(ctx, compactPkBase(step.ts));
    ids.add(m.id);
    if (pk !== null) {
      if (step.chatIsPerson) ensurePerson(ctx, step.chat);
      if (step.senderIsPerson) ensurePerson(ctx, step.sender!);
      const params = messageParams(pk, { chat, sender }, step.chat, step.sender, m, step.ts);
      const bucket = rows.buckets[m.media != null ? MEDIA : isBare(params) ? BARE : PLAIN];
      const { picks } = bucket;
      if (picks === null) for (let i = 0; i < params.length; i++) bucket.params.push(AS_BYTES[i] ? bytesParam(i, params[i]!) : params[i]!);
      else for (const i of picks) bucket.params.push(AS_BYTES[i] ? bytesParam(i, params[i]!) : params[i]!);
      bucket.count++;
      if (!m.revoked && (m.text != null || m.editedText != null || m.media?.fileName != null)) ctx.queued.push(pk, rowWords(ctx, params));
      touchChat(ctx, step.chat, step.ts);
      // Written young (less for the GC); the order of rows written does not matter, their pks are given.
      if (bucket.count === ROWS_PER_INSERT) flushRows(ctx);
      return true; // checked when written (flushRows)
    }
  }
  if (!KEEPS_ROWS.has(step.t)) {
    flushRows(ctx);
    rows.max = null;
    rows.given.length = 0;
  }
  return execute(ctx, step);
}

/**
 * PK_ALLOC's answer for base `base` over the stored rows and the waiting ones: from the pks given
 * in this run alone when the base is above the max(pk) read (a replay in time order: no query),
 * else with the stored rows' highest pks in the base's range and second. Null when the second
 * is full (the per-row INSERT decides).
 */
function replayPk(ctx: BatchContext, base: number): number | null {
  const rows = ctx.rows!;
  if (rows.max === null) {
    const max = ctx.s.value("SELECT max(pk) FROM message_rows");
    rows.max = typeof max === "number" ? max : Number.NEGATIVE_INFINITY;
  }
  const slot = ((base % SECOND_SLOTS) + SECOND_SLOTS) % SECOND_SLOTS;
  const second = base - slot;
  const rangeEnd = slot === 0 ? base + WHOLE_SECOND_SLOTS : base + 1;
  const secondEnd = second + SECOND_SLOTS;
  let inRange = Number.NEGATIVE_INFINITY;
  let inSecond = Number.NEGATIVE_INFINITY;
  if (base <= rows.max) {
    ctx.s.each(STORED_MAX_PKS, [base, rangeEnd, secondEnd], (r) => {
      if (typeof r[0] === "number") inRange = r[0];
      if (typeof r[1] === "number") inSecond = r[1];
    });
  }
  // The highest pks given below rangeEnd and below secondEnd, when at or above the base.
  const { given } = rows;
  const last = given.length === 0 ? Number.NEGATIVE_INFINITY : given[given.length - 1]!;
  if (last >= base) {
    const belowRange = given[firstAtLeast(given, rangeEnd) - 1];
    if (belowRange !== undefined && belowRange >= base && belowRange > inRange) inRange = belowRange;
    const belowSecond = given[firstAtLeast(given, secondEnd) - 1];
    if (belowSecond !== undefined && belowSecond >= base && belowSecond > inSecond) inSecond = belowSecond;
  }
  let pk: number;
  if (inRange === Number.NEGATIVE_INFINITY) pk = base;
  else if (inRange + 1 < rangeEnd) pk = inRange + 1;
  else if (inSecond + 1 < secondEnd) pk = inSecond + 1;
  else return null;
  if (pk > last) given.push(pk);
  else given.splice(firstAtLeast(given, pk), 0, pk);
  return pk;
}

/** The index of the first of ascending `sorted` that is >= `v` (its length: none). */
function firstAtLeast(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The highest stored pks in [?1, ?2) (the base's own range) and in [?1, ?3) (the rest of its second). */
const STORED_MAX_PKS = `SELECT (SELECT max(pk) FROM message_rows WHERE pk >= ?1 AND pk < ?2),
  (SELECT max(pk) FROM message_rows WHERE pk >= ?1 AND pk < ?3)`;

/**
 * The positions in messageParams' list (`P`) of the text columns the multi-row INSERTs bind as
 * UTF-8 bytes (`textParam`) and cast back: every text column but the ids, whose stored form may
 * be a BLOB (message_keys.ts).
 */
const AS_BYTES: readonly boolean[] = Array.from({ length: P.count }, (_, i) =>
  i === P.type || i === P.text || i === P.editedText || i === P.mimetype || i === P.fileName || i === P.directPath || i === P.url);

/** The type column's UTF-8 bytes by type (a few names, met again in every row: encoded once each). */
const typeBytes = new Map<string, Uint8Array>();
const TYPE_BYTES_MAX = 64;

/** Parameter `i` of messageParams' list as the multi-row INSERTs bind it (AS_BYTES: `textParam`'s bytes, in a slab). */
function bytesParam(i: number, v: Bind): Bind {
  if (i !== P.type || typeof v !== "string") return textParamInSlab(v);
  let bytes = typeBytes.get(v);
  if (bytes === undefined) {
    bytes = textParamInSlab(v) as Uint8Array;
    if (typeBytes.size < TYPE_BYTES_MAX && bytes instanceof Uint8Array) typeBytes.set(v, bytes);
  }
  return bytes;
}

/**
 * A row of the multi-row INSERT: every parameter, or (bare) those of a message with no quote,
 * edit, flag or status, the rest as constants (sql.js binds each parameter with its own calls).
 */
const PLAIN_ROWS = [
  `(${PLAIN_PARAMS.map((i) => (AS_BYTES[i] ? "CAST(? AS TEXT)" : "?")).join(", ")})`,
  "(?, ?, ?, ?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT), NULL, NULL, NULL, 0, 0, NULL, ?)",
] as const;

/** The multi-row INSERT of `count` new messages without media (INSERT_PLAIN_MESSAGE's columns, the pk given). */
function plainInsertSql(count: number, bare: boolean): string {
  return `INSERT INTO message_rows (pk, chat, id, sender, from_me, ts, type, text, quoted_id, edited_text, edited_at,
    revoked, view_once, status, raw) VALUES ${Array.from({ length: count }, () => PLAIN_ROWS[bare ? 1 : 0]).join(", ")}
  ON CONFLICT (id, chat) DO NOTHING`;
}

/** The multi-row INSERT of `count` new messages with media (INSERT_MESSAGE's row, the pk given: ?1 of each row's). */
function mediaInsertSql(count: number): string {
  const row = (at: number) => {
    const p = (i: number) => (AS_BYTES[i] ? `CAST(?${at + i + 1} AS TEXT)` : `?${at + i + 1}`);
    const cols = Array.from({ length: P.count }, (_, i) => (i === P.directPath ? directPathKey(p(P.directPath), p(P.url)) : p(i)));
    return `(${cols.join(", ")})`;
  };
  return `INSERT INTO message_rows (pk, ${MESSAGE_COLUMNS})
  VALUES ${Array.from({ length: count }, (_, r) => row(r * P.count)).join(", ")}
  ON CONFLICT (id, chat) DO NOTHING`;
}

/** The statements of the buckets' INSERTs, by bucket and count. */
const rowInserts: Array<Map<number, string>> = [new Map(), new Map(), new Map()];

/** Writes the waiting rows (at most ROWS_PER_INSERT of each shape) in one statement a shape; throws when one of them was not inserted (stored already: applySqlite must decide). */
function flushRows(ctx: BatchContext): void {
  const { buckets } = ctx.rows!;
  for (let b = 0; b < buckets.length; b++) {
    const bucket = buckets[b]!;
    const { count } = bucket;
    if (count === 0) continue;
    const inserts = rowInserts[b]!;
    let sql = inserts.get(count);
    if (sql === undefined) inserts.set(count, (sql = bucket.sql(count)));
    ctx.s.run(sql, bucket.params);
    if (ctx.s.changes() !== count) throw new Error("a replayed message was stored already");
    replayCounts.rows += count;
    bucket.params.length = 0;
    bucket.count = 0;
  }
}

/**
 * The bulk writer: a run of history-sync ops (message, reaction and receipt upserts, chat and
 * person upserts, LID links already known) written with a handful of set-based statements
 * instead of several round trips per op; new messages go in as one array per column (`unnest`). It leaves exactly the
 * rows `apply.ts` leaves applying the same ops one by one (test/store/postgres_bulk.test.ts
 * compares them on generated data).
 *
 * Why reordering inside a run is safe: no op of a run changes who a LID belongs to (a first
 * link ends the run and goes one by one), messages are read by none of them, each table's ops
 * keep their order per row, and repeated upserts of one chat or person are folded in order
 * (`coalesce(new, old)` per column). Person stubs and chat activity are order-free (insert if
 * missing; the newest timestamp wins).
 *
 * Held changes: an edit or revoke that arrived before its message is judged by the author rule
 * once the message is stored. The run writes its messages, then judges the changes held for
 * them, one message at a time as the one-by-one writer would right after that message (nothing
 * else in the run reads or changes what the judgement reads). A message upserted twice in the
 * run with changes waiting ends the run before its second upsert.
 *
 * Order of work: every read first (LID owners; then, pipelined, stored keys, held changes, pk
 * slots), then the writes, pipelined. What the run leaves to the one-by-one writer: a first LID
 * link, a chat upsert creating a chat of another kind than its JID says, a message beyond 1024
 * in one millisecond, the second upsert of a message with held changes (all rare), and the ops
 * that never join a run (live deliveries, edits, revokes, deletes, participants, auth, meta).
 *
 * During an import of new messages the stored keys are not looked up (`FreshRuns`): the run is
 * written in a savepoint, where a stored message fails the COPY's (or insert's) primary key; the
 * run is then rolled back to the savepoint, with the people it marked as ensured, and written
 * again with the look-up. Either way it leaves the same rows.
 *
 * Decisions shared with the write plan (`../write_plan/`): the canonical form of a JID (the
 * plan's rule, with the LID owners read up front), whether a link is already
 * known (`isLinked`), which ids get a people row (person JIDs; not the reactor of a removal),
 * the instant of a message, and the judgement of held changes (the plan itself, run here). Set-
 * based here, the same outcome as the plan's one-op steps: repeated upserts of a chat or person
 * folded in order (`foldInto`, the `coalesce(new, old)` of each statement), a chat's last
 * activity as the newest of the run, the pks of new messages from each millisecond's highest
 * taken slot (`PK_ALLOC`'s rule). test/store/postgres_bulk.test.ts compares every table.
 */
import { chatKindOf, isLidJid, isPersonJid, normalizeJid } from "../../ids/jid.ts";
import { personNameKey, personSearchKey, PK_SLOTS, pkBase } from "../keys.ts";
import type { MessageRow, ReactionRow, ReceiptRow, WriteOp } from "../types.ts";
import {
  type BatchContext,
  type FreshOdds,
  CHAT_TOUCH_MERGE,
  CHAT_UPSERT_MERGE,
  fullRawOfRow,
  isEnsured,
  MERGED_TEXT_COLUMNS,
  MESSAGE_MERGE,
  PERSON_NAMES_SET,
  personStub,
  REACTION_MERGE,
  RECEIPT_MERGE,
  type Row,
  searchOfRow,
} from "./apply_shared.ts";
import {
  bulkRunEnd,
  chatFitsRun,
  chatRecord,
  COPY_MESSAGES,
  foldInto,
  jidsOf,
  type LidOwner,
  MESSAGE_COLUMNS,
  messageCopyParts,
  messageParams,
  MESSAGE_UNNEST,
  type MessageWrite,
  type PersonUpsert,
  personOpPlan,
  slotTops,
  statements,
  waves,
} from "./bulk_rows.ts";
import { copyIn, query } from "./client.ts";
import { takeHeld } from "../write_plan/changes.ts";
import { isReactionRemoval, messageInstant } from "../write_plan/messages.ts";
import type { Plan } from "../write_plan/steps.ts";
import { canonicalFrom } from "../write_plan/canonical.ts";
import { jsonRows } from "./json_rows.ts";
import { RESIDUAL_MARK, residualRaw } from "../raw_residual.ts";
import { RAW_SELECT, rawColumnsOf } from "../rows.ts";

/** Inserts messages known not to be stored. */
const INSERT_MESSAGES = `INSERT INTO messages (${MESSAGE_COLUMNS.map(([n]) => n).join(", ")}) SELECT * FROM ${MESSAGE_UNNEST}`;

/** Upserts a set of messages (each key at most once); returns the merged (not inserted) rows' text columns. */
const UPSERT_MESSAGES = `WITH ins AS (
  ${INSERT_MESSAGES}
  ON CONFLICT (chat_jid, id) DO UPDATE SET
    ${MESSAGE_MERGE}
  RETURNING ${MERGED_TEXT_COLUMNS}, (xmax = 0) AS inserted)
SELECT ${MERGED_TEXT_COLUMNS} FROM ins WHERE NOT inserted`;

const REFRESH_SEARCH = `UPDATE messages SET search = x.search
FROM json_to_recordset(:rows::text::json) AS x(chat_jid text, id text, search tsvector)
WHERE messages.chat_jid = x.chat_jid AND messages.id = x.id`;

const LID_OWNERS = "SELECT lid, id, pn_jid FROM people WHERE lid = ANY(:lids::text[])";

const STORED_KEYS = `SELECT m.chat_jid, m.id FROM unnest(:chats::text[], :ids::text[]) AS k(c, i)
  JOIN messages m ON m.chat_jid = k.c AND m.id = k.i`;

// The pks taken between the run's lowest and highest slot range, up to :cap of them: one range scan
// instead of a probe per millisecond (a run's milliseconds are mostly new ones).
const SLOT_SPAN = `SELECT pk FROM messages WHERE pk >= :lo::bigint AND pk < :hi::bigint ORDER BY pk LIMIT :cap::int`;

// The highest pk taken in each millisecond's slot range (the same rule as apply.ts's PK_ALLOC).
const SLOT_TOPS = `SELECT b AS base, (SELECT max(pk) FROM messages WHERE pk >= b AND pk < b + ${PK_SLOTS}) AS top
  FROM unnest(:bases::bigint[]) AS b`;

// Stored rows with a residual raw among the keys some upsert of the run gives no raw: rebuilt
// before that upsert merges into them (see raw_residual.ts).
const RESIDUAL_ROWS = `SELECT ${RAW_SELECT} FROM unnest(:chats::text[], :ids::text[]) AS k(c, i)
  JOIN messages m ON m.chat_jid = k.c AND m.id = k.i
  WHERE substring(m.raw from 1 for 1) = '\\x${RESIDUAL_MARK.toString(16).padStart(2, "0")}'::bytea`;

const HELD_KEYS = `SELECT DISTINCT p.chat_jid, p.id FROM pending_changes p JOIN unnest(:chats::text[], :ids::text[]) AS k(c, i)
  ON p.chat_jid = k.c AND p.id = k.i`;

const ENSURE_PEOPLE = `INSERT INTO people (id, pn_jid, lid, search_key)
SELECT id, pn_jid, lid, search_key FROM json_to_recordset(:rows::text::json) AS x(id text, pn_jid text, lid text, search_key text)
ON CONFLICT DO NOTHING`;

const UPDATE_PEOPLE = `UPDATE people SET ${PERSON_NAMES_SET}
FROM json_to_recordset(:rows::text::json) AS x(id text, push_name text, saved_name text, business_name text)
WHERE people.id = x.id
RETURNING people.id, people.pn_jid, people.push_name, people.saved_name, people.business_name`;

const PEOPLE_KEYS = `UPDATE people SET search_key = x.search_key, name_key = x.name_key
FROM json_to_recordset(:rows::text::json) AS x(id text, search_key text, name_key text)
WHERE people.id = x.id`;

const UPSERT_CHATS = `INSERT INTO chats (jid, kind, name, search_key, last_message_at, archived, pinned, muted_until, unread_count, description)
SELECT jid, kind, name, search_key, last_message_at, archived, pinned, muted_until, unread_count, description
FROM json_to_recordset(:rows::text::json) AS x(jid text, kind text, name text, search_key text, last_message_at bigint,
  archived boolean, pinned boolean, muted_until bigint, unread_count int, description text)
${CHAT_UPSERT_MERGE}`;

const TOUCH_CHATS = `INSERT INTO chats (jid, kind, last_message_at)
SELECT jid, kind, last_message_at FROM json_to_recordset(:rows::text::json) AS x(jid text, kind text, last_message_at bigint)
${CHAT_TOUCH_MERGE}`;

const REACTION_RECORD = "AS x(chat_jid text, message_id text, reactor_id text, emoji text, ts bigint)";
const UPSERT_REACTIONS = `INSERT INTO reactions (chat_jid, message_id, reactor_id, emoji, ts)
SELECT chat_jid, message_id, reactor_id, emoji, ts FROM json_to_recordset(:rows::text::json) ${REACTION_RECORD}
${REACTION_MERGE}`;
const DELETE_REACTIONS = `DELETE FROM reactions r USING json_to_recordset(:rows::text::json) ${REACTION_RECORD}
WHERE r.chat_jid = x.chat_jid AND r.message_id = x.message_id AND r.reactor_id = x.reactor_id AND r.ts <= x.ts`;

const UPSERT_RECEIPTS = `INSERT INTO receipts (chat_jid, message_id, person_id, type, ts)
SELECT chat_jid, message_id, person_id, type, ts
FROM json_to_recordset(:rows::text::json) AS x(chat_jid text, message_id text, person_id text, type text, ts bigint)
${RECEIPT_MERGE}`;

const SEP = "\u0000"; // never inside a JID or a message id

/**
 * Fewest new messages sent by binary COPY rather than one `unnest` insert: below it the extra
 * round trip costs more than the server saves parsing text (about 10 µs per row).
 */
export const COPY_MIN_ROWS = 32;

/** Stored pks per new millisecond the span scan reads before it gives way to one probe per millisecond. */
export const SLOT_SPAN_ROWS_PER_BASE = 4;

/** Runs in a row with no stored message among their keys before runs stop looking them up. */
export const FRESH_RUNS_BEFORE_GUESS = 3;

/**
 * Whether the bulk writer's runs have been new messages lately, kept by the repository across
 * commits. Looking up every key of a run costs the server as much as the primary key's own
 * check on insert (an index descent per key, about a tenth of its work per new message); after
 * FRESH_RUNS_BEFORE_GUESS runs in a row that found none stored, runs skip it and let the primary
 * key find a stored one (see the file comment). A miss starts the count again.
 */
export class FreshRuns implements FreshOdds {
  private fresh = 0;
  guess(): boolean {
    return this.fresh >= FRESH_RUNS_BEFORE_GUESS;
  }
  looked(anyStored: boolean): void {
    this.fresh = anyStored ? 0 : this.fresh + 1;
  }
  missed(): void {
    this.fresh = 0;
  }
}

/**
 * The failures of a guessing run that send it again, looking its keys up: unique_violation, and
 * in_failed_sql_transaction, which is all postgres.js leaves of a COPY that failed after its data
 * (it reports the error to the next statement only, here copyIn's last one). Anything else the
 * run would meet again fails it the second time.
 */
const RETRIED = new Set(["23505", "25P02"]);

interface MessageItem {
  at: number;
  key: string;
  chat: string;
  sender: string | null;
  m: MessageRow;
}

/**
 * Writes the run of bulk-writable ops starting at `start` (see the file comment), or the part of
 * it before the first op that needs the one-by-one writer. Returns the index after what it
 * wrote: `start` when it wrote nothing (the op at `start` goes one by one).
 */
export async function applyBulk(
  ctx: BatchContext,
  ops: readonly WriteOp[],
  start: number,
  run: (plan: Plan) => Promise<void>,
  mayGuess = true,
): Promise<number> {
  const { tx } = ctx;
  let end = bulkRunEnd(ops, start);
  if (end - start < 2) return start;

  // --- reads: who owns the LIDs the run names ---
  const lids = new Set<string>();
  for (let i = start; i < end; i++) {
    for (const jid of jidsOf(ops[i]!)) {
      const j = normalizeJid(jid);
      if (isLidJid(j)) lids.add(j);
    }
  }
  const owners = new Map<string, LidOwner>();
  if (lids.size > 0) {
    for (const r of await query(tx, LID_OWNERS, { lids: [...lids] })) {
      owners.set(String(r.lid), { id: String(r.id), pn: r.pn_jid === null ? null : String(r.pn_jid) });
    }
  }
  // The plan's canonical form, the LID owners read above.
  const ownerOf = (lid: string) => owners.get(lid)?.id;
  const canon = (jid: string) => canonicalFrom(jid, ownerOf);

  // --- the run's items, up to the first op that needs the one-by-one writer ---
  const messages: MessageItem[] = [];
  const reactions: Array<Item<ReactionRow>> = [];
  const receipts: Array<Item<ReceiptRow>> = [];
  const chatRows: Array<{ at: number; row: Row }> = [];
  const personRows: Array<{ at: number; upsert: PersonUpsert }> = [];
  for (let i = start; i < end; i++) {
    const op = ops[i]!;
    if (op.op === "upsertMessage") {
      const chat = canon(op.message.chatJid);
      const sender = op.message.senderId ? canon(op.message.senderId) : null;
      messages.push({ at: i, key: chat + SEP + op.message.id, chat, sender, m: op.message });
    } else if (op.op === "upsertReaction") {
      const chat = canon(op.reaction.chatJid);
      const who = canon(op.reaction.reactorId);
      reactions.push({ at: i, key: [chat, op.reaction.messageId, who].join(SEP), r: op.reaction, chat, who });
    } else if (op.op === "upsertReceipt") {
      const chat = canon(op.receipt.chatJid);
      const who = canon(op.receipt.personId);
      receipts.push({ at: i, key: [chat, op.receipt.messageId, who, op.receipt.type].join(SEP), r: op.receipt, chat, who });
    } else if (op.op === "upsertChat") {
      const jid = canon(op.chat.jid);
      if (!chatFitsRun(op.chat, jid)) {
        end = i;
        break;
      }
      chatRows.push({ at: i, row: chatRecord(jid, op.chat) });
    } else if (op.op === "upsertPerson" || op.op === "linkLid") {
      const plan = personOpPlan(op, canon, owners);
      if (plan.kind === "link") {
        end = i;
        break;
      }
      if (plan.kind === "person") personRows.push({ at: i, upsert: plan.upsert });
    }
  }
  if (end - start < 2) return start;

  // --- reads, pipelined: keys stored, changes held, the slot ranges' tops ---
  const firstAt = new Map<string, MessageItem>();
  for (const x of messages) if (!firstAt.has(x.key)) firstAt.set(x.key, x);
  const firsts = [...firstAt.values()];
  const chats = firsts.map((x) => x.chat);
  const ids = firsts.map((x) => x.m.id);
  const bases = [...new Set(firsts.map((x) => pkBase(messageInstant(x.m))))];
  const cap = SLOT_SPAN_ROWS_PER_BASE * bases.length;
  const span = { lo: Math.min(...bases), hi: Math.max(...bases) + PK_SLOTS, cap };
  // Keys some upsert of the run gives no raw: such a key's new row is inserted with its full raw,
  // and a stored residual is rebuilt for the first upsert (each merge leaves a full raw).
  const rawless = new Set(messages.filter((x) => !x.m.raw).map((x) => x.key));
  const rawlessFirsts = firsts.filter((x) => rawless.has(x.key));
  // Guessed only for runs COPY writes: a savepoint each, and a miss costs a whole run.
  const guess = mayGuess && firsts.length >= COPY_MIN_ROWS && tx.savepoint !== undefined && ctx.odds?.guess() === true;
  const [storedRows, heldRows, spanRows, residualRows] = firsts.length === 0 ? [[], [], [], []] : await Promise.all([
    guess ? Promise.resolve([]) : query(tx, STORED_KEYS, { chats, ids }),
    query(tx, HELD_KEYS, { chats, ids }),
    query(tx, SLOT_SPAN, span),
    rawlessFirsts.length === 0
      ? Promise.resolve([])
      : query(tx, RESIDUAL_ROWS, { chats: rawlessFirsts.map((x) => x.chat), ids: rawlessFirsts.map((x) => x.m.id) }),
  ]);
  const stored = new Set(storedRows.map((r) => String(r.chat_jid) + SEP + String(r.id)));
  if (!guess && firsts.length > 0) ctx.odds?.looked(stored.size > 0);
  const rebuilt = new Map(residualRows.map((r) => [String(r.chat_jid) + SEP + String(r.id), fullRawOfRow(r)]));
  const held = new Set(heldRows.map((r) => String(r.chat_jid) + SEP + String(r.id)));
  // Too many stored in the span (an import into a period already stored): a probe per millisecond.
  const top = spanRows.length < cap
    ? slotTops(bases, spanRows.map((r) => Number(r.pk)), PK_SLOTS)
    : new Map((await query(tx, SLOT_TOPS, { bases })).map((r) => [Number(r.base), r.top === null ? null : Number(r.top)]));

  // pks for the keys not stored yet, in arrival order (as one-by-one inserts would take them);
  // the run ends before a message a full millisecond has no slot for, and before the second
  // upsert of a message with held changes.
  const pkOf = new Map<string, number>();
  for (const x of messages) {
    if (x.at >= end) break;
    if (firstAt.get(x.key) !== x) {
      if (held.has(x.key)) end = x.at;
      continue;
    }
    if (stored.has(x.key)) continue;
    const base = pkBase(messageInstant(x.m));
    const t = top.get(base) ?? null;
    const pk = t === null ? base : t + 1;
    if (pk >= base + PK_SLOTS) {
      end = x.at;
      break;
    }
    top.set(base, pk);
    pkOf.set(x.key, pk);
  }
  if (end - start < 2) return start;

  // Repeated upserts of one chat or person, folded in order.
  const chatUpserts = new Map<string, Row>();
  for (const { at, row } of chatRows) {
    if (at >= end) break;
    const cur = chatUpserts.get(row.jid as string);
    if (cur) foldInto(cur, row, ["last_message_at"]);
    else chatUpserts.set(row.jid as string, row);
  }
  const personUpserts = new Map<string, Row>();
  for (const { at, upsert } of personRows) {
    if (at >= end) break;
    const cur = personUpserts.get(upsert.id);
    if (cur) foldInto(cur, { ...upsert });
    else personUpserts.set(upsert.id, { ...upsert });
  }
  const inRun = <T extends { at: number }>(xs: T[]) => xs.filter((x) => x.at < end);
  const rows: RunRows = {
    messages: inRun(messages),
    reactions: inRun(reactions),
    receipts: inRun(receipts),
    chatUpserts,
    personUpserts,
    stored,
    pkOf,
    rawless,
    rebuilt,
  };
  if (!guess) await writeRun(ctx, rows);
  else {
    const ensuredBefore = ctx.ensured.size;
    try {
      await tx.savepoint!((sp) => writeRun({ ...ctx, tx: sp }, rows));
    } catch (err) {
      if (!RETRIED.has((err as { code?: unknown }).code as string)) throw err;
      // A stored message: the run's writes are undone; again, looking its keys up.
      for (const id of [...ctx.ensured].slice(ensuredBefore)) ctx.ensured.delete(id);
      ctx.odds!.missed();
      return await applyBulk(ctx, ops, start, run, false);
    }
  }
  // Changes held for the run's messages: judged now, as right after each message (see above).
  for (const x of messages) {
    if (x.at < end && held.has(x.key) && firstAt.get(x.key) === x) await run(takeHeld(ctx, x.chat, x.m.id));
  }
  return end;
}

/** A reaction or receipt of the run, with its op's index and its row key. */
interface Item<T> {
  at: number;
  key: string;
  r: T;
  chat: string;
  who: string;
}

interface RunRows {
  messages: MessageItem[];
  reactions: Array<Item<ReactionRow>>;
  receipts: Array<Item<ReceiptRow>>;
  chatUpserts: Map<string, Row>;
  personUpserts: Map<string, Row>;
  stored: Set<string>;
  pkOf: Map<string, number>;
  /** Keys some upsert of the run gives no raw. */
  rawless: Set<string>;
  /** Full raws rebuilt from stored residuals, by key (rawless keys only). */
  rebuilt: Map<string, Uint8Array | null>;
}

async function writeRun(ctx: BatchContext, run: RunRows): Promise<void> {
  const { tx } = ctx;
  const { messages, stored, pkOf } = run;
  const people: Row[] = [];
  const ensure = (id: string | null) => {
    if (!id || isEnsured(ctx, id) || !isPersonJid(id)) return;
    ctx.ensured.add(id);
    people.push(personStub(id));
  };
  for (const jid of run.chatUpserts.keys()) ensure(jid);
  for (const id of run.personUpserts.keys()) ensure(id);
  for (const x of messages) {
    ensure(x.chat);
    ensure(x.sender);
  }
  for (const x of run.reactions) if (!isReactionRemoval(x.r)) ensure(x.who);
  for (const x of run.receipts) ensure(x.who);

  // Every write below is sent at once (pipelined) and runs in this order; only re-indexing
  // merged rows and the keys of renamed people need an answer first. Many new messages go by
  // binary COPY, which waits for its turn (one round trip more) and holds the connection.
  const writes: Array<Promise<Row[]>> = [];
  if (people.length > 0) writes.push(query(tx, ENSURE_PEOPLE, { rows: jsonRows(people) }));
  const renamed = run.personUpserts.size > 0 ? query(tx, UPDATE_PEOPLE, { rows: jsonRows([...run.personUpserts.values()]) }) : Promise.resolve([]);
  if (run.chatUpserts.size > 0) writes.push(query(tx, UPSERT_CHATS, { rows: jsonRows([...run.chatUpserts.values()]) }));
  // The n-th upsert of each key goes in statement n (one statement cannot touch a row twice);
  // new rows of the first go in a plain insert.
  const byWave = waves(messages);
  const fresh = (byWave[0] ?? []).filter((x) => !stored.has(x.key));
  const firstOf = new Set(byWave[0] ?? []);
  const write = (x: MessageItem): MessageWrite => ({ chat: x.chat, sender: x.sender, pk: pkOf.get(x.key) ?? 0, m: x.m, raw: rawOf(x) });
  // What each upsert binds as raw (see raw_residual.ts): a new row's residual, unless a later upsert
  // of the run gives no raw; a merge's full raw, for the first upsert of a stored key without one,
  // its stored residual rebuilt.
  const rawOf = (x: MessageItem): Uint8Array | null => {
    const raw = x.m.raw ?? null;
    if (!firstOf.has(x)) return raw; // a later upsert merges into a row whose raw is full by then
    if (stored.has(x.key)) return raw ?? run.rebuilt.get(x.key) ?? null;
    if (!raw || run.rawless.has(x.key)) return raw;
    return residualRaw(raw, rawColumnsOf(x.chat, x.sender, x.m, messageInstant(x.m)));
  };

  if (fresh.length >= COPY_MIN_ROWS) {
    // COPY: the writes above are applied first; nothing else may be sent until it is done.
    const sent = Promise.all([...writes, renamed]);
    sent.catch(() => {}); // its failure is reported by the Promise.all below
    await copyIn(tx, COPY_MESSAGES, messageCopyParts(fresh.map(write)));
  } else if (fresh.length > 0) writes.push(query(tx, INSERT_MESSAGES, messageParams(fresh.map(write))));
  const mergeWaves: Array<Promise<Row[]>> = [];
  for (const [n, wave] of byWave.entries()) {
    const merging = n === 0 ? wave.filter((x) => stored.has(x.key)) : wave;
    if (merging.length > 0) mergeWaves.push(query(tx, UPSERT_MESSAGES, messageParams(merging.map(write))));
  }
  if (messages.length > 0) {
    const newest = new Map<string, number>();
    for (const x of messages) {
      const ts = messageInstant(x.m);
      const cur = newest.get(x.chat);
      if (cur === undefined || ts > cur) newest.set(x.chat, ts);
    }
    const rows = [...newest].map(([jid, ts]) => ({ jid, kind: chatKindOf(jid), last_message_at: ts }));
    writes.push(query(tx, TOUCH_CHATS, { rows: jsonRows(rows) }));
  }
  for (const part of statements(run.reactions, (x) => isReactionRemoval(x.r))) {
    const rows = part.items.map((x) => ({ chat_jid: x.chat, message_id: x.r.messageId, reactor_id: x.who, emoji: x.r.emoji, ts: x.r.ts }));
    writes.push(query(tx, part.flag ? DELETE_REACTIONS : UPSERT_REACTIONS, { rows: jsonRows(rows) }));
  }
  for (const part of statements(run.receipts, () => false)) {
    const rows = part.items.map((x) => ({ chat_jid: x.chat, message_id: x.r.messageId, person_id: x.who, type: x.r.type, ts: x.r.ts }));
    writes.push(query(tx, UPSERT_RECEIPTS, { rows: jsonRows(rows) }));
  }
  const [merged, names] = await Promise.all([Promise.all(mergeWaves), renamed, Promise.all(writes)]);
  const after: Array<Promise<Row[]>> = [];
  // An update merged old and new text: index what is stored now (wave order: the last state wins).
  const refresh = merged.flat().map((r) => ({ chat_jid: r.chat_jid, id: r.id, search: searchOfRow(r) }));
  if (refresh.length > 0) after.push(query(tx, REFRESH_SEARCH, { rows: jsonRows(refresh) }));
  // A person's search keys follow the names now stored (refreshPersonKeys in apply.ts).
  if (names.length > 0) {
    const keys = names.map((r) => {
      const n = {
        pnJid: r.pn_jid as string | null,
        pushName: r.push_name as string | null,
        savedName: r.saved_name as string | null,
        businessName: r.business_name as string | null,
      };
      return { id: r.id, search_key: personSearchKey(n), name_key: personNameKey(n) };
    });
    after.push(query(tx, PEOPLE_KEYS, { rows: jsonRows(keys) }));
  }
  await Promise.all(after);
}

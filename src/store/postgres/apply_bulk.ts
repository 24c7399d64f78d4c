/**
 * The bulk writer: a run of message, reaction and receipt upserts (what a history sync and
 * live traffic are made of) written with a handful of set-based statements instead of several
 * round trips per op. It leaves exactly the rows `apply.ts` leaves applying the same ops one by
 * one (test/store/postgres_bulk.test.ts compares them on generated data).
 *
 * Why reordering inside a run is safe: these ops never change who a LID belongs to (only
 * linkLid/upsertPerson do, and they end a run), messages are read by none of them, and each
 * table's ops keep their order per row. Person stubs and chat activity are order-free (insert
 * if missing; the newest timestamp wins).
 *
 * Order of work: every read first (LID owners, held changes exist?, stored keys, pk slots),
 * then the writes. Writes start only once the run is known to fit the bulk path; the rare run
 * that does not (more than 1024 messages in one millisecond) is left to the one-by-one writer.
 */
import { chatKindOf, isLidJid, isPersonJid, normalizeJid } from "../../ids/jid.ts";
import { PK_SLOTS, pkBase } from "../keys.ts";
import type { MessageRow, ReactionRow, ReceiptRow, WriteOp } from "../types.ts";
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
import { query } from "./client.ts";
import { jsonRows } from "./json_rows.ts";

const BULK_OPS: ReadonlySet<WriteOp["op"]> = new Set(["upsertMessage", "upsertReaction", "upsertReceipt"]);

/** The end (exclusive) of the run of bulk-writable ops starting at `start`. */
export function bulkRunEnd(ops: readonly WriteOp[], start: number): number {
  let i = start;
  // Live ops (real-time deliveries) also record a live event: they take the one-by-one path,
  // which is cheap at their size; history sync, the bulk of the volume, is never live.
  while (i < ops.length && BULK_OPS.has(ops[i]!.op) && !isLive(ops[i]!)) i++;
  return i;
}

/** The message columns in table order, with their types (the JSON record definition). */
const MESSAGE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["chat_jid", "text"], ["id", "text"], ["pk", "bigint"], ["sender_id", "text"], ["from_me", "boolean"], ["ts", "bigint"],
  ["type", "text"], ["text", "text"], ["quoted_id", "text"], ["edited_text", "text"], ["edited_at", "bigint"],
  ["revoked", "boolean"], ["view_once", "boolean"], ["status", "int"], ["has_media", "boolean"], ["media_mimetype", "text"],
  ["media_file_name", "text"], ["media_file_length", "bigint"], ["media_duration_sec", "int"], ["media_direct_path", "text"],
  ["media_url", "text"], ["media_key", "bytea"], ["media_file_sha256", "bytea"], ["media_file_enc_sha256", "bytea"],
  ["media_key_ts", "bigint"], ["raw", "bytea"], ["search", "tsvector"],
];
const MESSAGE_NAMES = MESSAGE_COLUMNS.map(([n]) => n).join(", ");

/** Inserts messages known not to be stored. */
const INSERT_MESSAGES = `INSERT INTO messages (${MESSAGE_NAMES})
SELECT ${MESSAGE_NAMES} FROM json_to_recordset(:rows::text::json) AS x(${MESSAGE_COLUMNS.map(([n, t]) => `${n} ${t}`).join(", ")})`;

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

const LID_OWNERS = "SELECT lid, id FROM people WHERE lid = ANY(:lids::text[])";

const STORED_KEYS = `SELECT m.chat_jid, m.id, m.pk FROM unnest(:chats::text[], :ids::text[]) AS k(c, i)
  JOIN messages m ON m.chat_jid = k.c AND m.id = k.i`;

// The highest pk taken in each millisecond's slot range (the same rule as apply.ts's PK_ALLOC).
const SLOT_TOPS = `SELECT b AS base, (SELECT max(pk) FROM messages WHERE pk >= b AND pk < b + ${PK_SLOTS}) AS top
  FROM unnest(:bases::bigint[]) AS b`;

const ANY_HELD = `SELECT 1 AS x FROM pending_changes p JOIN unnest(:chats::text[], :ids::text[]) AS k(c, i)
  ON p.chat_jid = k.c AND p.id = k.i LIMIT 1`;

const ENSURE_PEOPLE = `INSERT INTO people (id, pn_jid, lid, search_key)
SELECT id, pn_jid, lid, search_key FROM json_to_recordset(:rows::text::json) AS x(id text, pn_jid text, lid text, search_key text)
ON CONFLICT DO NOTHING`;

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
 * Writes a run of upsertMessage/upsertReaction/upsertReceipt ops (see `bulkRunEnd`). Returns
 * false, having written nothing, when the run needs the one-by-one writer.
 */
export async function applyBulk(ctx: BatchContext, run: readonly WriteOp[]): Promise<boolean> {
  const { tx } = ctx;
  // --- reads ---
  const lids = new Set<string>();
  const note = (jid: string) => {
    const j = normalizeJid(jid);
    if (isLidJid(j)) lids.add(j);
  };
  for (const op of run) {
    if (op.op === "upsertMessage") {
      note(op.message.chatJid);
      if (op.message.senderId) note(op.message.senderId);
    } else if (op.op === "upsertReaction") {
      note(op.reaction.chatJid);
      note(op.reaction.reactorId);
    } else if (op.op === "upsertReceipt") {
      note(op.receipt.chatJid);
      note(op.receipt.personId);
    }
  }
  const owner = new Map<string, string>();
  if (lids.size > 0) {
    for (const r of await query(tx, LID_OWNERS, { lids: [...lids] })) owner.set(String(r.lid), String(r.id));
  }
  const canon = (jid: string) => {
    const j = normalizeJid(jid);
    return owner.get(j) ?? j;
  };

  const messages: Array<{ key: string; chat: string; sender: string | null; m: MessageRow }> = [];
  const reactions: Array<{ key: string; r: ReactionRow; chat: string; who: string }> = [];
  const receipts: Array<{ key: string; r: ReceiptRow; chat: string; who: string }> = [];
  for (const op of run) {
    if (op.op === "upsertMessage") {
      const chat = canon(op.message.chatJid);
      messages.push({ key: chat + SEP + op.message.id, chat, sender: op.message.senderId ? canon(op.message.senderId) : null, m: op.message });
    } else if (op.op === "upsertReaction") {
      const chat = canon(op.reaction.chatJid);
      const who = canon(op.reaction.reactorId);
      reactions.push({ key: [chat, op.reaction.messageId, who].join(SEP), r: op.reaction, chat, who });
    } else if (op.op === "upsertReceipt") {
      const chat = canon(op.receipt.chatJid);
      const who = canon(op.receipt.personId);
      receipts.push({ key: [chat, op.receipt.messageId, who, op.receipt.type].join(SEP), r: op.receipt, chat, who });
    }
  }

  const firstIndex = new Map<string, number>();
  messages.forEach((x, i) => {
    if (!firstIndex.has(x.key)) firstIndex.set(x.key, i);
  });
  const firsts = messages.filter((x, i) => firstIndex.get(x.key) === i);
  const chats = firsts.map((x) => x.chat);
  const ids = firsts.map((x) => x.m.id);
  const bases = distinct(firsts.map((x) => pkBase(Math.trunc(x.m.ts))));
  // One round trip: held changes?, the keys already stored, the slot ranges' tops (pipelined).
  const [held, storedRows, topRows] = firsts.length === 0 ? [false, [], []] : await Promise.all([
    mayHold(ctx),
    query(tx, STORED_KEYS, { chats, ids }),
    query(tx, SLOT_TOPS, { bases }),
  ]);
  const stored = new Set(storedRows.map((r) => String(r.chat_jid) + SEP + String(r.id)));
  const top = new Map(topRows.map((r) => [Number(r.base), r.top === null ? null : Number(r.top)]));
  // pks for the keys not stored yet, in arrival order (as one-by-one inserts would take them).
  const pkOf = new Map<string, number>();
  for (const x of firsts) {
    if (stored.has(x.key)) continue;
    const base = pkBase(Math.trunc(x.m.ts));
    const t = top.get(base) ?? null;
    const pk = t === null ? base : t + 1;
    if (pk >= base + PK_SLOTS) return false; // a full millisecond: the one-by-one writer's overflow rule
    top.set(base, pk);
    pkOf.set(x.key, pk);
  }

  // --- writes ---
  if (held) {
    // Edits or revokes that arrived before their message are judged against its sender
    // (change_rules.ts): a run that meets one takes the one-by-one path, which does that.
    if ((await query(tx, ANY_HELD, { chats, ids })).length > 0) return false;
  }

  const people: Row[] = [];
  const ensure = (id: string | null) => {
    if (!id || ctx.ensured.has(id) || !isPersonJid(id)) return;
    ctx.ensured.add(id);
    people.push(personStub(id));
  };
  for (const x of messages) {
    ensure(x.chat);
    ensure(x.sender);
  }
  for (const x of reactions) if (x.r.emoji !== "") ensure(x.who);
  for (const x of receipts) ensure(x.who);

  // Every write below is sent at once (pipelined) and runs in this order; only re-indexing
  // merged rows needs an answer first.
  const writes: Array<Promise<Row[]>> = [];
  if (people.length > 0) writes.push(query(tx, ENSURE_PEOPLE, { rows: jsonRows(people) }));
  // The n-th upsert of each key goes in statement n (one statement cannot touch a row twice);
  // new rows of the first go in a plain insert.
  const mergeWaves: Array<Promise<Row[]>> = [];
  for (const [n, wave] of waves(messages).entries()) {
    const record = (x: (typeof messages)[number]) => messageRecord(x.chat, x.sender, pkOf.get(x.key) ?? 0, x.m);
    const merging = n === 0 ? wave.filter((x) => stored.has(x.key)) : wave;
    if (n === 0 && merging.length < wave.length) {
      writes.push(query(tx, INSERT_MESSAGES, { rows: jsonRows(wave.filter((x) => !stored.has(x.key)).map(record)) }));
    }
    if (merging.length > 0) mergeWaves.push(query(tx, UPSERT_MESSAGES, { rows: jsonRows(merging.map(record)) }));
  }
  if (messages.length > 0) {
    const newest = new Map<string, number>();
    for (const x of messages) {
      const ts = Math.trunc(x.m.ts);
      const cur = newest.get(x.chat);
      if (cur === undefined || ts > cur) newest.set(x.chat, ts);
    }
    const rows = [...newest].map(([jid, ts]) => ({ jid, kind: chatKindOf(jid), last_message_at: ts }));
    writes.push(query(tx, TOUCH_CHATS, { rows: jsonRows(rows) }));
  }
  for (const part of statements(reactions, (x) => x.r.emoji === "")) {
    const rows = part.items.map((x) => ({ chat_jid: x.chat, message_id: x.r.messageId, reactor_id: x.who, emoji: x.r.emoji, ts: x.r.ts }));
    writes.push(query(tx, part.flag ? DELETE_REACTIONS : UPSERT_REACTIONS, { rows: jsonRows(rows) }));
  }
  for (const part of statements(receipts, () => false)) {
    const rows = part.items.map((x) => ({ chat_jid: x.chat, message_id: x.r.messageId, person_id: x.who, type: x.r.type, ts: x.r.ts }));
    writes.push(query(tx, UPSERT_RECEIPTS, { rows: jsonRows(rows) }));
  }
  const [merged] = await Promise.all([Promise.all(mergeWaves), Promise.all(writes)]);
  // An update merged old and new text: index what is stored now (wave order: the last state wins).
  const refresh = merged.flat().map((r) => ({ chat_jid: r.chat_jid, id: r.id, search: searchOfRow(r) }));
  if (refresh.length > 0) await query(tx, REFRESH_SEARCH, { rows: jsonRows(refresh) });
  return true;
}

function distinct<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Splits items (in order) so that each wave holds each key at most once and later upserts come later. */
function waves<T extends { key: string }>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  const seen = new Map<string, number>();
  for (const x of items) {
    const n = seen.get(x.key) ?? 0;
    seen.set(x.key, n + 1);
    (out[n] ??= []).push(x);
  }
  return out;
}

/** Consecutive statements of one kind (`flag`) with each key at most once, in the items' order. */
function statements<T extends { key: string }>(items: readonly T[], flagOf: (x: T) => boolean): Array<{ flag: boolean; items: T[] }> {
  const out: Array<{ flag: boolean; items: T[]; keys: Set<string> }> = [];
  for (const x of items) {
    const flag = flagOf(x);
    let cur = out[out.length - 1];
    if (!cur || cur.flag !== flag || cur.keys.has(x.key)) out.push(cur = { flag, items: [], keys: new Set() });
    cur.items.push(x);
    cur.keys.add(x.key);
  }
  return out;
}

function bytea(b: Uint8Array | null | undefined): string | null {
  if (!b) return null;
  let s = "\\x";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** One message as a JSON record (MESSAGE_COLUMNS), with the same values the one-by-one upsert binds. */
function messageRecord(chat: string, sender: string | null, pk: number, m: MessageRow): Row {
  const md = m.media;
  return {
    chat_jid: chat,
    id: m.id,
    pk,
    sender_id: sender,
    from_me: m.fromMe,
    ts: Math.trunc(m.ts),
    type: m.type,
    text: m.text ?? null,
    quoted_id: m.quotedId ?? null,
    edited_text: m.editedText ?? null,
    edited_at: m.editedAt ?? null,
    revoked: m.revoked,
    view_once: m.viewOnce,
    status: m.status ?? null,
    has_media: md !== null && md !== undefined,
    media_mimetype: md?.mimetype ?? null,
    media_file_name: md?.fileName ?? null,
    media_file_length: md?.fileLength ?? null,
    media_duration_sec: md?.durationSec ?? null,
    media_direct_path: md?.directPath ?? null,
    media_url: md?.url ?? null,
    media_key: bytea(md?.mediaKey),
    media_file_sha256: bytea(md?.fileSha256),
    media_file_enc_sha256: bytea(md?.fileEncSha256),
    media_key_ts: md?.mediaKeyTimestamp ?? null,
    raw: bytea(m.raw),
    search: searchOfMessage(m),
  };
}

/** Whether an op is a real-time delivery (it records a live event on the one-by-one path). */
function isLive(op: WriteOp): boolean {
  return "live" in op && (op as { live?: boolean }).live === true;
}

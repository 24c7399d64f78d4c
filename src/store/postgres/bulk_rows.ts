/**
 * The pure half of the bulk writer (`apply_bulk.ts`): which ops a run may hold, the rows it
 * writes (message columns as arrays, chat and person upserts folded per key), and how
 * repeated keys are split into statements. No I/O.
 */
import { chatKindOf, isLidJid, isPnJid, normalizeJid } from "../../ids/jid.ts";
import { chatSearchKey } from "../keys.ts";
import { personIdentities } from "../person_identity.ts";
import { isLinked } from "../write_plan/people.ts";
import type { ChatRow, MessageRow, WriteOp } from "../types.ts";
import { type Row, searchOfMessage, searchPositionsOfMessage } from "./apply_shared.ts";
import { arrayLiteral, type ArrayValue } from "./array_text.ts";
import { copyHeader, copyRows, copyTrailer, type CopyType, type CopyValue } from "./copy_binary.ts";

/** Ops the bulk writer takes (when not live: a live op also records a live event, one by one). */
const BULK_OPS: ReadonlySet<WriteOp["op"]> = new Set(["upsertMessage", "upsertReaction", "upsertReceipt", "upsertChat", "upsertPerson", "linkLid"]);

/** The end (exclusive) of the run of ops starting at `start` that the bulk writer may take. */
export function bulkRunEnd(ops: readonly WriteOp[], start: number): number {
  let i = start;
  while (i < ops.length && BULK_OPS.has(ops[i]!.op) && !isLive(ops[i]!)) i++;
  return i;
}

/** Whether an op is a real-time delivery (it records a live event on the one-by-one path). */
function isLive(op: WriteOp): boolean {
  return "live" in op && (op as { live?: boolean }).live === true;
}

/** The JIDs of an op that may be LIDs (their owners are looked up before the run is written). */
export function jidsOf(op: WriteOp): string[] {
  switch (op.op) {
    case "upsertMessage":
      return op.message.senderId ? [op.message.chatJid, op.message.senderId] : [op.message.chatJid];
    case "upsertReaction":
      return [op.reaction.chatJid, op.reaction.reactorId];
    case "upsertReceipt":
      return [op.receipt.chatJid, op.receipt.personId];
    case "upsertChat":
      return [op.chat.jid];
    case "upsertPerson":
      return [op.person.id, op.person.pnJid, op.person.lid].filter((x): x is string => !!x);
    case "linkLid":
      return [op.lid];
    default:
      return [];
  }
}

/** The row owning a LID: its id and phone JID. */
export interface LidOwner {
  id: string;
  pn: string | null;
}

/** A person upsert as the bulk writer applies it: the canonical id and the names. */
export interface PersonUpsert {
  id: string;
  push_name: string | null;
  saved_name: string | null;
  business_name: string | null;
}

/**
 * What a person-side op means given the LID owners read before the run: `skip` (it changes
 * nothing: an invalid or already known link), `person` (a plain upsert of an existing or new
 * id), or `link` (a LID meets its phone number for the first time: rows are re-keyed, which the
 * one-by-one writer does). Mirrors `upsertPerson`/`link` of the write plan (`../write_plan/people.ts`).
 */
export function personOpPlan(
  op: Extract<WriteOp, { op: "upsertPerson" | "linkLid" }>,
  canon: (jid: string) => string,
  owners: ReadonlyMap<string, LidOwner>,
): { kind: "skip" } | { kind: "link" } | { kind: "person"; upsert: PersonUpsert } {
  const linked = (pn: string, lid: string) => isLinked(pn, { pnJid: owners.get(lid)?.pn ?? null });
  if (op.op === "linkLid") {
    const pn = normalizeJid(op.pnJid);
    const lid = normalizeJid(op.lid);
    return isPnJid(pn) && isLidJid(lid) && !linked(pn, lid) ? { kind: "link" } : { kind: "skip" };
  }
  const p = op.person;
  const { pn: pnOk, lid: lidOk } = personIdentities(p);
  let id: string;
  if (pnOk && lidOk) {
    if (!linked(pnOk, lidOk)) return { kind: "link" };
    id = owners.get(lidOk)!.id;
  } else if (pnOk || lidOk) id = canon((pnOk ?? lidOk)!);
  else return { kind: "skip" };
  return { kind: "person", upsert: { id, push_name: p.pushName ?? null, saved_name: p.savedName ?? null, business_name: p.businessName ?? null } };
}

/** Whether a chat upsert may join a run: the kind it would create a missing chat with is the one a message would. */
export function chatFitsRun(chat: Partial<ChatRow> & { jid: string }, jid: string): boolean {
  return (chat.kind ?? chatKindOf(jid)) === chatKindOf(jid);
}

/** A chat upsert's columns (CHAT_UPSERT order), as the one-by-one writer binds them. */
export function chatRecord(jid: string, chat: Partial<ChatRow>): Row {
  return {
    jid,
    kind: chatKindOf(jid),
    name: chat.name ?? null,
    search_key: chatSearchKey(chat.name),
    last_message_at: chat.lastMessageAt ?? null,
    archived: chat.archived ?? null,
    pinned: chat.pinned ?? null,
    muted_until: chat.mutedUntil ?? null,
    unread_count: chat.unreadCount ?? null,
    description: chat.description ?? null,
  };
}

/**
 * Folds a later upsert of the same row into an earlier one, column by column, as applying both
 * in order does with `coalesce(new, old)`: a later known value wins, nulls keep what was there;
 * `greatest` columns keep the largest known value.
 */
export function foldInto(into: Row, later: Row, greatest: readonly string[] = []): void {
  for (const [k, v] of Object.entries(later)) {
    if (v === null || v === undefined) continue;
    const cur = into[k];
    into[k] = greatest.includes(k) && typeof cur === "number" && typeof v === "number" ? Math.max(cur, v) : v;
  }
}

/** The message columns in table order, with their types (the `unnest` parameters' element types). */
export const MESSAGE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["chat_jid", "text"], ["id", "text"], ["pk", "bigint"], ["sender_id", "text"], ["from_me", "boolean"], ["ts", "bigint"],
  ["type", "text"], ["text", "text"], ["quoted_id", "text"], ["edited_text", "text"], ["edited_at", "bigint"],
  ["revoked", "boolean"], ["view_once", "boolean"], ["status", "int"], ["has_media", "boolean"], ["media_mimetype", "text"],
  ["media_file_name", "text"], ["media_file_length", "bigint"], ["media_duration_sec", "int"], ["media_direct_path", "text"],
  ["media_url", "text"], ["media_key", "bytea"], ["media_file_sha256", "bytea"], ["media_file_enc_sha256", "bytea"],
  ["media_key_ts", "bigint"], ["raw", "bytea"], ["search", "tsvector"],
];

/** `unnest(...)` of the message columns, one `:c<i>` array parameter each (see `messageParams`). */
export const MESSAGE_UNNEST = `unnest(${MESSAGE_COLUMNS.map(([, t], i) => `:c${i}::text::${t}[]`).join(", ")})`;

/** A message to write: its canonical chat and sender and its pk (0 for a stored one: the merge keeps the stored pk). */
export interface MessageWrite {
  chat: string;
  sender: string | null;
  pk: number;
  m: MessageRow;
  /** The raw bytes bound: a residual for a new row, full ones for a merge (see raw_residual.ts). */
  raw: Uint8Array | null;
}

/** One message's column values in MESSAGE_COLUMNS order, the same values the one-by-one upsert binds. */
function messageValues(w: MessageWrite): ArrayValue[] {
  const row = messageColumns(w) as ArrayValue[];
  row[SEARCH] = searchOfMessage(w.m);
  return row;
}

const SEARCH = MESSAGE_COLUMNS.length - 1;

/** One message's columns without its search vector (the last column). */
function messageColumns({ chat, sender, pk, m, raw }: MessageWrite): Array<ArrayValue | CopyValue> {
  const md = m.media;
  return [
    chat, m.id, pk, sender, m.fromMe, Math.trunc(m.ts), m.type, m.text ?? null, m.quotedId ?? null, m.editedText ?? null,
    m.editedAt ?? null, m.revoked, m.viewOnce, m.status ?? null, md !== null && md !== undefined, md?.mimetype ?? null,
    md?.fileName ?? null, md?.fileLength ?? null, md?.durationSec ?? null, md?.directPath ?? null, md?.url ?? null,
    md?.mediaKey ?? null, md?.fileSha256 ?? null, md?.fileEncSha256 ?? null, md?.mediaKeyTimestamp ?? null, raw,
    null,
  ];
}

/** `COPY messages ... FROM STDIN` in binary, for `messageCopy`'s rows. */
export const COPY_MESSAGES = `COPY messages (${MESSAGE_COLUMNS.map(([n]) => n).join(", ")}) FROM STDIN (FORMAT binary)`;

const COPY_TYPES = MESSAGE_COLUMNS.map(([, t]) => t as CopyType);

/**
 * New messages as a binary COPY stream (COPY_MESSAGES) in parts of `rowsPerPart` rows, encoded as
 * they are taken (so the server reads one part while the next is encoded): the same values as
 * `messageParams`, the search vector as the same lexemes and positions as its literal.
 */
export function* messageCopyParts(writes: readonly MessageWrite[], rowsPerPart = 250): Generator<Uint8Array> {
  yield copyHeader();
  for (let i = 0; i < writes.length; i += rowsPerPart) {
    yield copyRows(COPY_TYPES, writes.slice(i, i + rowsPerPart).map((w) => {
      const row = messageColumns(w) as CopyValue[];
      row[SEARCH] = searchPositionsOfMessage(w.m);
      return row;
    }));
  }
  yield copyTrailer();
}

/** The `:c<i>` parameters of MESSAGE_UNNEST for `writes`: one array literal per column. */
export function messageParams(writes: readonly MessageWrite[]): Record<string, string> {
  const rows = writes.map(messageValues);
  const params: Record<string, string> = {};
  for (let c = 0; c < MESSAGE_COLUMNS.length; c++) params[`c${c}`] = arrayLiteral(rows.map((r) => r[c]));
  return params;
}

/** Splits items (in order) so that each wave holds each key at most once and later upserts come later. */
export function waves<T extends { key: string }>(items: readonly T[]): T[][] {
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
export function statements<T extends { key: string }>(items: readonly T[], flagOf: (x: T) => boolean): Array<{ flag: boolean; items: T[] }> {
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

/**
 * The highest pk taken in each base's slot range [base, base + slots), from `pks`: every stored
 * pk between the lowest base and the highest range's end, ascending. Null where none is taken.
 */
export function slotTops(bases: readonly number[], pks: readonly number[], slots: number): Map<number, number | null> {
  const out = new Map<number, number | null>();
  for (const base of bases) {
    // The last pk below base + slots (binary search), if it is in the range.
    let lo = 0;
    let hi = pks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pks[mid]! < base + slots) lo = mid + 1;
      else hi = mid;
    }
    const top = lo > 0 ? pks[lo - 1]! : null;
    out.set(base, top !== null && top >= base ? top : null);
  }
  return out;
}

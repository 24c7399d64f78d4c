/**
 * What the store keeps of an older message's raw proto. A raw `WebMessageInfo` carries, beside
 * what the row's columns hold, details only the first days of a message use:
 * - thumbnails (`jpegThumbnail` of images, videos, documents and link previews, a sticker's
 *   `pngThumbnail`): the preview a quote or forward of the message shows; ~1 KB, incompressible;
 * - `messageContextInfo`'s `messageSecret`, `deviceListMetadata` and its version: the sender's
 *   device list at sending time and the key of add-ons (poll votes: kept in `polls.secret`
 *   apart; retries of a send: minutes after it);
 * - the sender's `pushName` at the time (the people rows keep the current one).
 * A message older than `WHATSAPP_MCP_RAW_DETAIL_DAYS` (default 30) when it is committed keeps its
 * raw without them: quoting and forwarding it still work (no preview picture), media downloads
 * use the columns. The cut is made on the ops before the journal, so a replay, both backends and
 * merges all see the same bytes. Pure, wire-level (no protobuf decode).
 */
import type { WriteOp } from "./types.ts";
import { CONTENT, FUTURE_PROOF } from "./raw_residual.ts";
import { putVarint, readVarint, varintEnd, varintSize, WIRE_ERROR, WireError } from "./proto_wire.ts";

/** Days a message keeps its raw's details, counted back from its commit (null: every message keeps them). */
export const DEFAULT_RAW_DETAIL_DAYS = 30;

let detailDays: number | null = DEFAULT_RAW_DETAIL_DAYS;

/** Sets the process's policy (from the config at store open); null keeps every detail. */
export function setRawDetailDays(days: number | null): void {
  detailDays = days;
}

/** The policy in force (days, or null: all kept). */
export function rawDetailDays(): number | null {
  return detailDays;
}

/** Messages before this instant (ms) lose their raw's details; -Infinity when all are kept. */
export function rawDetailCutoff(now: number, days: number | null = detailDays): number {
  return days === null ? -Infinity : now - days * 86_400_000;
}

/** `ops` with the raws of messages older than `cutoff` without their details (the same array when none changes). */
export function withoutOldDetail(ops: WriteOp[], cutoff: number): WriteOp[] {
  if (cutoff === -Infinity) return ops;
  let out: WriteOp[] | null = null;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.op !== "upsertMessage" || !op.message.raw || op.message.ts >= cutoff) continue;
    const raw = withoutDetail(op.message.raw);
    if (raw === op.message.raw) continue;
    out ??= ops.slice();
    out[i] = { ...op, message: { ...op.message, raw } };
  }
  return out ?? ops;
}

// The messages walked (kinds) and, per kind, field -> 1 + the kind of the sub-message it holds.
const INFO = 0, MESSAGE = 1, WRAPPER = 2, CONTENT_KIND = 3, CONTEXT_INFO = 4;
const LIMIT = 128;
const CHILD: Uint8Array[] = [new Uint8Array(LIMIT), new Uint8Array(LIMIT), new Uint8Array(LIMIT), new Uint8Array(LIMIT), new Uint8Array(LIMIT)];
CHILD[INFO]![2] = MESSAGE + 1;
for (const f of FUTURE_PROOF) CHILD[MESSAGE]![f] = WRAPPER + 1;
for (const f of CONTENT) CHILD[MESSAGE]![f] = CONTENT_KIND + 1;
CHILD[MESSAGE]![35] = CONTEXT_INFO + 1;
CHILD[WRAPPER]![1] = MESSAGE + 1;

/** Whether a field of a message of `kind` is a detail (dropped). */
function isDetail(kind: number, field: number): boolean {
  switch (kind) {
    case INFO:
      return field === 19; // pushName
    case CONTENT_KIND:
      return field === 16; // jpegThumbnail (image, video, document, extended text), pngThumbnail (sticker); audio has none
    case CONTEXT_INFO:
      return field === 1 || field === 2 || field === 3; // deviceListMetadata, its version, messageSecret
  }
  return false;
}

/**
 * The output: kept fields are copied to `buf` from `at` (a module scratch, grown as needed; the
 * walk is synchronous). Only drops happen, so the output never outgrows the input.
 */
let buf = new Uint8Array(4096);
let at = 0;

function copy(b: Uint8Array, from: number, to: number): void {
  if (to - from > 32) buf.set(b.subarray(from, to), at);
  else for (let i = from; i < to; i++) buf[at + i - from] = b[i]!;
  at += to - from;
}

/** Writes the message of `kind` in `b[start, stop)` without its details to `buf`; whether any was dropped. */
function strip(b: Uint8Array, start: number, stop: number, kind: number): boolean {
  const child = CHILD[kind]!;
  let changed = false;
  let p = start;
  while (p < stop) {
    const fieldStart = p;
    const tag = readVarint(b, p, stop);
    const afterTag = varintEnd;
    p = afterTag;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let body = -1;
    if (wire === 0) {
      readVarint(b, p, stop);
      p = varintEnd;
    } else if (wire === 2) {
      const len = readVarint(b, p, stop);
      body = varintEnd;
      p = body + len;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else throw WIRE_ERROR;
    if (p > stop) throw WIRE_ERROR;
    if (isDetail(kind, field)) {
      changed = true;
      continue;
    }
    if (body < 0 || field >= LIMIT || child[field]! === 0) {
      copy(b, fieldStart, p);
      continue;
    }
    // A sub-message: its tag, room for its length (as many bytes as before), then its kept fields.
    const sub = child[field]! - 1;
    const mark = at;
    copy(b, fieldStart, body);
    const room = body - afterTag;
    const lenAt = at - room;
    if (!strip(b, body, p, sub)) continue; // written as it was, length included
    changed = true;
    const bodyLen = at - lenAt - room;
    // A messageContextInfo left empty goes altogether (an empty one kept as it came is kept).
    if (bodyLen === 0 && sub === CONTEXT_INFO) {
      at = mark;
      continue;
    }
    const need = varintSize(bodyLen);
    if (need < room) buf.copyWithin(lenAt + need, lenAt + room, at);
    putVarint(buf, lenAt, bodyLen);
    at -= room - need;
  }
  return changed;
}

/**
 * A full raw `WebMessageInfo` without its details (see above): a new array, or `raw` itself when
 * it has none or is not a protobuf message this walk understands (a stored residual included).
 */
export function withoutDetail(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw[0] === 0x07) return raw;
  if (buf.length < raw.length) buf = new Uint8Array(Math.max(raw.length, 2 * buf.length));
  at = 0;
  try {
    return strip(raw, 0, raw.length, INFO) ? buf.slice(0, at) : raw;
  } catch (e) {
    if (e instanceof WireError) return raw;
    throw e;
  }
}

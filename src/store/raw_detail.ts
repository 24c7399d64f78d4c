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
import { readVarint, varintEnd, WIRE_ERROR, WireError } from "./proto_wire.ts";

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

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

const EMPTY = new Uint8Array(0);

/** The message of `kind` in `b[start, stop)` without its details, or null when it has none. */
function strip(b: Uint8Array, start: number, stop: number, kind: number): Uint8Array | null {
  const child = CHILD[kind]!;
  let parts: Uint8Array[] | null = null;
  let kept = start;
  let p = start;
  while (p < stop) {
    const fieldStart = p;
    const tag = readVarint(b, p, stop);
    p = varintEnd;
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
    let replacement: Uint8Array | null = null;
    if (isDetail(kind, field)) replacement = EMPTY;
    else if (body >= 0 && field < LIMIT && child[field]! !== 0) {
      const sub = child[field]! - 1;
      const inner = strip(b, body, p, sub);
      if (inner !== null) {
        // A messageContextInfo left empty goes altogether (an empty one kept as it came is kept).
        if (inner.length === 0 && sub === CONTEXT_INFO) replacement = EMPTY;
        else replacement = Uint8Array.from([...varintBytes(tag), ...varintBytes(inner.length), ...inner]);
      }
    }
    if (replacement === null) continue;
    parts ??= [];
    parts.push(b.subarray(kept, fieldStart), replacement);
    kept = p;
  }
  if (parts === null) return null;
  parts.push(b.subarray(kept, stop));
  let n = 0;
  for (const x of parts) n += x.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const x of parts) {
    out.set(x, n);
    n += x.length;
  }
  return out;
}

/**
 * A full raw `WebMessageInfo` without its details (see above): a new array, or `raw` itself when
 * it has none or is not a protobuf message this walk understands (a stored residual included).
 */
export function withoutDetail(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw[0] === 0x07) return raw;
  try {
    return strip(raw, 0, raw.length, INFO) ?? raw;
  } catch (e) {
    if (e instanceof WireError) return raw;
    throw e;
  }
}

/**
 * The journal's record framing, pure (no I/O):
 *
 *   [u32 length][u32 crc32][u64 seq][payload: length bytes]      (little-endian)
 *
 * The CRC-32 (IEEE) covers the length, the seq and the payload, so a flipped bit in any of
 * them is caught. A record is only ever appended whole by one write; a crash can leave a
 * short or garbled last record (a torn tail), which the reader reports and the opener drops.
 */
import { nativeCrc32 } from "../../runtime/crc32.ts";

/** Bytes before the payload. */
export const FRAME_HEADER = 16;

/** Largest payload accepted: bigger lengths are treated as corruption, not allocated. */
export const MAX_PAYLOAD = 256 * 1024 * 1024;

// Slicing-by-8 tables: ~1 GB/s in V8, so checksumming never dominates a commit or a replay.
const TABLES: Uint32Array[] = (() => {
  const t: Uint32Array[] = [];
  for (let k = 0; k < 8; k++) t.push(new Uint32Array(256));
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let j = 0; j < 8; j++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[0]![i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let k = 1; k < 8; k++) t[k]![i] = (t[k - 1]![i]! >>> 8) ^ t[0]![t[k - 1]![i]! & 0xff]!;
  }
  return t;
})();

/** Continues a CRC-32 over `bytes[start, end)`. Start with 0; the result is the finished CRC. */
export function crc32(bytes: Uint8Array, crc = 0, start = 0, end = bytes.length): number {
  // The runtime's own for all but a few bytes (the header's fields: a view costs more than the loop).
  if (nativeCrc32 !== null && end - start >= NATIVE_FROM) return nativeCrc32(bytes.subarray(start, end), crc);
  return crc32Js(bytes, crc, start, end);
}

/** Bytes from which the runtime's CRC is used. */
const NATIVE_FROM = 64;

/** `crc32` in JS (slicing by 8): where the runtime has no CRC of its own, and to check it against. */
export function crc32Js(bytes: Uint8Array, crc = 0, start = 0, end = bytes.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    c = t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^
      t3[bytes[i + 4]!]! ^ t2[bytes[i + 5]!]! ^ t1[bytes[i + 6]!]! ^ t0[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = t0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function frameCrc(buf: Uint8Array, at: number, payloadEnd: number): number {
  let c = crc32(buf, 0, at, at + 4);
  return crc32(buf, c, at + 8, payloadEnd);
}

/** One record: its sequence number and payload. */
export interface JournalRecord {
  seq: number;
  payload: Uint8Array;
}

/** Frames records into one buffer, ready for a single append. */
export function encodeFrames(records: readonly JournalRecord[]): Uint8Array {
  let total = 0;
  for (const r of records) {
    if (r.payload.length === 0 || r.payload.length > MAX_PAYLOAD) {
      throw new RangeError(`journal payload must be 1..${MAX_PAYLOAD} bytes, got ${r.payload.length}`);
    }
    total += FRAME_HEADER + r.payload.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const r of records) {
    if (!Number.isSafeInteger(r.seq) || r.seq < 1) throw new RangeError(`bad journal seq ${r.seq}`);
    view.setUint32(at, r.payload.length, true);
    view.setUint32(at + 8, r.seq % 0x1_0000_0000, true);
    view.setUint32(at + 12, Math.floor(r.seq / 0x1_0000_0000), true);
    out.set(r.payload, at + FRAME_HEADER);
    const end = at + FRAME_HEADER + r.payload.length;
    view.setUint32(at + 4, frameCrc(out, at, end), true);
    at = end;
  }
  return out;
}

/** What sits at an offset of a buffer: a whole valid record, too few bytes to tell, or garbage. */
export type FrameParse =
  | { kind: "record"; seq: number; payload: Uint8Array; end: number }
  | { kind: "need"; bytes: number }
  | { kind: "bad"; reason: string };

/**
 * Parses the frame starting at `at`. "need" says how many bytes from `at` are required to
 * decide (the header, then the whole record). The payload is a view into `buf`.
 */
export function parseFrame(buf: Uint8Array, at: number): FrameParse {
  const avail = buf.length - at;
  if (avail < FRAME_HEADER) return { kind: "need", bytes: FRAME_HEADER };
  const view = new DataView(buf.buffer, buf.byteOffset + at, FRAME_HEADER);
  const length = view.getUint32(0, true);
  if (length === 0 || length > MAX_PAYLOAD) return { kind: "bad", reason: `implausible record length ${length}` };
  if (avail < FRAME_HEADER + length) return { kind: "need", bytes: FRAME_HEADER + length };
  const end = at + FRAME_HEADER + length;
  const stored = view.getUint32(4, true);
  if (frameCrc(buf, at, end) !== stored) return { kind: "bad", reason: "checksum mismatch" };
  const seq = view.getUint32(8, true) + view.getUint32(12, true) * 0x1_0000_0000;
  return { kind: "record", seq, payload: buf.subarray(at + FRAME_HEADER, end), end };
}

/**
 * Whether the bytes from a bad frame to the end of the journal hold a COMPLETE record that was
 * damaged afterwards (a flipped bit), as opposed to a torn append. Returns the reason, or null
 * for a torn tail. A record is complete when its length fits in the file and its payload was
 * written (not all zeros: a file extended by a crash but never written reads as zeros), or when
 * its length field alone is damaged: the record then runs exactly to the end of the file and its
 * checksum matches with that length. An acknowledged record was fsynced whole, so a complete
 * record that fails its checksum lost acknowledged data and must not be cut silently.
 */
export function damagedCompleteRecord(rest: Uint8Array): string | null {
  if (rest.length <= FRAME_HEADER) return null;
  const view = new DataView(rest.buffer, rest.byteOffset, rest.byteLength);
  const length = view.getUint32(0, true);
  const stored = view.getUint32(4, true);
  if (length > 0 && length <= MAX_PAYLOAD && FRAME_HEADER + length <= rest.length) {
    const payload = rest.subarray(FRAME_HEADER, FRAME_HEADER + length);
    if (payload.some((b) => b !== 0)) return "checksum mismatch in a complete record";
    return null;
  }
  const fits = rest.length - FRAME_HEADER;
  if (fits > MAX_PAYLOAD) return null;
  const withLength = new Uint8Array(4);
  new DataView(withLength.buffer).setUint32(0, fits, true);
  const crc = crc32(rest, crc32(withLength), 8, rest.length);
  return crc === stored ? `damaged length field (${length}) of a complete record` : null;
}

/**
 * Looks for any valid record starting after `from` whose seq lies in (afterSeq, afterSeq + window].
 * Used after a bad frame: finding one means the damage is in the middle of the journal (records
 * we must not silently drop follow it); finding none means a torn tail. The seq window makes a
 * false match in random bytes practically impossible and keeps the scan linear.
 */
export function findRecordAfter(buf: Uint8Array, from: number, afterSeq: number, window = 1 << 20): number | null {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let at = from; at + FRAME_HEADER <= buf.length; at++) {
    const length = view.getUint32(at, true);
    if (length === 0 || length > MAX_PAYLOAD || at + FRAME_HEADER + length > buf.length) continue;
    const seq = view.getUint32(at + 8, true) + view.getUint32(at + 12, true) * 0x1_0000_0000;
    if (seq <= afterSeq || seq > afterSeq + window) continue;
    const f = parseFrame(buf, at);
    if (f.kind === "record") return at;
  }
  return null;
}

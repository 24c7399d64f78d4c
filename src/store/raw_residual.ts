/**
 * Residual raw protos: a message's raw `WebMessageInfo` bytes without the fields whose value its
 * own row already holds (the id, the chat and sender when not LIDs, the timestamp, the text, the
 * quoted id, the media fields). Each such field is replaced in place by a two- or three-byte
 * placeholder naming its column, so `fullRaw` puts back exactly the bytes that were there.
 * Pure; wire-level (no protobuf decode), so the work per message is one pass over its bytes.
 *
 * Format: `RESIDUAL_MARK`, the version byte, then the protobuf bytes with placeholders: tag
 * `(field << 3) | 7` and one column code. Wire type 7 never occurs in protobuf, and a protobuf
 * message never starts with byte 0x07 (field 0), so full raws stored before (or kept full) read
 * as they are.
 *
 * Why the columns are safe to rebuild from (the caller's part, see the stores' writeMessage):
 * a residual is written only by an INSERT of a new row, against the values that INSERT binds.
 * After that, no statement changes those columns but the upsert merge, and a merge always leaves
 * a full raw: the incoming one, or (an upsert without raw) the stored residual rebuilt first.
 * Edits, revokes and status updates touch other columns; re-keying changes chat_jid and
 * sender_id only where they are LIDs, which are never stripped.
 */
import { isLidJid } from "../ids/jid.ts";
import type { MediaInfo } from "./types.ts";

/** First byte of a residual (field 0 with wire type 7: never the start of a protobuf message). */
export const RESIDUAL_MARK = 0x07;
const VERSION = 1;

/** The row values a residual is cut against and rebuilt from (as the row stores them). */
export interface RawColumns {
  chatJid: string;
  id: string;
  senderId: string | null;
  /** Milliseconds (whole seconds in practice: WhatsApp's timestamps). */
  ts: number;
  text: string | null;
  quotedId: string | null;
  media: Pick<
    MediaInfo,
    "mimetype" | "fileName" | "fileLength" | "durationSec" | "directPath" | "url" | "mediaKey" | "fileSha256" | "fileEncSha256" | "mediaKeyTimestamp"
  > | null;
}

/** A residual names a column that is empty now (the store broke the rule above). */
export class RawResidualError extends Error {
  override name = "RawResidualError";
}

/** Whether stored raw bytes are a residual (else: a full proto, kept as written). */
export function isResidual(raw: Uint8Array): boolean {
  return raw.length >= 2 && raw[0] === RESIDUAL_MARK;
}

// Column codes (stored: never renumber). Length-delimited ones first, then varints. Changing a
// code, a column's encoding or the walked messages (CHILDREN) needs a new VERSION whose rebuild
// still reads the residuals of this one.
const C_ID = 1, C_CHAT = 2, C_SENDER = 3, C_TEXT = 4, C_QUOTED = 5, C_MIME = 6, C_FILE_NAME = 7, C_DIRECT_PATH = 8, C_URL = 9;
const C_MEDIA_KEY = 10, C_SHA = 11, C_ENC_SHA = 12, C_TS = 13, C_FILE_LENGTH = 14, C_DURATION = 15, C_KEY_TS = 16;

/** A text column's value as stored (null: none, or a LID, which is never stripped); undefined for the other columns. */
function columnText(c: RawColumns, code: number): string | null | undefined {
  const md = c.media;
  switch (code) {
    case C_ID:
      return c.id;
    case C_CHAT:
      return isLidJid(c.chatJid) ? null : c.chatJid;
    case C_SENDER:
      return c.senderId === null || isLidJid(c.senderId) ? null : c.senderId;
    case C_TEXT:
      return c.text;
    case C_QUOTED:
      return c.quotedId;
    case C_MIME:
      return md?.mimetype ?? null;
    case C_FILE_NAME:
      return md?.fileName ?? null;
    case C_DIRECT_PATH:
      return md?.directPath ?? null;
    case C_URL:
      return md?.url ?? null;
  }
  return undefined;
}

/** A column's value as the wire bytes of its field (payload of a length-delimited field, or a varint). */
function columnBytes(c: RawColumns, code: number): Uint8Array | null {
  const text = columnText(c, code);
  if (text !== undefined) return utf8(text);
  const md = c.media;
  switch (code) {
    case C_MEDIA_KEY:
      return nonEmpty(md?.mediaKey);
    case C_SHA:
      return nonEmpty(md?.fileSha256);
    case C_ENC_SHA:
      return nonEmpty(md?.fileEncSha256);
    case C_TS:
      return varint(c.ts % 1000 === 0 ? c.ts / 1000 : null);
    case C_FILE_LENGTH:
      return varint(md?.fileLength);
    case C_DURATION:
      return varint(md?.durationSec);
    case C_KEY_TS:
      return varint(md?.mediaKeyTimestamp != null && md.mediaKeyTimestamp % 1000 === 0 ? md.mediaKeyTimestamp / 1000 : null);
  }
  return null;
}

// ASCII without NUL: its UTF-8 bytes are its char codes (no need to make them to compare).
// eslint-disable-next-line no-control-regex
const PLAIN_ASCII = /^[\u0001-\u007f]+$/;

/**
 * A column's value as `columnBytes` gives it, or as the string itself when that is plain ASCII:
 * the same bytes to compare a field with, without making them (most columns match no field).
 */
function columnCandidate(c: RawColumns, code: number): Uint8Array | string | null {
  const text = columnText(c, code);
  if (text !== undefined && text !== null && PLAIN_ASCII.test(text)) return text;
  return columnBytes(c, code);
}

const LEN_CODES = [C_ID, C_CHAT, C_SENDER, C_TEXT, C_QUOTED, C_MIME, C_FILE_NAME, C_DIRECT_PATH, C_URL, C_MEDIA_KEY, C_SHA, C_ENC_SHA];
const VARINT_CODES = [C_TS, C_FILE_LENGTH, C_DURATION, C_KEY_TS];

const encoder = new TextEncoder();

// Text that reads back from either database exactly as bound: no NUL (sql.js reads text up to
// it) and no lone surrogate (UTF-8 cannot carry it). Empty strings save nothing.
function utf8(s: string | null | undefined): Uint8Array | null {
  if (!s || s.includes("\u0000") || /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)) return null;
  return encoder.encode(s);
}

function nonEmpty(b: Uint8Array | null | undefined): Uint8Array | null {
  return b && b.length > 0 ? b : null;
}

function varint(n: number | null | undefined): Uint8Array | null {
  if (n === null || n === undefined || !Number.isSafeInteger(n) || n < 0) return null;
  const out: number[] = [];
  pushVarint(out, n);
  return Uint8Array.from(out);
}

// --- the messages walked: which length-delimited fields are sub-messages ---

type Kind = "info" | "key" | "message" | "futureProof" | "content" | "context";

/** `Message` fields holding a `FutureProofMessage` (a wrapper around another `Message`). */
const FUTURE_PROOF = [37, 40, 53, 55, 58, 59, 62, 67, 74, 85, 87, 90, 91, 92, 93, 95, 96, 99, 100, 101, 103, 104, 106];
/** `Message` fields whose content carries text or media: image, extended text, document, audio, video, sticker, ptv. */
const CONTENT = [3, 6, 7, 8, 9, 26, 66];

const CHILDREN: Record<Kind, ReadonlyMap<number, Kind>> = {
  // WebMessageInfo: key, message.
  info: new Map([[1, "key"], [2, "message"]]),
  key: new Map(),
  message: new Map<number, Kind>([...FUTURE_PROOF.map((f) => [f, "futureProof"] as const), ...CONTENT.map((f) => [f, "content"] as const)]),
  futureProof: new Map([[1, "message"]]),
  // contextInfo (17): stanzaId, the quoted id.
  content: new Map([[17, "context"]]),
  context: new Map(),
};

/** A malformed or unexpected encoding: the raw is kept full. */
class WireError extends Error {}

function readVarint(b: Uint8Array, p: number, end: number): [value: number, next: number] {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (p >= end) throw new WireError();
    const byte = b[p++]!;
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) return [v, p];
    mul *= 0x80;
  }
  throw new WireError();
}

function pushVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

function equalBytes(b: Uint8Array, at: number, v: Uint8Array): boolean {
  for (let i = 0; i < v.length; i++) if (b[at + i] !== v[i]) return false;
  return true;
}

/** Whether the bytes at `at` are the UTF-8 of `ascii` (plain ASCII: its char codes). */
function equalAscii(b: Uint8Array, at: number, ascii: string): boolean {
  for (let i = 0; i < ascii.length; i++) if (b[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Output under construction: byte runs and copied slices, joined once at the end. */
class Parts {
  parts: Uint8Array[] = [];
  size = 0;
  add(p: Uint8Array): void {
    this.parts.push(p);
    this.size += p.length;
  }
  bytes(prefix: number[] = []): Uint8Array {
    const out = new Uint8Array(prefix.length + this.size);
    out.set(prefix, 0);
    let at = prefix.length;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

interface Candidates {
  len: Array<[code: number, value: Uint8Array | string]>;
  varint: Array<[code: number, value: Uint8Array | string]>;
}

/** What a rewrite does with the leaf fields it meets (null: keep the field as it is). */
interface Rewriter {
  varint(b: Uint8Array, field: number, at: number, end: number): Uint8Array | null;
  bytes(b: Uint8Array, field: number, at: number, end: number): Uint8Array | null;
  /** A placeholder's field (absent: placeholders are malformed input). */
  placeholder?(field: number, code: number): Uint8Array;
}

/**
 * The residual of `raw` against the row's values, or `raw` itself when nothing is worth
 * stripping (or the bytes are not a protobuf message this walk understands).
 */
export function residualRaw(raw: Uint8Array, cols: RawColumns): Uint8Array {
  if (raw.length === 0 || raw[0] === RESIDUAL_MARK) return raw;
  const cands: Candidates = { len: [], varint: [] };
  for (const code of LEN_CODES) {
    const v = columnCandidate(cols, code);
    if (v) cands.len.push([code, v]);
  }
  for (const code of VARINT_CODES) {
    const v = columnBytes(cols, code);
    if (v && v.length > 1) cands.varint.push([code, v]); // a one-byte varint saves nothing
  }
  const match = (list: Candidates["len"]) => (b: Uint8Array, field: number, at: number, end: number) => {
    for (const [code, v] of list) {
      if (v.length === end - at && (typeof v === "string" ? equalAscii(b, at, v) : equalBytes(b, at, v))) return placeholder(field, code);
    }
    return null;
  };
  try {
    const cut = rewrite(raw, 0, raw.length, "info", { varint: match(cands.varint), bytes: match(cands.len) });
    return cut ? cut.bytes([RESIDUAL_MARK, VERSION]) : raw;
  } catch (e) {
    if (e instanceof WireError) return raw;
    throw e;
  }
}

function placeholder(field: number, code: number): Uint8Array {
  const out: number[] = [];
  pushVarint(out, field * 8 + 7);
  out.push(code);
  return Uint8Array.from(out);
}

/**
 * The full raw bytes: a residual rebuilt from its row's values, anything else as it is.
 * Throws `RawResidualError` if a placeholder's column is empty or malformed bytes are met.
 */
export function fullRaw(stored: Uint8Array, cols: RawColumns): Uint8Array {
  if (!isResidual(stored)) return stored;
  if (stored[1] !== VERSION) throw new RawResidualError(`Unknown residual proto version ${stored[1]}`);
  const keep = () => null;
  const put = (field: number, code: number): Uint8Array => {
    const v = columnBytes(cols, code);
    if (!v) throw new RawResidualError(`A stored residual proto needs column ${code}, which is empty`);
    const isVarint = VARINT_CODES.includes(code);
    const head: number[] = [];
    pushVarint(head, field * 8 + (isVarint ? 0 : 2));
    if (!isVarint) pushVarint(head, v.length);
    const part = new Parts();
    part.add(v);
    return part.bytes(head);
  };
  try {
    return rewrite(stored, 2, stored.length, "info", { varint: keep, bytes: keep, placeholder: put })?.bytes() ?? stored.slice(2);
  } catch (e) {
    if (e instanceof WireError) throw new RawResidualError("A stored residual proto is malformed");
    throw e;
  }
}

/** The fields of one message (of `kind`) with the rewriter's replacements; null when none. */
function rewrite(b: Uint8Array, start: number, end: number, kind: Kind, rw: Rewriter): Parts | null {
  const children = CHILDREN[kind];
  let out: Parts | null = null;
  let copied = start; // the bytes before this are in `out` (once it exists)
  let p = start;
  while (p < end) {
    const fieldStart = p;
    const [tag, afterTag] = readVarint(b, p, end);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let replaced: Uint8Array | null = null;
    if (wire === 0) {
      p = readVarint(b, afterTag, end)[1];
      replaced = rw.varint(b, field, afterTag, p);
    } else if (wire === 2) {
      const [len, at] = readVarint(b, afterTag, end);
      p = at + len;
      if (p > end) throw new WireError();
      const child = children.get(field);
      if (child) {
        const inner = rewrite(b, at, p, child, rw);
        if (inner) {
          const head: number[] = [];
          pushVarint(head, tag);
          pushVarint(head, inner.size);
          replaced = inner.bytes(head);
        }
      } else replaced = rw.bytes(b, field, at, p);
    } else if (wire === 7 && rw.placeholder) {
      if (afterTag >= end) throw new WireError();
      p = afterTag + 1;
      replaced = rw.placeholder(field, b[afterTag]!);
    } else if (wire === 1) p = afterTag + 8;
    else if (wire === 5) p = afterTag + 4;
    else throw new WireError(); // groups (never written by protobufjs for proto3) and invalid types
    if (p > end) throw new WireError();
    if (replaced) {
      out ??= new Parts();
      if (fieldStart > copied) out.add(b.subarray(copied, fieldStart));
      out.add(replaced);
      copied = p;
    }
  }
  if (out && end > copied) out.add(b.subarray(copied, end));
  return out;
}

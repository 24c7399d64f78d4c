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
 * as they are. Version 2 (`CANONICAL`) is the short form of the most common version 1 residual,
 * a plain text message whose every field is a column (the key, the text, the time, a status):
 * `RESIDUAL_MARK`, 2, a flags byte and the status (see `canonicalBytes`), 3 or 4 bytes instead of
 * 16 to 20; it reads as the version 1 residual it stands for. Version 1 residuals stay readable.
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
import { grownBuffer } from "./grow_bytes.ts";
import { putVarint, readVarint, varintEnd, varintSize, WIRE_ERROR, WireError } from "./proto_wire.ts";

/** First byte of a residual (field 0 with wire type 7: never the start of a protobuf message). */
export const RESIDUAL_MARK = 0x07;
const VERSION = 1;
/** The version byte of the short form of a plain text message's residual (`canonicalBytes`). */
const CANONICAL = 2;

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

/**
 * A column's value before encoding: text, bytes, or an unsigned integer (a varint); null when the
 * column has none worth cutting against (LID chats and senders are never stripped).
 */
function columnValue(c: RawColumns, code: number): string | Uint8Array | number | null | undefined {
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
      return md?.mimetype;
    case C_FILE_NAME:
      return md?.fileName;
    case C_DIRECT_PATH:
      return md?.directPath;
    case C_URL:
      return md?.url;
    case C_MEDIA_KEY:
      return md?.mediaKey;
    case C_SHA:
      return md?.fileSha256;
    case C_ENC_SHA:
      return md?.fileEncSha256;
    case C_TS:
      return c.ts % 1000 === 0 ? c.ts / 1000 : null;
    case C_FILE_LENGTH:
      return md?.fileLength;
    case C_DURATION:
      return md?.durationSec;
    case C_KEY_TS:
      return md?.mediaKeyTimestamp != null && md.mediaKeyTimestamp % 1000 === 0 ? md.mediaKeyTimestamp / 1000 : null;
  }
  return null;
}

/** A column's value as the wire bytes of its field (payload of a length-delimited field, or a varint). */
function columnBytes(c: RawColumns, code: number): Uint8Array | null {
  const v = columnValue(c, code);
  if (typeof v === "number") return varint(v);
  if (v instanceof Uint8Array) return nonEmpty(v);
  return utf8(v);
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

/** Whether `n` is written as a varint column (a safe unsigned integer). */
function isVarintValue(n: number | null | undefined): n is number {
  return n !== null && n !== undefined && Number.isSafeInteger(n) && n >= 0;
}

function varint(n: number | null | undefined): Uint8Array | null {
  if (!isVarintValue(n)) return null;
  const out: number[] = [];
  pushVarint(out, n);
  return Uint8Array.from(out);
}

// --- the messages walked: which length-delimited fields are sub-messages ---

/** The messages walked, as indexes into `CHILDREN`. */
const INFO = 0, KEY = 1, MESSAGE = 2, FUTURE_PROOF_KIND = 3, CONTENT_KIND = 4, CONTEXT = 5;

/** `Message` fields holding a `FutureProofMessage` (a wrapper around another `Message`). */
export const FUTURE_PROOF = [37, 40, 53, 55, 58, 59, 62, 67, 74, 85, 87, 90, 91, 92, 93, 95, 96, 99, 100, 101, 103, 104, 106];
/** `Message` fields whose content carries text or media: image, extended text, document, audio, video, sticker, ptv. */
export const CONTENT = [3, 6, 7, 8, 9, 26, 66];

/** Fields at or past this number are never sub-messages the walk enters. */
const FIELD_LIMIT = 128;

/** Per kind, field number -> 1 + the kind of the sub-message it holds (0: a leaf), so the walk indexes instead of hashing. */
function childTable(pairs: ReadonlyArray<readonly [number, number]>): Uint8Array {
  const t = new Uint8Array(FIELD_LIMIT);
  for (const [field, kind] of pairs) t[field] = kind + 1;
  return t;
}

const CHILDREN: readonly Uint8Array[] = [
  // WebMessageInfo: key, message.
  childTable([[1, KEY], [2, MESSAGE]]),
  childTable([]),
  childTable([...FUTURE_PROOF.map((f) => [f, FUTURE_PROOF_KIND] as const), ...CONTENT.map((f) => [f, CONTENT_KIND] as const)]),
  childTable([[1, MESSAGE]]),
  // contextInfo (17): stanzaId, the quoted id.
  childTable([[17, CONTEXT]]),
  childTable([]),
];

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

/**
 * Whether `b[at, end)` is the UTF-8 of `s` and `s` is text `utf8` keeps (not empty, no NUL, no
 * lone surrogate): the comparison `utf8(s)` then an equality would make, without encoding `s`.
 */
function equalsText(b: Uint8Array, at: number, end: number, s: string): boolean {
  const n = s.length;
  const len = end - at;
  if (n === 0 || len < n || len > 3 * n) return false;
  let j = at;
  let i = 0;
  // ASCII first (ids, JIDs and most text): one comparison per unit.
  for (; i < n; i++, j++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c === 0) break;
    if (b[j] !== c) return false;
  }
  if (i === n) return j === end;
  for (; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0 || b[j++] !== c) return false;
    } else if (c < 0x800) {
      if (b[j++] !== (0xc0 | (c >> 6)) || b[j++] !== (0x80 | (c & 0x3f))) return false;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = c <= 0xdbff && i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return false; // a lone surrogate
      i++;
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      if (
        b[j++] !== (0xf0 | (c >> 18)) || b[j++] !== (0x80 | ((c >> 12) & 0x3f)) || b[j++] !== (0x80 | ((c >> 6) & 0x3f)) ||
        b[j++] !== (0x80 | (c & 0x3f))
      ) return false;
    } else if (b[j++] !== (0xe0 | (c >> 12)) || b[j++] !== (0x80 | ((c >> 6) & 0x3f)) || b[j++] !== (0x80 | (c & 0x3f))) {
      return false;
    }
  }
  return j === end;
}

/** Whether `b[at, end)` is the shortest varint of `n`, longer than one byte (a one-byte varint saves nothing). */
function equalsVarint(b: Uint8Array, at: number, end: number, n: number): boolean {
  if (end - at < 2 || end - at !== varintSize(n)) return false;
  let j = at;
  while (n >= 0x80) {
    if (b[j++] !== ((n % 0x80) | 0x80)) return false;
    n = Math.floor(n / 0x80);
  }
  return b[j] === n;
}

/** A residual slab's size: residuals are cut one after another into it and handed out as views. */
const SLAB = 65536;

/**
 * The output under construction, from `base` to `at` in `buf` (the walks are synchronous and never
 * nested). A cut's bytes are handed out as a view of `buf` and the next cut starts after them,
 * so a slab is allocated once per many residuals instead of one array each (a residual lives as
 * long as its row's write: it keeps no more than one slab alive). A rebuilt raw is copied out.
 */
const out = {
  buf: new Uint8Array(SLAB),
  base: 0,
  at: 0,
  /** Starts an output needing about `n` bytes: in a new slab if this one has not that much left. */
  begin(n: number): void {
    if (this.buf.length - this.base < n) {
      this.buf = new Uint8Array(Math.max(SLAB, n));
      this.base = 0;
    }
    this.at = this.base;
  },
  ensure(n: number): void {
    if (this.at + n > this.buf.length) this.buf = grownBuffer(this.buf, this.at, n);
  },
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.at++] = n;
  },
  copy(b: Uint8Array, from: number, to: number): void {
    this.ensure(to - from);
    const buf = this.buf;
    if (to - from > 32) buf.set(b.subarray(from, to), this.at);
    else for (let i = from; i < to; i++) buf[this.at + i - from] = b[i]!;
    this.at += to - from;
  },
  /** The bytes written, as a view kept out of later outputs. */
  takeView(): Uint8Array {
    const bytes = this.buf.subarray(this.base, this.at);
    this.base = this.at;
    return bytes;
  },
  /** The bytes written, as a new array (nothing of the slab kept). */
  takeCopy(): Uint8Array {
    const bytes = this.buf.slice(this.base, this.at);
    this.at = this.base;
    return bytes;
  },
  /** Drops what was written. */
  drop(): void {
    this.at = this.base;
  },
};

/**
 * What a rewrite does with the leaf fields it meets: writes a replacement to `out` and returns
 * true, or returns false to keep the field as it is.
 */
interface Rewriter {
  varint(b: Uint8Array, field: number, at: number, end: number): boolean;
  bytes(b: Uint8Array, field: number, at: number, end: number): boolean;
  /** Writes a placeholder's field (absent: placeholders are malformed input). */
  placeholder?(field: number, code: number): void;
}

/**
 * The columns the current cut compares against, in code order (set by `residualRaw`; module
 * state, not a closure per call, since the cuts are synchronous and never nested): text or bytes
 * (null: none), and varints (-1: none).
 */
const lenValues: (string | Uint8Array | null)[] = LEN_CODES.map(() => null);
const varintValues: number[] = VARINT_CODES.map(() => -1);

/** The cut: a field equal to a column (the first in code order) becomes that column's placeholder. */
const cutter: Rewriter = {
  bytes(b, field, at, end) {
    const len = end - at;
    for (let i = 0; i < lenValues.length; i++) {
      const v = lenValues[i];
      if (v === null) continue;
      if (typeof v === "string") {
        // equalsText's own length bounds, checked here first: most columns are ruled out by them.
        const n = v.length;
        if (len < n || len > 3 * n || !equalsText(b, at, end, v)) continue;
      } else if (v.length === 0 || v.length !== len || !equalBytes(b, at, v)) continue;
      return placeholder(field, LEN_CODES[i]!);
    }
    return false;
  },
  varint(b, field, at, end) {
    if (end - at < 2) return false; // a one-byte varint saves nothing (equalsVarint's first rule)
    for (let i = 0; i < varintValues.length; i++) {
      const v = varintValues[i]!;
      if (v >= 0 && equalsVarint(b, at, end, v)) return placeholder(field, VARINT_CODES[i]!);
    }
    return false;
  },
};

/**
 * The residual of `raw` against the row's values, or `raw` itself when nothing is worth
 * stripping (or the bytes are not a protobuf message this walk understands).
 */
export function residualRaw(raw: Uint8Array, cols: RawColumns): Uint8Array {
  if (raw.length === 0 || raw[0] === RESIDUAL_MARK) return raw;
  for (let i = 0; i < LEN_CODES.length; i++) {
    const v = columnValue(cols, LEN_CODES[i]!);
    lenValues[i] = v === null || v === undefined || typeof v === "number" ? null : v;
  }
  for (let i = 0; i < VARINT_CODES.length; i++) {
    const v = columnValue(cols, VARINT_CODES[i]!);
    varintValues[i] = typeof v === "number" && isVarintValue(v) ? v : -1;
  }
  // A cut is never longer than its raw plus the two bytes of mark and version.
  out.begin(raw.length + 2);
  out.buf[out.at++] = RESIDUAL_MARK;
  out.buf[out.at++] = VERSION;
  try {
    if (!rewrite(raw, 0, raw.length, INFO, cutter)) {
      out.drop();
      return raw;
    }
    const short = canonicalForm(out.buf, out.base, out.at);
    if (short !== null) {
      out.drop();
      return short;
    }
    return out.takeView();
  } catch (e) {
    out.drop();
    if (e instanceof WireError) return raw;
    throw e;
  } finally {
    lenValues.fill(null); // no row's values kept alive between calls
  }
}

function placeholder(field: number, code: number): true {
  out.varint(field * 8 + 7);
  out.ensure(1);
  out.buf[out.at++] = code;
  return true;
}

const keep = (): boolean => false;

/**
 * The full raw bytes: a residual rebuilt from its row's values, anything else as it is.
 * Throws `RawResidualError` if a placeholder's column is empty or malformed bytes are met.
 */
export function fullRaw(stored: Uint8Array, cols: RawColumns): Uint8Array {
  if (!isResidual(stored)) return stored;
  stored = versionOneResidual(stored);
  if (stored[1] !== VERSION) throw new RawResidualError(`Unknown residual proto version ${stored[1]}`);
  const put = (field: number, code: number): void => {
    const v = columnBytes(cols, code);
    if (!v) throw new RawResidualError(`A stored residual proto needs column ${code}, which is empty`);
    const isVarint = VARINT_CODES.includes(code);
    out.varint(field * 8 + (isVarint ? 0 : 2));
    if (!isVarint) out.varint(v.length);
    out.copy(v, 0, v.length);
  };
  // Room for the columns put back too, mostly, so the slab is seldom grown (a growth copies all of it).
  out.begin(stored.length + 1024);
  try {
    return rewrite(stored, 2, stored.length, INFO, { varint: keep, bytes: keep, placeholder: put }) ? out.takeCopy() : stored.slice(2);
  } catch (e) {
    if (e instanceof WireError) throw new RawResidualError("A stored residual proto is malformed");
    throw e;
  } finally {
    out.drop();
  }
}

// --- the short form (version 2) ---

const F_FROM_ME = 1, F_PARTICIPANT = 2, F_STATUS = 4;

/**
 * The version 1 residual a short form stands for: a `WebMessageInfo` of a key (the chat, fromMe
 * as flag bit 0, the id, the sender as participant when bit 1), a message of only a
 * `conversation` (the text), the time, and a status (the byte after the flags) when bit 2 is set.
 */
function canonicalBytes(flags: number, status: number): Uint8Array {
  const key = [0x0f, C_CHAT, 0x10, flags & F_FROM_ME, 0x1f, C_ID];
  if (flags & F_PARTICIPANT) key.push(0x27, C_SENDER);
  const b = [RESIDUAL_MARK, VERSION, 0x0a, key.length, ...key, 0x12, 0x02, 0x0f, C_TEXT, 0x1f, C_TS];
  if (flags & F_STATUS) b.push(0x20, status);
  return Uint8Array.from(b);
}

/** canonicalBytes' answers, by flags * 128 + status (for comparison only: never handed out, never changed). */
const expectedForms: Array<Uint8Array | undefined> = [];

/** The short form of the version 1 residual in `b[from, to)`, or null when it is not a plain text message's. */
function canonicalForm(b: Uint8Array, from: number, to: number): Uint8Array | null {
  const n = to - from;
  if (n < 16 || n > 20 || b[from + 2] !== 0x0a) return null;
  const fromMe = b[from + 7]!;
  if (fromMe > 1) return null;
  const participant = b[from + 3] === 8;
  const hasStatus = n - (participant ? 18 : 16) === 2;
  const status = hasStatus ? b[to - 1]! : 0;
  if (status >= 0x80) return null;
  const flags = fromMe | (participant ? F_PARTICIPANT : 0) | (hasStatus ? F_STATUS : 0);
  // Cached: building it was a third of a plain message's cut.
  const expected = (expectedForms[flags * 128 + status] ??= canonicalBytes(flags, status));
  if (expected.length !== n || !equalBytes(b, from, expected)) return null;
  const short = new Uint8Array(hasStatus ? 4 : 3);
  short[0] = RESIDUAL_MARK;
  short[1] = CANONICAL;
  short[2] = flags;
  if (hasStatus) short[3] = status;
  return short;
}

/** A stored residual as version 1 (a short form expanded; any other as it is). */
export function versionOneResidual(stored: Uint8Array): Uint8Array {
  if (stored.length < 3 || stored[0] !== RESIDUAL_MARK || stored[1] !== CANONICAL) return stored;
  const flags = stored[2]!;
  if (flags > 7 || (flags & F_STATUS ? stored.length !== 4 : stored.length !== 3)) {
    throw new RawResidualError("A stored short residual proto is malformed");
  }
  return canonicalBytes(flags, stored[3] ?? 0);
}

/**
 * Writes the fields of one message (of `kind`) to `out` with the rewriter's replacements;
 * returns whether anything was replaced. A field kept (a sub-message with nothing replaced
 * included) is copied byte for byte; a rewritten sub-message gets its tag and new length in
 * their shortest forms.
 */
function rewrite(b: Uint8Array, start: number, end: number, kind: number, rw: Rewriter): boolean {
  const children = CHILDREN[kind]!;
  let changed = false;
  let p = start;
  while (p < end) {
    const fieldStart = p;
    const tag = readVarint(b, p, end);
    const afterTag = varintEnd;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      readVarint(b, afterTag, end);
      p = varintEnd;
      if (rw.varint(b, field, afterTag, p)) {
        changed = true;
        continue;
      }
    } else if (wire === 2) {
      const len = readVarint(b, afterTag, end);
      const at = varintEnd;
      p = at + len;
      if (p > end) throw WIRE_ERROR;
      const child = field < FIELD_LIMIT ? children[field]! : 0;
      if (child !== 0) {
        const mark = out.at;
        out.varint(tag);
        // Room for the new length: as many bytes as the old one took. A cut only shrinks a
        // body, so its length mostly still takes as many and the body never moves.
        const room = at - afterTag;
        out.ensure(room);
        const lenAt = out.at;
        const bodyAt = lenAt + room;
        out.at = bodyAt;
        if (rewrite(b, at, p, child - 1, rw)) {
          const bodyLen = out.at - bodyAt;
          const need = varintSize(bodyLen);
          if (need !== room) {
            out.ensure(need > room ? need - room : 0);
            out.buf.copyWithin(lenAt + need, bodyAt, bodyAt + bodyLen);
          }
          putVarint(out.buf, lenAt, bodyLen);
          out.at = lenAt + need + bodyLen;
          changed = true;
          continue;
        }
        out.at = mark;
      } else if (rw.bytes(b, field, at, p)) {
        changed = true;
        continue;
      }
    } else if (wire === 7 && rw.placeholder) {
      if (afterTag >= end) throw WIRE_ERROR;
      p = afterTag + 1;
      rw.placeholder(field, b[afterTag]!);
      changed = true;
      continue;
    } else if (wire === 1) p = afterTag + 8;
    else if (wire === 5) p = afterTag + 4;
    else throw WIRE_ERROR; // groups (never written by protobufjs for proto3) and invalid types
    if (p > end) throw WIRE_ERROR;
    out.copy(b, fieldStart, p);
  }
  return changed;
}

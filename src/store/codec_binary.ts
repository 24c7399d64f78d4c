/**
 * The binary wire form of a write batch, used by the sql.js journal: the same values as the
 * JSON form (`codec.ts`: plain objects, arrays, strings, finite numbers, booleans, null and
 * Uint8Array), with bytes stored as bytes instead of base64 and every object key written once
 * per batch, so a batch of 1000 messages encodes and decodes several times faster than as JSON.
 *
 *   payload = 0xB1 version value
 *   value   = 0 null | 1 false | 2 true | 3 int32 (4 bytes) | 4 float64 (8 bytes)
 *           | 5 string (varint byte length, UTF-8) | 6 bytes (varint length, raw)
 *           | 7 array (varint count, values) | 8 object (varint count, (key, value)...)
 *           | 9 string ref (varint n: the n-th string value of this payload again; version 2 only)
 *   key     = varint n: n > 0 is the key defined n-th in this payload; 0 defines the next one
 *             (varint byte length, UTF-8 text follows)
 *
 * Version 1 writes every string value in full; version 2 (the sql.js journal's, `encodeOpsBinaryCopy`)
 * writes a short string met before in the payload as a ref (a batch names its chats, senders and
 * types again and again): a replay reads them as an array look-up instead of decoding the text
 * again (decoding strings was three quarters of a journal record's decode). Both are read;
 * `encodeOpsBinary` (stored by other parts, which an older build may read) still writes version 1.
 *
 * Little-endian; varints are LEB128 (7 bits a byte, low bits first; padded forms accepted). The
 * values kept are exactly JSON's: undefined object fields are dropped, undefined array items
 * become null, `toJSON` is honoured. Values JSON would silently change or drop (NaN, Infinity,
 * functions, symbols) or cannot hold (bigint, circular structures) are refused with a
 * TypeError, so a batch is either recorded exactly or not at all. JSON payloads (journals written before this format) start
 * with "[" and are still read (`decodeJournalPayload`). Pure and runtime-neutral.
 */
import { decodeOps } from "./codec.ts";
import { grownBuffer } from "./grow_bytes.ts";
import { rowMaker } from "./sqljs/row_maker.ts";

const MAGIC0 = 0xb1;
const VERSION = 0x01;
/** The version with string refs (T_STRING_REF). */
const VERSION_REFS = 0x02;

const T_NULL = 0;
const T_FALSE = 1;
const T_TRUE = 2;
const T_INT = 3;
const T_FLOAT = 4;
const T_STRING = 5;
const T_BYTES = 6;
const T_ARRAY = 7;
const T_OBJECT = 8;
const T_STRING_REF = 9;

/** Longest string (UTF-16 units) a version 2 writer looks up for a ref; longer ones are written in full, and still numbered. */
const REF_UNITS = 64;

/** Deeper nesting is refused (ops are a few levels deep; this also stops circular structures). */
const MAX_DEPTH = 64;

/** Bytes of a padded varint able to hold 3 * n (the most UTF-8 bytes n UTF-16 units can take). */
function slotFor(units: number): number {
  const max = units * 3;
  return max < 0x80 ? 1 : max < 0x4000 ? 2 : max < 0x20_0000 ? 3 : max < 0x1000_0000 ? 4 : 5;
}

/** What `copy` mode builds for one value: exactly what decoding it gives back. */
type Copied = unknown;

const SURROGATE = /[\uD800-\uDFFF]/;
const utf8Out = new TextEncoder();
const utf8In = new TextDecoder();

/** A string as it comes back from UTF-8: a lone surrogate cannot be encoded and becomes U+FFFD. */
function asDecoded(s: string): string {
  return SURROGATE.test(s) ? utf8In.decode(utf8Out.encode(s)) : s;
}

class Writer {
  buf: Uint8Array;
  view: DataView;
  at = 0;
  keys = new Map<string, number>();
  /** Copy mode: each defined key as it decodes (`decodedKeys[n - 1]` for key n). */
  private readonly decodedKeys: string[] = [];
  /** Copy mode: the key sequences of this payload's objects, as the decoder's (`Reader.shapes`). */
  private readonly shapes: Shape = { next: [], names: [], make: null };
  /** Copy mode: values of the objects being written, one array per depth (a maker copies them out). */
  private readonly scratch: unknown[][] = [];
  /** Version 2: the short string values written so far, by text: their number and what they decode as. */
  private readonly strings: Map<string, { n: number; decoded: string }> | null;
  /** Version 2: string values written in full so far (each is numbered, short or not). */
  private stringCount = 0;
  private readonly utf8 = new TextEncoder();

  /** copy: also build the value a decode of the output would give (see `encodeOpsBinaryCopy`); refs: write version 2. */
  constructor(size: number, readonly copy = false, refs = false) {
    this.strings = refs ? new Map() : null;
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    this.buf = grownBuffer(this.buf, this.at, n);
    this.view = new DataView(this.buf.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.at++] = b;
  }

  varint(n: number): void {
    this.ensure(5);
    while (n >= 0x80) {
      this.buf[this.at++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.at++] = n;
  }

  /**
   * UTF-8 text with its byte length in front (a padded varint slot, filled in afterwards).
   * Returns whether `s` is all ASCII (then it decodes back as it is: no surrogate to replace).
   */
  text(s: string): boolean {
    const n = s.length;
    const slot = slotFor(n);
    this.ensure(slot + n * 3);
    const start = this.at + slot;
    const buf = this.buf;
    let o = start;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[o++] = c;
    }
    if (i < n) o += this.utf8.encodeInto(s.slice(i), buf.subarray(o)).written;
    let len = o - start;
    for (let k = 0; k < slot; k++) {
      buf[this.at + k] = (len & 0x7f) | (k < slot - 1 ? 0x80 : 0);
      len >>>= 7;
    }
    this.at = o;
    return i === n;
  }

  /** A string value: in full, or (version 2) as a ref to the same text written before. */
  string(v: string): Copied {
    const strings = this.strings;
    if (strings === null) {
      this.byte(T_STRING);
      return this.text(v) || !this.copy ? v : asDecoded(v);
    }
    const short = v.length <= REF_UNITS;
    const seen = short ? strings.get(v) : undefined;
    if (seen !== undefined) {
      this.byte(T_STRING_REF);
      this.varint(seen.n);
      return seen.decoded;
    }
    this.byte(T_STRING);
    const decoded = this.text(v) || !this.copy ? v : asDecoded(v);
    this.stringCount++;
    if (short) strings.set(v, { n: this.stringCount, decoded });
    return decoded;
  }

  /** Writes `v`; in copy mode returns what decoding it gives (else undefined). */
  value(v: unknown, key: string, depth: number): Copied {
    if (v === null) {
      this.byte(T_NULL);
      return null;
    }
    switch (typeof v) {
      case "string":
        return this.string(v);
      case "number":
        if (Number.isInteger(v) && v >= -0x8000_0000 && v <= 0x7fff_ffff && !Object.is(v, -0)) {
          this.ensure(5);
          this.buf[this.at] = T_INT;
          this.view.setInt32(this.at + 1, v, true);
          this.at += 5;
          return v;
        }
        if (!Number.isFinite(v)) throw new TypeError(`Cannot encode ops: ${key || "value"} is ${v} (not representable in JSON)`);
        this.ensure(9);
        this.buf[this.at] = T_FLOAT;
        this.view.setFloat64(this.at + 1, v, true);
        this.at += 9;
        return v;
      case "boolean":
        this.byte(v ? T_TRUE : T_FALSE);
        return v;
      case "object":
        if (depth > MAX_DEPTH) throw new TypeError(`Cannot encode ops: nested more than ${MAX_DEPTH} deep (or circular) at ${key || "value"}`);
        return this.object(v as object, key, depth);
      default:
        throw new TypeError(`Cannot encode ops: ${key || "value"} is a ${typeof v}`);
    }
  }

  object(v: object, key: string, depth: number): Copied {
    if (v instanceof Uint8Array) {
      this.byte(T_BYTES);
      this.varint(v.length);
      this.ensure(v.length);
      this.buf.set(v, this.at);
      this.at += v.length;
      // A plain Uint8Array, as decoding gives (a Buffer comes back as a Uint8Array too): a view of
      // the writer's own buffer, which nothing writes again (a copy each cost ~1 µs a message raw);
      // the payload is a copy of its own, so nothing done to these bytes reaches the journal.
      return this.copy ? this.buf.subarray(this.at - v.length, this.at) : undefined;
    }
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return this.value(toJSON.call(v, key), key, depth + 1);
    if (Array.isArray(v)) {
      this.byte(T_ARRAY);
      this.varint(v.length);
      const out: unknown[] | undefined = this.copy ? new Array(v.length) : undefined;
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        // JSON: undefined in arrays becomes null.
        if (item === undefined) {
          this.byte(T_NULL);
          if (out) out[i] = null;
        } else {
          const c = this.value(item, String(i), depth + 1);
          if (out) out[i] = c;
        }
      }
      return out;
    }
    const rec = v as Record<string, unknown>;
    const names = Object.keys(rec);
    let count = 0;
    for (const k of names) if (rec[k] !== undefined) count++;
    this.byte(T_OBJECT);
    this.varint(count);
    // Copy mode: the object the decoder builds, the same way (`Reader.shaped`: its key sequence's maker).
    const shaped = this.copy && count > 0 && count <= MAX_SHAPE_KEYS;
    const values = shaped ? (this.scratch[depth] ??= []) : undefined;
    let shape = this.shapes;
    let at = 0;
    const out: Record<string, unknown> | undefined = this.copy && !shaped ? {} : undefined;
    for (const k of names) {
      const item = rec[k];
      if (item === undefined) continue;
      let known = this.keys.get(k);
      if (known !== undefined) this.varint(known);
      else {
        this.byte(0);
        this.text(k);
        known = this.keys.size + 1;
        this.keys.set(k, known);
        if (this.copy) this.decodedKeys.push(asDecoded(k));
      }
      if (values !== undefined) {
        let next = shape.next[known];
        if (next === undefined) {
          next = { next: [], names: [...shape.names, this.decodedKeys[known - 1]!], make: undefined };
          shape.next[known] = next;
        }
        shape = next;
      }
      const c = this.value(item, k, depth + 1);
      if (values !== undefined) values[at++] = c;
      // The same assignment the decoder makes (so even a "__proto__" key behaves the same).
      else if (out) out[this.decodedKeys[known - 1]!] = c;
    }
    if (values === undefined) return out;
    const make = makerOf(shape);
    if (make !== null) return make(values);
    const made: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) made[shape.names[i]!] = values[i];
    return made;
  }
}

/** Encodes a batch of ops in the binary form. Throws TypeError on unencodable values. */
export function encodeOpsBinary<Op>(ops: readonly Op[]): Uint8Array {
  const w = new Writer(1024 + ops.length * 512);
  w.byte(MAGIC0);
  w.byte(VERSION);
  w.value(ops, "", 0);
  return w.buf.slice(0, w.at);
}

/**
 * Encodes a batch and returns, with it, the ops exactly as `decodeOpsBinary(payload)` would give
 * them back (fresh objects, plain Uint8Arrays viewing a buffer apart from the payload's, JSON's rules), built in the same pass: the journal
 * writer applies what a replay will see without decoding what it has just encoded.
 */
export function encodeOpsBinaryCopy<Op>(ops: readonly Op[]): { payload: Uint8Array; ops: Op[] } {
  const w = new Writer(1024 + ops.length * 512, true, true);
  w.byte(MAGIC0);
  w.byte(VERSION_REFS);
  const copy = w.value(ops, "", 0);
  return { payload: w.buf.slice(0, w.at), ops: copy as Op[] };
}

/** True when `payload` is in the binary form (else it is JSON text). */
export function isBinaryPayload(payload: Uint8Array): boolean {
  return payload.length >= 2 && payload[0] === MAGIC0;
}

/** How a payload is decoded. */
export interface DecodeOptions {
  /**
   * Bytes values as views into the payload's buffer instead of copies: for a caller that drops
   * the ops before that buffer changes (a journal replay: a copy per message raw cost ~1 µs, a
   * new backing store each; a view shares the payload's).
   */
  viewBytes?: boolean;
}

/**
 * Short ASCII strings decoded lately, by a hash of their bytes: a batch names its chats and
 * senders again and again, and a string found here costs a comparison instead of a new string.
 * Direct-mapped (a string replaces whatever shared its slot), so bounded; decoding is synchronous.
 */
const RECENT_BITS = 10;
const recent: Array<string | undefined> = new Array<string | undefined>(1 << RECENT_BITS).fill(undefined);
/** Longest string decoded through `codes` and `recent` (longer ones go to TextDecoder). */
const SHORT_TEXT = 64;
/** One reused array of char codes per length: String.fromCharCode over a plain array costs a third of one over a typed array. */
const codes: number[][] = Array.from({ length: SHORT_TEXT + 1 }, (_, n) => new Array<number>(n).fill(0));

/** Builds an object of one key sequence from its values (`rowMaker`: a literal of fixed shape). */
type ObjectMaker = (values: unknown[]) => Record<string, unknown>;

/**
 * The object makers of the key sequences met, by the sequence (names joined by NUL): a batch's
 * objects have a few shapes (an op, a message, its media), met again in every payload. Bounded:
 * past MAX_SHAPES new sequences are assigned key by key, as before.
 */
const makers = new Map<string, ObjectMaker>();
const MAX_SHAPES = 1024;
/** Objects with more keys than this are assigned key by key. */
const MAX_SHAPE_KEYS = 64;

/** A key sequence met in one payload: its keys by ref (a trie over key refs), and its maker once known (null: none). */
interface Shape {
  /** By key ref (small integers: an array, not a Map). */
  next: Array<Shape | undefined>;
  names: string[];
  make: ObjectMaker | null | undefined;
}

function makerOf(shape: Shape): ObjectMaker | null {
  if (shape.make !== undefined) return shape.make;
  const id = shape.names.join("\u0000");
  let make = makers.get(id) ?? null;
  if (make === null && makers.size < MAX_SHAPES) {
    make = rowMaker(shape.names) as unknown as ObjectMaker;
    makers.set(id, make);
  }
  shape.make = make;
  return make;
}

class Reader {
  at = 2;
  keys: string[] = [];
  /** The key sequences of this payload's objects (their refs are this payload's). */
  private readonly shapes: Shape = { next: [], names: [], make: null };
  /** Values of the objects being read, one array per depth (reused for the next object at that depth: a maker copies them out). */
  private readonly scratch: unknown[][] = [];
  private depth = 0;
  /** Version 2: the string values read so far (a ref's n-th is `strings[n - 1]`); null in version 1. */
  readonly strings: string[] | null;
  readonly view: DataView;
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true });

  constructor(
    readonly buf: Uint8Array,
    private readonly viewBytes = false,
    refs = false,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.strings = refs ? [] : null;
  }

  fail(why: string): never {
    throw new TypeError(`Cannot decode ops: ${why} at byte ${this.at}`);
  }

  varint(): number {
    let n = 0;
    let shift = 0;
    for (;;) {
      if (this.at >= this.buf.length) this.fail("unexpected end");
      const b = this.buf[this.at++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
      shift += 7;
      if (shift > 35) this.fail("bad length");
    }
  }

  /** Text with its byte length in front; `cached`: looked up in (and added to) the cache of recent strings. */
  text(cached = true): string {
    const len = this.varint();
    const end = this.at + len;
    if (end > this.buf.length) this.fail("text runs past the end");
    const buf = this.buf;
    const start = this.at;
    if (len <= SHORT_TEXT && !cached) {
      // Not looked up: a version 2 string value (a payload's repeats are refs), mostly met once.
      const a = codes[len]!;
      let i = 0;
      for (; i < len; i++) {
        const c = buf[start + i]!;
        if (c >= 0x80) break;
        a[i] = c;
      }
      if (i === len) {
        this.at = end;
        return String.fromCharCode.apply(null, a);
      }
    } else if (len <= SHORT_TEXT) {
      let ascii = true;
      let h = len;
      for (let i = start; i < end; i++) {
        const c = buf[i]!;
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        h = Math.imul(h ^ c, 0x0100_0193); // FNV-1a
      }
      if (ascii) {
        this.at = end;
        const slot = h >>> (32 - RECENT_BITS);
        const seen = recent[slot];
        if (seen !== undefined && seen.length === len && sameAscii(seen, buf, start)) return seen;
        const a = codes[len]!;
        for (let i = 0; i < len; i++) a[i] = buf[start + i]!;
        const s = String.fromCharCode.apply(null, a);
        recent[slot] = s;
        return s;
      }
    }
    const s = this.utf8.decode(buf.subarray(this.at, end));
    this.at = end;
    return s;
  }

  /**
   * An object of `n` keys built by the maker of its key sequence: the same object as assigning each
   * key in turn (same keys, order and values), without a generic keyed store per key (~0.2 µs each:
   * half of a journal record's decode).
   */
  shaped(n: number): Record<string, unknown> {
    const d = this.depth++;
    const values = (this.scratch[d] ??= []);
    let shape = this.shapes;
    for (let i = 0; i < n; i++) {
      const ref = this.varint();
      let key: number;
      if (ref === 0) {
        this.keys.push(this.text());
        key = this.keys.length;
      } else {
        if (this.keys[ref - 1] === undefined) this.fail(`unknown key #${ref}`);
        key = ref;
      }
      let next = shape.next[key];
      if (next === undefined) {
        next = { next: [], names: [...shape.names, this.keys[key - 1]!], make: undefined };
        shape.next[key] = next;
      }
      shape = next;
      values[i] = this.value();
    }
    this.depth = d;
    // Values past n (a longer object's before) are not read: a maker reads as many as its names.
    const make = makerOf(shape);
    if (make !== null) return make(values);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) out[shape.names[i]!] = values[i];
    return out;
  }

  value(): unknown {
    if (this.at >= this.buf.length) this.fail("unexpected end");
    const tag = this.buf[this.at++];
    switch (tag) {
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_INT: {
        if (this.at + 4 > this.buf.length) this.fail("unexpected end");
        const v = this.view.getInt32(this.at, true);
        this.at += 4;
        return v;
      }
      case T_FLOAT: {
        if (this.at + 8 > this.buf.length) this.fail("unexpected end");
        const v = this.view.getFloat64(this.at, true);
        this.at += 8;
        return v;
      }
      case T_STRING: {
        if (this.strings === null) return this.text();
        const s = this.text(false);
        this.strings.push(s);
        return s;
      }
      case T_STRING_REF: {
        if (this.strings === null) return this.fail(`unknown tag ${tag}`);
        const s = this.strings[this.varint() - 1];
        return s ?? this.fail("unknown string ref");
      }
      case T_BYTES: {
        const len = this.varint();
        if (this.at + len > this.buf.length) this.fail("bytes run past the end");
        const v = this.viewBytes ? this.buf.subarray(this.at, this.at + len) : this.buf.slice(this.at, this.at + len);
        this.at += len;
        return v;
      }
      case T_ARRAY: {
        const n = this.varint();
        if (n > this.buf.length - this.at) this.fail("bad array length");
        const out: unknown[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value();
        return out;
      }
      case T_OBJECT: {
        const n = this.varint();
        if (n > this.buf.length - this.at) this.fail("bad object size");
        if (n > 0 && n <= MAX_SHAPE_KEYS) return this.shaped(n);
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const ref = this.varint();
          let key: string;
          if (ref === 0) {
            key = this.text();
            this.keys.push(key);
          } else {
            const known = this.keys[ref - 1];
            if (known === undefined) this.fail(`unknown key #${ref}`);
            key = known;
          }
          out[key] = this.value();
        }
        return out;
      }
      default:
        return this.fail(`unknown tag ${tag}`);
    }
  }
}

/** Whether `s` (ASCII) has the char codes of `buf` from `at`. */
function sameAscii(s: string, buf: Uint8Array, at: number): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== buf[at + i]) return false;
  return true;
}

/** Decodes what `encodeOpsBinary` produced. Throws TypeError on malformed input or a non-array. */
export function decodeOpsBinary<Op>(payload: Uint8Array, opts: DecodeOptions = {}): Op[] {
  if (!isBinaryPayload(payload)) throw new TypeError("Cannot decode ops: not a binary batch");
  if (payload[1] !== VERSION && payload[1] !== VERSION_REFS) throw new TypeError(`Cannot decode ops: binary batch version ${payload[1]} is not known`);
  const r = new Reader(payload, opts.viewBytes === true, payload[1] === VERSION_REFS);
  const value = r.value();
  if (r.at !== payload.length) r.fail("trailing bytes");
  if (!Array.isArray(value)) throw new TypeError("Cannot decode ops: expected an array");
  return value as Op[];
}

const jsonText = new TextDecoder("utf-8", { fatal: true });

/** Decodes a journal payload in either form: binary, or JSON text (journals written before the binary form). */
export function decodeJournalPayload<Op>(payload: Uint8Array, opts: DecodeOptions = {}): Op[] {
  return isBinaryPayload(payload) ? decodeOpsBinary<Op>(payload, opts) : decodeOps<Op>(jsonText.decode(payload));
}

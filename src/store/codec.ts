/**
 * The wire form of a write batch: JSON, with every `Uint8Array` (raw protos, media keys) as
 * `{"$b64":"..."}`. The sql.js journal stores it, and any backend that needs to persist or ship
 * ops may use it. Pure and runtime-neutral (no `Buffer`: Deno has none).
 *
 * Round trip: `decodeOps(encodeOps(x))` gives plain objects, arrays, strings, finite numbers,
 * booleans, null and Uint8Array back. Object keys whose value is undefined are dropped (as JSON
 * does), which the write ops treat like a missing field. Values JSON would silently change
 * (NaN, Infinity) or cannot hold (bigint) are refused with a TypeError, so a batch is either
 * recorded exactly or not at all.
 */

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Standard base64 (with padding) of bytes. */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = "";
  const n = bytes.length;
  // Build in pieces: string concatenation of small chunks is fast and avoids huge temporary arrays.
  let chunk: string[] = [];
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chunk.push(B64[v >> 18]! + B64[(v >> 12) & 63]! + B64[(v >> 6) & 63]! + B64[v & 63]!);
    if (chunk.length === 4096) {
      out += chunk.join("");
      chunk = [];
    }
  }
  out += chunk.join("");
  if (i < n) {
    const a = bytes[i]!;
    const b = i + 1 < n ? bytes[i + 1]! : 0;
    const v = (a << 16) | (b << 8);
    out += B64[v >> 18]! + B64[(v >> 12) & 63]! + (i + 1 < n ? B64[(v >> 6) & 63]! : "=") + "=";
  }
  return out;
}

/** Decodes standard base64 (padding optional); throws a TypeError on any other character. */
export function base64ToBytes(text: string): Uint8Array {
  let len = text.length;
  while (len > 0 && text.charCodeAt(len - 1) === 61 /* = */) len--;
  if (len % 4 === 1) throw new TypeError("Cannot decode base64: bad length");
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0) throw new TypeError(`Cannot decode base64: unexpected character at ${i}`);
    acc = ((acc << 6) | v) & 0xffff; // only the low 14 bits are ever pending
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  // `this[key]` is the value before toJSON ran (a Node Buffer would already be {type,data} in `value`).
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Uint8Array) return { $b64: bytesToBase64(original) };
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new TypeError(`Cannot encode ops: ${key || "value"} is ${value} (not representable in JSON)`);
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$b64") {
      throw new TypeError(`Cannot encode ops: an object with the single key "$b64" would decode as bytes`);
    }
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (typeof v.$b64 === "string") {
      const keys = Object.keys(v);
      if (keys.length === 1) return base64ToBytes(v.$b64);
    }
  }
  return value;
}

/** Encodes a batch of ops as JSON text (Uint8Array as `{"$b64":...}`). Throws TypeError on unencodable values. */
export function encodeOps<Op>(ops: readonly Op[]): string {
  return JSON.stringify(ops, replacer);
}

/** Decodes what `encodeOps` produced. Throws (SyntaxError/TypeError) on malformed input or a non-array. */
export function decodeOps<Op>(json: string): Op[] {
  const value = JSON.parse(json, reviver) as unknown;
  if (!Array.isArray(value)) throw new TypeError("Cannot decode ops: expected a JSON array");
  return value as Op[];
}

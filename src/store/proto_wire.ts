/**
 * Reading protobuf's wire format without decoding (the raw walks of raw_residual.ts and
 * raw_detail.ts). Pure; synchronous walks only (`varintEnd` is module state).
 */

/** A malformed or unexpected encoding. */
export class WireError extends Error {}
/**
 * Thrown for every malformed input: built once, because building an Error captures a stack (about
 * 8 µs, more than a whole walk), and the callers only catch it (no stack is ever shown).
 */
export const WIRE_ERROR = new WireError("Malformed protobuf bytes");

/** Where the varint read last by `readVarint` ended. */
export let varintEnd = 0;

/** The varint at `p` (its end in `varintEnd`). */
export function readVarint(b: Uint8Array, p: number, end: number): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (p >= end) throw WIRE_ERROR;
    const byte = b[p++]!;
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) {
      varintEnd = p;
      return v;
    }
    mul *= 0x80;
  }
  throw WIRE_ERROR;
}

/** The bytes of `n`'s varint. */
export function varintSize(n: number): number {
  let k = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    k++;
  }
  return k;
}

/** Writes `n`'s varint into `buf` at `at` (room checked by the caller). */
export function putVarint(buf: Uint8Array, at: number, n: number): void {
  while (n >= 0x80) {
    buf[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[at] = n;
}

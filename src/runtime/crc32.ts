/**
 * The runtime's own CRC-32 (IEEE, zlib's): `zlib.crc32` of Node (20.15 and later) and Deno, several
 * times faster than the table-driven one in JS that the journal falls back to (measured on a 1 MiB
 * buffer: Node ~5 GB/s, Deno ~50 GB/s, JS ~0.5-1 GB/s). Null where the runtime has none.
 */
import zlib from "node:zlib";

/** `crc32(data, crc)`: continues the finished CRC `crc` (0 to start) over `data`. */
export type Crc32 = (data: Uint8Array, crc?: number) => number;

export const nativeCrc32: Crc32 | null = typeof (zlib as { crc32?: unknown }).crc32 === "function"
  ? (zlib as unknown as { crc32: Crc32 }).crc32
  : null;

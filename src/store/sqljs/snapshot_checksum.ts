/**
 * The checksum that lets a snapshot be trusted at open without SQLite reading every page (a
 * full `PRAGMA integrity_check` of a 1M-message image takes tens of seconds; this takes about
 * as long as reading the file, and runs while the file is read).
 *
 * A snapshot file is the SQLite image followed by a 64-byte trailer, in the same file, so image
 * and checksum are renamed into place together, atomically:
 *
 *   [magic "WAMCP-SNAPSHOT\0\x01" 16][u64 image length][u32 algorithm = 1][u32 0][checksum 16][zeros 16]
 *
 * (little-endian). Algorithm 1 is xxHash32's accumulation loop (four lanes, each 32-bit word
 * w: acc = rotl(acc + w * P2, 13) * P1) with the four lane states kept as a 128-bit checksum
 * instead of being folded into 32 bits. Every step is a bijection of the lane state, so a change
 * in any single word always changes the checksum, and other random damage goes unnoticed with
 * a probability of about 2^-32 or less. It is a check against damage (bit rot, torn
 * or truncated writes, a file edited by hand), not against an attacker: anyone who can write the
 * store folder can change the database anyway. A plain-JS loop is used because a native digest
 * costs a copy of every piece on this path, and memory bandwidth, not arithmetic, is the limit.
 *
 * Format 2 (written from now on; format 1 and bare images are still read): between the image and
 * the trailer, a table of one 16-byte checksum (the same algorithm) per CHUNK_BYTES of image,
 * zero-padded to a multiple of 512 bytes; the trailer says algorithm 2, the chunk size as a
 * power of two in the u32 after it, and holds the checksum of the table (not of the image):
 *
 *   [image][chunk checksums, padded][magic 16][u64 image length][u32 2][u32 log2 chunk][table checksum 16][zeros 16]
 *
 * so a chunk can be trusted alone, and the store's first query need not wait for the whole file
 * (snapshot_lazy.ts). Files are written with 4 KiB chunks (one SQLite page here); files written
 * with 64 KiB chunks (before) are read as they are, and any size from 512 bytes to 8 MiB is read. Programs that know only format 1 refuse a format-2 file (the trailer's
 * image length does not match), as they refuse any newer trailer.
 *
 * SQLite ignores bytes past the page count in its header, so the file still opens with the
 * sqlite3 shell. An image is a whole number of pages (>= 512 bytes each), so a file whose length
 * is a multiple of 512 has no trailer (a snapshot written before checksums); any other length
 * must end in a valid trailer, else the file is damaged. Pure: no I/O.
 */

/** Bytes of the trailer. */
export const TRAILER_BYTES = 64;

/** Bytes of the checksum. */
export const CHECKSUM_BYTES = 16;

const MAGIC = [0x57, 0x41, 0x4d, 0x43, 0x50, 0x2d, 0x53, 0x4e, 0x41, 0x50, 0x53, 0x48, 0x4f, 0x54, 0x00, 0x01]; // "WAMCP-SNAPSHOT\0\x01"
const ALGORITHM = 1;
/** Format 2: per-chunk checksums (see the module comment). */
const ALGORITHM_CHUNKED = 2;

/**
 * Bytes of image per checksum in format 2 as written: 4 KiB, one SQLite page, so a page read the
 * first time costs a 4 KiB read and its checksum (~4 µs on Node 20), not 64 KiB's (~30 µs: the
 * size before; a chat's newest messages lie in ~20 chunks). The table is 16 bytes per 4 KiB
 * (1.8 MB for a 456 MB image), read and checked at open.
 */
export const CHUNK_LOG2 = 12;

/** The smallest SQLite page: every image length is a multiple of it. */
const MIN_PAGE = 512;

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** An incremental checksum over pieces whose lengths are multiples of 16 bytes. */
export interface Checksum {
  /** Adds the next piece (length a multiple of 16). */
  update(piece: Uint8Array): void;
  /** The 16-byte checksum of everything added. */
  digest(): Uint8Array;
}

/** Starts a checksum (algorithm 1, see the module comment). */
export function createChecksum(): Checksum {
  const lanes = INITIAL_LANES.slice();
  return {
    update(piece) {
      if (piece.length % 16 !== 0) throw new RangeError(`checksum pieces must be multiples of 16 bytes, got ${piece.length}`);
      const words = wordsOf(piece);
      if (words.length >= WARM_UP_FROM_WORDS) warmUp();
      accumulate(words, lanes);
    },
    digest() {
      const out = new Uint8Array(CHECKSUM_BYTES);
      const v = new DataView(out.buffer);
      lanes.forEach((x, i) => v.setUint32(4 * i, x >>> 0, true));
      return out;
    },
  };
}

const INITIAL_LANES = new Int32Array([(P1 + P2) | 0, P2, 0, -P1 | 0]);

/** `bytes` as little-endian 32-bit words: a view where it can be, else a copy. */
function wordsOf(bytes: Uint8Array): Uint32Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const words = new Uint32Array(bytes.length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = v.getUint32(4 * i, true);
  return words;
}

/** Runs the four lanes over `words` [from, to) (a multiple of 4 of them), from and into `lanes`. */
function accumulate(words: Uint32Array, lanes: Int32Array, from = 0, to = words.length): void {
  // The lanes in locals: in memory every step would load and store them.
  let x = lanes[0]!, y = lanes[1]!, z = lanes[2]!, w = lanes[3]!;
  for (let i = from; i < to; i += 4) {
    x = (x + Math.imul(words[i]!, P2)) | 0;
    x = Math.imul((x << 13) | (x >>> 19), P1);
    y = (y + Math.imul(words[i + 1]!, P2)) | 0;
    y = Math.imul((y << 13) | (y >>> 19), P1);
    z = (z + Math.imul(words[i + 2]!, P2)) | 0;
    z = Math.imul((z << 13) | (z >>> 19), P1);
    w = (w + Math.imul(words[i + 3]!, P2)) | 0;
    w = Math.imul((w << 13) | (w >>> 19), P1);
  }
  lanes[0] = x;
  lanes[1] = y;
  lanes[2] = z;
  lanes[3] = w;
}

/** Pieces this long (64 KiB) are worth the warm-up. */
const WARM_UP_FROM_WORDS = 16_384;
let warmedUp = false;

/**
 * Has V8 compile `accumulate` (and `chunkSums`) before its first long piece, once per thread: a
 * loop first entered with megabytes is compiled on the stack (on-stack replacement), and on Node
 * 20 that code, and the code compiled after it, ran the loop at half the speed (a 355 MB image:
 * 197 vs 91 ms; Deno 107 vs 91 ms; checking 4 KiB chunks in 1 MiB runs: ~1100 vs ~2700 MB/s).
 * A few hundred calls on 64 bytes, with lanes and a table of their own, take ~5 ms.
 */
function warmUp(): void {
  if (warmedUp) return;
  warmedUp = true;
  const words = new Uint32Array(16);
  const lanes = new Int32Array(4);
  for (let i = 0; i < 300; i++) accumulate(words, lanes);
  const table = new Uint8Array(4 * CHECKSUM_BYTES);
  const view = new DataView(table.buffer);
  const expect = new Uint32Array(table.buffer);
  for (let i = 0; i < 300; i++) chunkSums(words, 4, 0, view, null);
  for (let i = 0; i < 300; i++) chunkSums(words, 4, 0, null, expect);
}

/** The checksum of a whole image. */
export function imageChecksum(image: Uint8Array): Uint8Array {
  const sum = createChecksum();
  sum.update(image);
  return sum.digest();
}

/** The trailer to append after `image` (whose length is a whole number of SQLite pages). */
export function snapshotTrailer(image: Uint8Array): Uint8Array {
  return trailerOf(image.length, imageChecksum(image));
}

/** The trailer of an image of `imageLength` bytes whose checksum (computed piece by piece) is `checksum`. */
export function trailerOf(imageLength: number, checksum: Uint8Array): Uint8Array {
  return trailerFields(imageLength, ALGORITHM, 0, checksum);
}

function trailerFields(imageLength: number, algorithm: number, word: number, checksum: Uint8Array): Uint8Array {
  const out = new Uint8Array(TRAILER_BYTES);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(16, imageLength % 0x1_0000_0000, true);
  view.setUint32(20, Math.floor(imageLength / 0x1_0000_0000), true);
  view.setUint32(24, algorithm, true);
  view.setUint32(28, word, true);
  out.set(checksum, 32);
  return out;
}

/** Chunks of an image of `imageLength` bytes (format 2). */
export function chunkCount(imageLength: number, log2 = CHUNK_LOG2): number {
  return Math.ceil(imageLength / 2 ** log2);
}

/** Bytes of the chunk table (padded to whole 512-byte units, so a format-2 file is never a whole number of pages). */
export function chunkTableBytes(imageLength: number, log2 = CHUNK_LOG2): number {
  return Math.ceil((chunkCount(imageLength, log2) * CHECKSUM_BYTES) / MIN_PAGE) * MIN_PAGE;
}

/**
 * The checksums of an image's chunks (of 2^log2 bytes), computed piece by piece (pieces in order,
 * any multiple of 16 bytes), then the table and trailer to append after the image (format 2).
 */
export function createChunkedChecksum(imageLength: number, log2 = CHUNK_LOG2): { update(piece: Uint8Array): void; suffix(): Uint8Array } {
  const size = 2 ** log2;
  const table = new Uint8Array(chunkTableBytes(imageLength, log2));
  const view = new DataView(table.buffer);
  let offset = 0;
  let sum = createChecksum(); // a chunk split across pieces
  return {
    update(piece) {
      if (piece.length % 16 !== 0) throw new RangeError(`checksum pieces must be multiples of 16 bytes, got ${piece.length}`);
      for (let at = 0; at < piece.length;) {
        const whole = offset % size === 0 ? Math.floor((piece.length - at) / size) * size : 0;
        if (whole > 0) {
          // Whole chunks without an object per chunk (a 456 MB image has 111k of them).
          chunkSums(wordsOf(piece.subarray(at, at + whole)), size >>> 2, offset / size, view, null);
          at += whole;
          offset += whole;
          continue;
        }
        const n = Math.min(piece.length - at, size - (offset % size));
        sum.update(piece.subarray(at, at + n));
        at += n;
        offset += n;
        if (offset % size === 0 || offset === imageLength) {
          table.set(sum.digest(), (Math.ceil(offset / size) - 1) * CHECKSUM_BYTES);
          sum = createChecksum();
        }
      }
    },
    suffix() {
      if (offset !== imageLength) throw new Error(`chunked checksum: ${offset} of ${imageLength} bytes seen`);
      const out = new Uint8Array(table.length + TRAILER_BYTES);
      out.set(table, 0);
      out.set(trailerFields(imageLength, ALGORITHM_CHUNKED, log2, imageChecksum(table)), table.length);
      return out;
    },
  };
}

/** The lanes of a chunk in `chunkSums` (one thread runs one at a time). */
const LANES = new Int32Array(4);

/**
 * The checksums of consecutive chunks of `per` words in `words` (the last may be shorter), from
 * chunk `first`: stored into `table`, or else compared with `expect` (table words). Returns the
 * first chunk that does not match, or -1.
 */
function chunkSums(words: Uint32Array, per: number, first: number, table: DataView | null, expect: Uint32Array | null): number {
  warmUp();
  for (let w = 0, c = first; w < words.length; w += per, c++) {
    LANES.set(INITIAL_LANES);
    accumulate(words, LANES, w, Math.min(words.length, w + per));
    const t = 4 * c;
    if (table !== null) for (let i = 0; i < 4; i++) table.setUint32(4 * (t + i), LANES[i]!, true);
    else if ((expect![t]! | 0) !== LANES[0] || (expect![t + 1]! | 0) !== LANES[1] || (expect![t + 2]! | 0) !== LANES[2] || (expect![t + 3]! | 0) !== LANES[3]) return c;
  }
  return -1;
}

/** A verified chunk table as 32-bit words (4 per chunk), for `firstBadChunk`: made once per table. */
export function chunkTableWords(table: Uint8Array): Uint32Array {
  return wordsOf(table);
}

/**
 * Checks consecutive chunks of 2^log2 bytes: `bytes` holds chunk `first` and those after it (the
 * last may be shorter, a multiple of 16 bytes: the image's end). Returns the first chunk that does
 * not match `tableWords` (chunkTableWords), or -1. Allocates nothing where `bytes` is 4-byte aligned.
 */
export function firstBadChunk(tableWords: Uint32Array, first: number, bytes: Uint8Array, log2: number): number {
  return chunkSums(wordsOf(bytes), 2 ** log2 / 4, first, null, tableWords);
}

/** What a snapshot file's checksum says. */
export type SnapshotFileCheck =
  /** No trailer: written before checksums existed; the caller must check the image itself. */
  | { kind: "unchecked"; image: Uint8Array }
  /** The image matches its checksum. */
  | { kind: "verified"; image: Uint8Array }
  /** The file cannot be trusted; `reason` says why. */
  | { kind: "damaged"; reason: string };

/** The fields of a trailer. */
export interface Trailer {
  imageLength: number;
  /** Format 1: the image's checksum; format 2: the chunk table's. */
  checksum: Uint8Array;
  /** Format 2: the chunk size (log2) and the table's length; the table follows the image. */
  chunks?: { log2: number; tableBytes: number };
}

/**
 * Reads the trailer from the last TRAILER_BYTES of a file of `fileLength` bytes: null when the
 * file has none (its length is a whole number of pages), else its fields. Throws an Error
 * saying what is wrong when the end of the file is no valid trailer.
 */
export function parseTrailer(tail: Uint8Array, fileLength: number): Trailer | null {
  if (fileLength % MIN_PAGE === 0) return null;
  if (fileLength < TRAILER_BYTES + MIN_PAGE || tail.length !== TRAILER_BYTES) {
    throw new Error(`damaged: ${fileLength} bytes is no SQLite image with a checksum`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (tail[i] !== MAGIC[i]) throw new Error("damaged: the file does not end in a snapshot checksum (truncated or altered)");
  }
  const view = new DataView(tail.buffer, tail.byteOffset, TRAILER_BYTES);
  const imageLength = view.getUint32(16, true) + view.getUint32(20, true) * 0x1_0000_0000;
  const at = fileLength - TRAILER_BYTES;
  if (view.getUint32(24, true) === ALGORITHM_CHUNKED) return parseChunked(tail, view, imageLength, at);
  if (imageLength !== at || imageLength % MIN_PAGE !== 0) {
    throw new Error(`damaged: the snapshot checksum describes ${imageLength} bytes of image, the file holds ${at}`);
  }
  if (view.getUint32(24, true) !== ALGORITHM || view.getUint32(28, true) !== 0 || tail.subarray(48).some((x) => x !== 0)) {
    throw new Error("damaged: the snapshot checksum trailer is altered (or from a newer program)");
  }
  return { imageLength, checksum: tail.slice(32, 32 + CHECKSUM_BYTES) };
}

function parseChunked(tail: Uint8Array, view: DataView, imageLength: number, at: number): Trailer {
  const log2 = view.getUint32(28, true);
  if (log2 < 9 || log2 > 23 || tail.subarray(48).some((x) => x !== 0)) {
    throw new Error("damaged: the snapshot checksum trailer is altered (or from a newer program)");
  }
  const tableBytes = chunkTableBytes(imageLength, log2);
  if (imageLength + tableBytes !== at || imageLength % MIN_PAGE !== 0) {
    throw new Error(`damaged: the snapshot checksum describes ${imageLength} bytes of image, the file holds ${at - tableBytes}`);
  }
  return { imageLength, checksum: tail.slice(32, 32 + CHECKSUM_BYTES), chunks: { log2, tableBytes } };
}

/** Why a format-2 chunk table does not match its checksum in the trailer. */
export const TABLE_MISMATCH = "checksum mismatch: the snapshot's chunk checksums were changed or damaged after they were written";

/** The reason given for a chunk whose bytes do not match their checksum (`chunk` counts from 0). */
export function chunkMismatch(chunk: number, log2: number): string {
  const from = chunk * 2 ** log2;
  return `${MISMATCH} (bytes ${from}-${from + 2 ** log2 - 1} of the image)`;
}

/** True when two checksums are equal. */
export function sameChecksum(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The reason given for a checksum mismatch. */
export const MISMATCH = "checksum mismatch: the database file was changed or damaged after it was written";

/** Splits a whole snapshot file into its image and verifies the checksum (`readSnapshotFile` does this while reading). */
export function checkSnapshotFile(file: Uint8Array): SnapshotFileCheck {
  let trailer: Trailer | null;
  try {
    trailer = parseTrailer(file.subarray(Math.max(0, file.length - TRAILER_BYTES)), file.length);
  } catch (err) {
    return { kind: "damaged", reason: (err as Error).message };
  }
  if (trailer === null) return { kind: "unchecked", image: file };
  const image = file.subarray(0, trailer.imageLength);
  if (trailer.chunks) {
    const { log2, tableBytes } = trailer.chunks;
    const table = file.subarray(trailer.imageLength, trailer.imageLength + tableBytes);
    if (!sameChecksum(imageChecksum(table), trailer.checksum)) return { kind: "damaged", reason: TABLE_MISMATCH };
    const bad = firstBadChunk(chunkTableWords(table), 0, image, log2);
    return bad < 0 ? { kind: "verified", image } : { kind: "damaged", reason: chunkMismatch(bad, log2) };
  }
  return sameChecksum(imageChecksum(image), trailer.checksum) ? { kind: "verified", image } : { kind: "damaged", reason: MISMATCH };
}

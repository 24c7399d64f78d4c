/**
 * A format-2 snapshot (per-chunk checksums, snapshot_checksum.ts) opened before it is read: the
 * store's first query need not wait for the whole file (a 456 MB store: ~250 ms of reading and
 * ~130 ms of checksum). The image lives in one SharedArrayBuffer (with the growth room after it,
 * as a whole read has), shared by the read worker and the main thread, with one state per chunk
 * (an Int32Array, also shared):
 *
 * - the worker reads and verifies the chunks in order (`fillChunks`), claiming each first;
 * - a chunk the main thread needs before the worker got to it (a page SQLite reads or writes,
 *   seen by snapshot_image.ts's stand-in) is claimed and read there, synchronously (SQLite's
 *   read cannot wait for a promise), and verified; one the worker is reading is waited for.
 *
 * A chunk that fails its checksum makes the store damaged: the read that needed it throws
 * `SnapshotDamagedError` (no SQLite page is ever served from unverified bytes), and the damage
 * listeners hear it once (the durable store then keeps the file aside, as for a damaged file at
 * open). Anything that needs the whole image (a snapshot freeze, a shrink, growing the buffer)
 * calls `needAll` first. Reads with sync calls (runtime/sync_read.ts): the FsPort is asynchronous.
 */
import { closeSync, fstatSync, openSync, readSync } from "../../runtime/sync_read.ts";
import { chunkMatches, chunkMismatch, imageChecksum, parseTrailer, sameChecksum, TRAILER_BYTES } from "./snapshot_checksum.ts";
import { roomFor } from "./snapshot_image.ts";

/** Chunk states (Int32Array, shared). After the last chunk: the stop flag, then the go flag (see `fillChunks`). */
const NOT_READ = 0;
const READING = 1;
const VERIFIED = 2;
const DAMAGED = 3;

/** How long the main thread waits for a chunk the worker is reading before reading it itself (a worker gone mid-chunk). */
const WAIT_FOR_WORKER_MS = 5_000;

/** A snapshot's bytes that fail their checksum, found while the store runs. */
export class SnapshotDamagedError extends Error {
  override name = "SnapshotDamagedError";
}

/** What the worker hands the main thread (structured-cloneable). */
export interface LazyShare {
  path: string;
  /** The image in its first `imageLength` bytes, growth room after it. */
  image: SharedArrayBuffer;
  /** One Int32 per chunk, then the stop and go flags. */
  states: SharedArrayBuffer;
  imageLength: number;
  /** The verified chunk table. */
  table: Uint8Array;
  log2: number;
}

/**
 * Smaller images are read whole before the open, as before (tens of milliseconds): damage in them
 * is still found at open, and only a large store takes the later detection for a faster start.
 */
export const LAZY_FROM_BYTES = 32 * 1024 * 1024;

/** The largest buffer asked for (as snapshot.ts's whole read). */
const MAX_BUFFER = 2 ** 32 - 65536;

/**
 * The worker's first step: for a format-2 file whose trailer and chunk table are sound, the
 * shared buffers to read it into (nothing read yet); null for anything else (no file, an older
 * format, a damaged trailer or table, no shared memory): that is read whole, as before, and gets
 * the same verdict as ever.
 */
export function shareOf(path: string, lazyFrom = LAZY_FROM_BYTES): LazyShare | null {
  if (typeof SharedArrayBuffer !== "function") return null;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < TRAILER_BYTES) return null;
    const tail = new Uint8Array(TRAILER_BYTES);
    readFully(fd, tail, size - TRAILER_BYTES, path);
    let trailer;
    try {
      trailer = parseTrailer(tail, size);
    } catch {
      return null;
    }
    if (!trailer?.chunks || trailer.imageLength < lazyFrom) return null;
    const table = new Uint8Array(trailer.chunks.tableBytes);
    readFully(fd, table, trailer.imageLength, path);
    if (!sameChecksum(imageChecksum(table), trailer.checksum)) return null;
    const count = Math.ceil(trailer.imageLength / 2 ** trailer.chunks.log2);
    return {
      path,
      image: new SharedArrayBuffer(Math.min(roomFor(trailer.imageLength), MAX_BUFFER)),
      states: new SharedArrayBuffer(4 * (count + 2)),
      imageLength: trailer.imageLength,
      table,
      log2: trailer.chunks.log2,
    };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  for (let off = 0; off < into.length;) {
    const n = readSync(fd, into, off, into.length - off, position + off);
    if (n <= 0) throw Object.assign(new Error(`unexpected end of ${path}`), { code: "EIO" });
    off += n;
  }
}

/** The shared states and the image, with one chunk's read-and-verify, for either thread. */
function chunkIo(share: LazyShare) {
  const image = new Uint8Array(share.image);
  const states = new Int32Array(share.states);
  const size = 2 ** share.log2;
  const count = states.length - 2;
  /** Reads chunk `c` (claimed) through `fd`, verifies it and publishes its state; returns the state. */
  const load = (fd: number, c: number): number => {
    const from = c * size;
    const piece = image.subarray(from, Math.min(share.imageLength, from + size));
    readFully(fd, piece, from, share.path);
    const state = chunkMatches(share.table, c, imageChecksum(piece)) ? VERIFIED : DAMAGED;
    Atomics.store(states, c, state);
    Atomics.notify(states, c);
    return state;
  };
  return { image, states, size, count, load };
}

/**
 * The worker's part: reads and verifies every chunk not claimed yet, in order; stops early when
 * the main thread sets the stop flag. Returns the reason of the first damaged chunk, or null.
 * With `holdMs`, it first waits (at most that long) for the main thread's go (`LazySnapshot.fill`):
 * on two busy cores the fill slowed the first answer, which reads its few chunks itself
 * (1M store, `bench cold`, load 3.5-4: Node p50 926 -> 753 ms, Deno 861 -> 468 ms with the fill held).
 */
export function fillChunks(share: LazyShare, holdMs = 0): string | null {
  const { states, count, load } = chunkIo(share);
  if (holdMs > 0) Atomics.wait(states, count + 1, 0, holdMs);
  const fd = openSync(share.path, "r");
  try {
    for (let c = 0; c < count; c++) {
      if (Atomics.load(states, count) !== 0) return null;
      if (Atomics.compareExchange(states, c, NOT_READ, READING) !== NOT_READ) continue;
      try {
        if (load(fd, c) === DAMAGED) return chunkMismatch(c, share.log2);
      } catch (err) {
        Atomics.store(states, c, NOT_READ); // the main thread reads it itself and sees the error
        Atomics.notify(states, c);
        throw err;
      }
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The main thread's side of a lazily read snapshot. */
export interface LazySnapshot {
  /** The image (length `imageLength`) over the shared buffer with its room. */
  readonly bytes: Uint8Array;
  /** Makes sure the image's bytes [begin, end) are read and verified. Throws SnapshotDamagedError. */
  need(begin: number, end: number): void;
  /** Makes sure the whole image is (what a snapshot, a shrink or a move of the buffer needs). */
  needAll(): void;
  /** The first damage found (by either thread), or null. */
  readonly damage: string | null;
  /** Calls `fn` once (later, not inside the read that found it) when damage is found; at once if it already was. */
  onDamage(fn: (reason: string) => void): void;
  /** The worker found damage in a chunk nobody needed yet. */
  reportDamage(reason: string): void;
  /** Lets a held worker start filling (see `fillChunks`). */
  fill(): void;
  /** Stops the worker's reading and closes the main thread's file (the store is closed). */
  close(): void;
}

/** The main thread's handle on `share` (see the module doc). */
export function lazySnapshot(share: LazyShare): LazySnapshot {
  const { image, states, size, count, load } = chunkIo(share);
  const seen = new Uint8Array(count); // verified chunks, known without an atomic load
  let left = count;
  let fd: number | null = null;
  let damage: string | null = null;
  const listeners: Array<(reason: string) => void> = [];

  const damaged = (reason: string): never => {
    if (damage === null) {
      damage = reason;
      for (const fn of listeners.splice(0)) queueMicrotask(() => fn(reason));
    }
    throw new SnapshotDamagedError(`The store database ${share.path} is damaged: ${damage}`);
  };
  const verified = (c: number) => {
    seen[c] = 1;
    if (--left === 0 && fd !== null) {
      closeSync(fd);
      fd = null;
    }
  };
  const ensure = (c: number) => {
    if (seen[c] === 1) return;
    if (damage !== null) damaged(damage);
    let waited = 0;
    for (;;) {
      const state = Atomics.load(states, c);
      if (state === VERIFIED) return verified(c);
      if (state === DAMAGED) damaged(chunkMismatch(c, share.log2));
      if (state === READING && waited < WAIT_FOR_WORKER_MS) {
        Atomics.wait(states, c, READING, 50);
        waited += 50;
        continue;
      }
      // Not read yet (or the worker stalled on it): read it here. Identical bytes either way.
      if (state === NOT_READ && Atomics.compareExchange(states, c, NOT_READ, READING) !== NOT_READ) continue;
      fd ??= openSync(share.path, "r");
      let loaded: number;
      try {
        loaded = load(fd, c);
      } catch (err) {
        Atomics.store(states, c, NOT_READ); // an I/O error: the next need tries again
        throw err;
      }
      if (loaded === DAMAGED) damaged(chunkMismatch(c, share.log2));
      return verified(c);
    }
  };
  return {
    bytes: image.subarray(0, share.imageLength),
    need(begin, end) {
      if (damage !== null) damaged(damage); // nothing more is served from a damaged store
      if (left === 0) return;
      const last = Math.min(end, share.imageLength) - 1;
      for (let c = Math.floor(begin / size); c * size <= last; c++) ensure(c);
    },
    needAll() {
      for (let c = 0; left > 0 && c < count; c++) ensure(c);
    },
    get damage() {
      return damage;
    },
    onDamage(fn) {
      if (damage !== null) queueMicrotask(() => fn(damage!));
      else listeners.push(fn);
    },
    reportDamage(reason) {
      try {
        damaged(reason);
      } catch {
        // recorded; the listeners hear it
      }
    },
    fill() {
      Atomics.store(states, count + 1, 1);
      Atomics.notify(states, count + 1);
    },
    close() {
      Atomics.store(states, count, 1);
      Atomics.store(states, count + 1, 1);
      Atomics.notify(states, count + 1);
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

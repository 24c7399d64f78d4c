/**
 * The database file in 64 KiB chunks (the format-2 snapshot's checksum unit), held only in part:
 * sql.js's file (snapshot_image.ts) reads and writes through here instead of one array of the
 * whole image, so a 456 MB store no longer needs 456 MB of memory.
 *
 * - A chunk SQLite reads is read from the snapshot file (a `ChunkSource`) and checked against its
 *   checksum the first time, then kept as CLEAN (equal to the file): clean chunks are a cache with
 *   a byte budget, evicted by a clock (second chance: a bit set on use, cleared as the hand
 *   passes), and read and checked again when needed again. A chunk that fails its checksum is
 *   never served: the read throws SnapshotDamagedError, and from then on every read does.
 * - A chunk SQLite writes is DIRTY, marked with the write epoch, and pinned (never evicted) until a
 *   snapshot holding it is in place (`FrozenPages.durable`); chunks written after that snapshot
 *   was frozen stay dirty for the next one. Chunks with no file to read them from again (a new
 *   store, an older snapshot read whole: `bytes`) start dirty, so after the first snapshot they
 *   are clean and evictable too.
 * - A snapshot copies the image in order (`freeze`): a chunk in memory from memory, one not in
 *   memory from the old file (checked; a mismatch is damage); a write meanwhile first saves the
 *   old bytes of the 4 KiB blocks it changes (copy-on-write), so commits go on while it is written.
 *
 * Pure: the file is read through the `ChunkSource` it is handed.
 */
import { CHUNK_LOG2, chunkMismatch } from "./snapshot_checksum.ts";

/** Bytes per chunk. */
export const CHUNK = 2 ** CHUNK_LOG2;

/** Clean chunks kept by default: a few thousand pages of the store's hot part (a 1M store is ~7000 chunks). */
export const DEFAULT_CACHE_BYTES = 96 * 1024 * 1024;

/**
 * Evicted chunks' buffers kept for the next reads: a new 64 KiB array costs ~20 µs on Node 20, as
 * much as the read and the checksum of a chunk together (the bytes are overwritten by the read).
 */
const SPARE_BUFFERS = 16;

/** Snapshot copies are made in whole blocks (SQLite's pages are 4096 bytes here). */
const BLOCK = 4096;

const protoSet = Uint8Array.prototype.set;
const protoSubarray = Uint8Array.prototype.subarray;
const protoSlice = Uint8Array.prototype.slice;

/** A snapshot's bytes by chunk, with their checksums. */
export interface ChunkSource {
  /** Bytes of image in the file. */
  readonly length: number;
  /**
   * Reads chunk `c` (c * CHUNK < length) into the start of `into` (the rest left as it is) and
   * checks it against its checksum: false when it does not match. Throws on I/O errors.
   */
  read(c: number, into: Uint8Array): boolean;
  /** Closes the file for now (a later read opens it again). */
  release?(): void;
  /** Done with the file. */
  close(): void;
}

/** A snapshot file's bytes that fail their checksum, found while the store runs. */
export class SnapshotDamagedError extends Error {
  override name = "SnapshotDamagedError";
}

/** What the chunks hold (for tests and the memory figures). */
export interface PageCounts {
  /** Clean chunks in memory (the cache; bounded by the budget). */
  cachedBytes: number;
  /** Dirty chunks (pinned until a snapshot holds them). */
  pinnedBytes: number;
  /** Old bytes kept for a snapshot being written. */
  savedBytes: number;
  /** Chunks read (and checked) from a file. */
  sourceReads: number;
  evictions: number;
}

/** An image frozen for a snapshot, copied out in order. */
export interface FrozenPages {
  readonly length: number;
  /** Copies the frozen bytes at `offset` (in order, block-aligned) into `into`; returns the filled part. Throws SnapshotDamagedError. */
  copy(into: Uint8Array, offset: number): Uint8Array;
  /** The snapshot written from this freeze is in place: the chunks it holds that nobody wrote since become clean. */
  durable(): void;
  /** Ends the freeze. */
  release(): void;
}

/** The chunked file (see the module doc). */
export interface Pages {
  /** The file's length. */
  readonly length: number;
  /** Bytes [begin, end): a view of the chunk when in one, else a copy. Throws SnapshotDamagedError. */
  read(begin: number, end: number): Uint8Array;
  /** Writes `src` at `position` (the chunks it changes become dirty). */
  write(src: Uint8Array, position: number): void;
  /** Sets the file's length (a shrink drops the chunks past it). */
  truncate(length: number): void;
  /** Freezes the first `length` bytes; null while another freeze runs. */
  freeze(length: number): FrozenPages | null;
  /**
   * Reads of chunks not in memory go to `next` from now on (a snapshot file that holds what the
   * current one holds for every clean chunk); returns the previous source and how much of the
   * file it held, to close or to restore with `swapSource(prev.source, prev.end)`.
   */
  swapSource(next: ChunkSource | null, end?: number): { source: ChunkSource | null; end: number };
  readonly source: ChunkSource | null;
  /** Reads and checks every chunk of the source not in memory (keeping what the budget allows). Throws SnapshotDamagedError. */
  checkAll(): void;
  readonly counts: PageCounts;
  /** The first damage found, or null. */
  readonly damage: string | null;
  /** Calls `fn` once (later, not inside the read that found it) when damage is found; at once if it was. */
  onDamage(fn: (reason: string) => void): void;
  /** Damage found elsewhere (the background check) in `source`; ignored if that is no longer the source. */
  reportDamage(reason: string, source: ChunkSource): void;
  /** The budget of clean chunks, in bytes (settable; a smaller one evicts at once). */
  budget: number;
  /** Drops every chunk and closes the source. */
  close(): void;
}

/** How to start: from a file to read chunks from on demand, or from bytes held (pinned) until a snapshot. */
export interface PagesInit {
  source?: ChunkSource | null;
  /** The image; its chunks are used in place (views) until the first snapshot, then dropped or copied. */
  bytes?: Uint8Array;
  /** Budget of clean chunks (default DEFAULT_CACHE_BYTES). */
  cacheBytes?: number;
}

/** The chunks of an image (see the module doc). */
export function createPages(init: PagesInit): Pages {
  let budget = Math.max(0, init.cacheBytes ?? DEFAULT_CACHE_BYTES);
  let source = init.source ?? null;
  let sourceEnd = source?.length ?? 0; // bytes [0, sourceEnd) can be read from the source
  let used = init.bytes?.length ?? sourceEnd;
  let bufs: Array<Uint8Array | undefined> = [];
  let dirty = new Uint32Array(0); // 0: clean; else the epoch of the last write
  let ref = new Uint8Array(0); // the clock's second-chance bit
  let epoch = 1;
  let hand = 0;
  let views = false; // some chunks are views of init.bytes (see markClean)
  const spare: Uint8Array[] = [];
  let frozen: { end: number; copied: number; saved: Map<number, Uint8Array> } | null = null;
  let damage: string | null = null;
  let closed = false;
  const listeners: Array<(reason: string) => void> = [];
  const counts: PageCounts = { cachedBytes: 0, pinnedBytes: 0, savedBytes: 0, sourceReads: 0, evictions: 0 };

  const capacity = (n: number) => {
    if (n <= dirty.length) return;
    const size = Math.max(n, dirty.length * 2, 64);
    const d = new Uint32Array(size);
    d.set(dirty);
    dirty = d;
    const r = new Uint8Array(size);
    r.set(ref);
    ref = r;
  };
  const damaged = (reason: string): never => {
    if (damage === null) {
      damage = reason;
      for (const fn of listeners.splice(0)) queueMicrotask(() => fn(reason));
    }
    throw new SnapshotDamagedError(`The store database is damaged: ${damage}`);
  };
  /** Chunk `c` as the file holds it (checked), or zeros past it, into `into`. */
  const fromSource = (c: number, into: Uint8Array) => {
    if (source === null || c * CHUNK >= sourceEnd) return into.fill(0);
    counts.sourceReads++;
    if (!source.read(c, into)) damaged(chunkMismatch(c, CHUNK_LOG2));
    const end = sourceEnd - c * CHUNK;
    if (end < CHUNK) into.fill(0, end); // past the image (or past a truncation)
    return into;
  };
  const evict = (keep: number) => {
    const n = bufs.length;
    for (let scanned = 0; counts.cachedBytes > budget && scanned < 2 * n + 2; scanned++) {
      if (hand >= n) hand = 0;
      const c = hand++;
      if (bufs[c] === undefined || dirty[c] !== 0 || c === keep) continue;
      if (ref[c] === 1) {
        ref[c] = 0;
        continue;
      }
      const b = bufs[c]!;
      bufs[c] = undefined;
      counts.cachedBytes -= CHUNK;
      counts.evictions++;
      // Nothing else holds it: a read's view is copied by MEMFS at once, a snapshot keeps its own copies.
      if (spare.length < SPARE_BUFFERS && b.byteLength === b.buffer.byteLength) spare.push(b);
    }
  };
  /** Chunk `c` into memory: clean if read from the source, else (never written: zeros) dirty. */
  const load = (c: number): Uint8Array => {
    if (damage !== null) damaged(damage);
    capacity(c + 1);
    const b = spare.pop() ?? new Uint8Array(CHUNK);
    if (source !== null && c * CHUNK < sourceEnd) {
      fromSource(c, b);
      bufs[c] = b;
      ref[c] = 1;
      counts.cachedBytes += CHUNK;
      if (counts.cachedBytes > budget) evict(c);
    } else {
      b.fill(0);
      bufs[c] = b;
      dirty[c] = epoch;
      counts.pinnedBytes += CHUNK;
    }
    return b;
  };
  /** A copy of [begin, end) across chunks. */
  const assemble = (begin: number, end: number): Uint8Array => {
    const out = new Uint8Array(end - begin);
    for (let at = begin; at < end;) {
      const c = Math.floor(at / CHUNK);
      const off = at - c * CHUNK;
      const n = Math.min(CHUNK - off, end - at);
      const b = bufs[c] ?? load(c);
      ref[c] = 1;
      protoSet.call(out, protoSubarray.call(b, off, off + n), at - begin);
      at += n;
    }
    return out;
  };
  /** Chunks written up to epoch `upTo` are in a snapshot in place: clean again. */
  const markClean = (upTo: number) => {
    for (let c = 0; c < bufs.length; c++) {
      const b = bufs[c];
      if (dirty[c] === 0 || dirty[c]! > upTo) {
        // A view of the first image still written since: its own copy, so that image can be freed.
        if (views && b !== undefined && b.byteLength !== b.buffer.byteLength) bufs[c] = protoSlice.call(b);
        continue;
      }
      dirty[c] = 0;
      counts.pinnedBytes -= CHUNK;
      if (b !== undefined && views && b.byteLength !== b.buffer.byteLength) {
        bufs[c] = undefined; // a view of the first image: read back from the new file when needed
        continue;
      }
      ref[c] = 0;
      counts.cachedBytes += CHUNK;
    }
    views = false;
    evict(-1);
  };

  if (init.bytes) {
    const bytes = init.bytes;
    const n = Math.ceil(bytes.length / CHUNK);
    capacity(n);
    for (let c = 0; c < n; c++) {
      const from = c * CHUNK;
      // Whole chunks are used in place; a partial last one gets a chunk of its own.
      const b = from + CHUNK <= bytes.length ? protoSubarray.call(bytes, from, from + CHUNK) : new Uint8Array(CHUNK);
      if (from + CHUNK > bytes.length) protoSet.call(b, protoSubarray.call(bytes, from), 0);
      else views = true;
      bufs[c] = b;
      dirty[c] = epoch;
      counts.pinnedBytes += CHUNK;
    }
  }

  const pages: Pages = {
    get length() {
      return used;
    },
    read(begin, end) {
      if (damage !== null) damaged(damage); // nothing more is served from a damaged store
      const c = Math.floor(begin / CHUNK);
      const off = begin - c * CHUNK;
      if (off + end - begin <= CHUNK) {
        let b = bufs[c];
        if (b === undefined) b = load(c);
        else ref[c] = 1;
        return protoSubarray.call(b, off, off + end - begin);
      }
      return assemble(begin, end);
    },
    write(src, position) {
      const end = position + src.length;
      for (let at = position; at < end;) {
        const c = Math.floor(at / CHUNK);
        const off = at - c * CHUNK;
        const n = Math.min(CHUNK - off, end - at);
        const b = bufs[c] ?? load(c); // a chunk written over was checked as it was
        const f = frozen;
        if (f !== null && at + n > f.copied && at < f.end) {
          // Save the blocks this write changes that the snapshot has not copied yet (blocks, not chunks:
          // commits during a snapshot of a large store touch pages all over it).
          const to = Math.min(at + n, f.end);
          for (let k = Math.floor(Math.max(at, f.copied) / BLOCK); k * BLOCK < to; k++) {
            if (f.saved.has(k)) continue;
            const o = k * BLOCK - c * CHUNK;
            f.saved.set(k, protoSlice.call(b, o, o + BLOCK));
            counts.savedBytes += BLOCK;
          }
        }
        if (dirty[c] === 0) {
          counts.cachedBytes -= CHUNK;
          counts.pinnedBytes += CHUNK;
        }
        dirty[c] = epoch;
        protoSet.call(b, n === src.length ? src : protoSubarray.call(src, at - position, at - position + n), off);
        at += n;
      }
      if (end > used) used = end;
    },
    truncate(length) {
      if (length >= used) {
        used = length;
        return;
      }
      const keep = Math.ceil(length / CHUNK);
      if (length % CHUNK !== 0) {
        const c = keep - 1;
        const b = bufs[c] ?? load(c);
        b.fill(0, length - c * CHUNK);
        if (dirty[c] === 0) {
          counts.cachedBytes -= CHUNK;
          counts.pinnedBytes += CHUNK;
        }
        dirty[c] = epoch;
      }
      for (let c = keep; c < bufs.length; c++) {
        if (bufs[c] === undefined) continue;
        if (dirty[c] === 0) counts.cachedBytes -= CHUNK;
        else counts.pinnedBytes -= CHUNK;
        bufs[c] = undefined;
        dirty[c] = 0;
      }
      bufs.length = Math.min(bufs.length, keep);
      if (sourceEnd > length) sourceEnd = length; // past it: zeros from now on, not the file's old bytes
      used = length;
    },
    freeze(length) {
      if (frozen !== null || length > used) return null;
      const upTo = epoch++;
      const f = { end: length, copied: 0, saved: new Map<number, Uint8Array>() };
      frozen = f;
      let scratch: Uint8Array | null = null;
      let scratchChunk = -1;
      const dropSaved = (below: number) => {
        for (const k of f.saved.keys()) {
          if ((k + 1) * BLOCK <= below) {
            f.saved.delete(k);
            counts.savedBytes -= BLOCK;
          }
        }
      };
      return {
        length,
        copy(into, offset) {
          if (frozen !== f) throw new Error("the frozen image was released");
          if (offset !== f.copied || offset % BLOCK !== 0) throw new Error("frozen image pieces must be copied in order, block-aligned");
          if (damage !== null) damaged(damage);
          const n = Math.min(into.length, length - offset);
          for (let at = offset; at < offset + n;) {
            const c = Math.floor(at / CHUNK);
            const off = at - c * CHUNK;
            const k = Math.min(CHUNK - off, offset + n - at);
            let b = bufs[c];
            if (b === undefined) {
              // Not in memory: clean, so the old file holds it; read and checked, not cached.
              if (scratchChunk !== c) {
                scratch ??= new Uint8Array(CHUNK);
                scratchChunk = -1;
                fromSource(c, scratch);
                scratchChunk = c;
              }
              b = scratch!;
            }
            protoSet.call(into, protoSubarray.call(b, off, off + k), at - offset);
            if (f.saved.size > 0) {
              // The blocks written since the freeze, as they were.
              for (let kk = Math.floor(at / BLOCK); kk * BLOCK < at + k; kk++) {
                const old = f.saved.get(kk);
                if (old === undefined) continue;
                const from = Math.max(kk * BLOCK, at);
                const to = Math.min((kk + 1) * BLOCK, at + k);
                protoSet.call(into, protoSubarray.call(old, from - kk * BLOCK, to - kk * BLOCK), from - offset);
              }
            }
            at += k;
          }
          f.copied = offset + n;
          if (f.saved.size > 0) dropSaved(f.copied);
          return protoSubarray.call(into, 0, n);
        },
        durable() {
          if (!closed) markClean(upTo);
        },
        release() {
          if (frozen !== f) return;
          dropSaved(Infinity);
          frozen = null;
        },
      };
    },
    swapSource(next, end = next?.length ?? 0) {
      const prev = { source, end: sourceEnd };
      source = next;
      sourceEnd = end;
      return prev;
    },
    get source() {
      return source;
    },
    checkAll() {
      if (source === null) return;
      let scratch: Uint8Array | null = null;
      for (let c = 0; c * CHUNK < sourceEnd; c++) {
        if (bufs[c] !== undefined) continue;
        if (counts.cachedBytes + CHUNK <= budget) load(c);
        else fromSource(c, (scratch ??= new Uint8Array(CHUNK)));
      }
    },
    counts,
    get damage() {
      return damage;
    },
    onDamage(fn) {
      if (damage !== null) queueMicrotask(() => fn(damage!));
      else listeners.push(fn);
    },
    reportDamage(reason, from) {
      if (from !== source || closed) return;
      try {
        damaged(reason);
      } catch {
        // recorded; the listeners hear it
      }
    },
    get budget() {
      return budget;
    },
    set budget(bytes: number) {
      budget = Math.max(0, bytes);
      evict(-1);
    },
    close() {
      closed = true;
      bufs = [];
      spare.length = 0;
      frozen = null;
      counts.cachedBytes = counts.pinnedBytes = counts.savedBytes = 0;
      const s = source;
      source = null;
      s?.close();
    },
  };
  return pages;
}

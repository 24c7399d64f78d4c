/**
 * The database file in 4 KiB chunks (one SQLite page here), held only in part: sql.js's file
 * (snapshot_image.ts) reads and writes through here instead of one array of the whole image, so a
 * 456 MB store no longer needs 456 MB of memory.
 *
 * - A chunk SQLite reads is read from the snapshot file (a `ChunkSource`) and checked against its
 *   checksum the first time, then kept as CLEAN (equal to the file): clean chunks are a cache with
 *   a byte budget, evicted by a clock (second chance: a bit set on use, cleared as the hand
 *   passes), and read and checked again when needed again. A chunk that fails its checksum is
 *   never served: the read throws SnapshotDamagedError, and from then on every read does.
 *   A file whose checksums cover more than a chunk (64 KiB: snapshots written before) is read and
 *   checked a whole checksum unit at a time, and all the chunks in it are kept.
 * - A chunk SQLite writes is DIRTY, marked with the write epoch, and pinned (never evicted) until a
 *   snapshot holding it is in place (`FrozenPages.durable`); chunks written after that snapshot
 *   was frozen stay dirty for the next one. Chunks with no file to read them from again (a new
 *   store, an older snapshot read whole: `bytes`) start dirty, so after the first snapshot they
 *   are clean and evictable too.
 * - A snapshot copies the image in order (`freeze`): a chunk in memory from memory, those not in
 *   memory from the old file (read in runs of up to 1 MiB, checked; a mismatch is damage); a write
 *   meanwhile first saves the old bytes of the chunks it changes (copy-on-write), so commits go on
 *   while it is written.
 * - Chunks' memory comes from 256 KiB slabs and is reused after eviction (a new 4 KiB array costs
 *   ~3 µs on Node 20, as much as reading and checking the chunk); when many are let go at once the
 *   chunks in use move to new slabs so the old ones can be freed (`giveBack`), and all at `close`.
 *
 * Pure: the file is read through the `ChunkSource` it is handed.
 */
import { chunkMismatch } from "./snapshot_checksum.ts";

/** Bytes per chunk: SQLite's page size here, so a page read the first time reads and checks only itself. */
export const CHUNK = 4096;

/** Clean chunks kept by default: the store's hot part (a 1M store is ~111k chunks). */
export const DEFAULT_CACHE_BYTES = 96 * 1024 * 1024;

/** Chunks' memory is cut from slabs of this size (see the module doc). */
const SLAB = 64 * CHUNK;

/**
 * Free chunks beyond this many bytes (and beyond a quarter of those in use) make the chunks in use
 * move to new slabs, so that the old ones can be freed (see giveBack).
 */
const SPARE_BYTES = 16 * 1024 * 1024;

/** Chunks read at once when SQLite reads the chunk right after the last one read (see loadClean). */
const READ_AHEAD = 16;

/** Bytes per read when chunks are read in order (a snapshot's copy, `checkAll`): few calls, little memory. */
const RUN = 1024 * 1024;

const protoSet = Uint8Array.prototype.set;
const protoSubarray = Uint8Array.prototype.subarray;
const protoSlice = Uint8Array.prototype.slice;

/** A snapshot's bytes, checked against their checksums. */
export interface ChunkSource {
  /** Bytes of image in the file. */
  readonly length: number;
  /** Bytes per checksum (log2): reads start at a multiple of it. */
  readonly log2: number;
  /**
   * Reads bytes [from, from + into.length) into `into` (from a multiple of the checksum unit, the
   * end one too or the image's end) and checks them: the first unit (counted from 0 at the start
   * of the image) that does not match its checksum, else -1. Throws on I/O errors.
   */
  read(from: number, into: Uint8Array): number;
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
  /** Reads (each checked) from a file. */
  sourceReads: number;
  evictions: number;
  /** Bytes of the slabs made since the live chunks last moved to new ones (see giveBack): what chunk memory can hold. */
  slabBytes: number;
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
  let initBuffer: ArrayBufferLike | null = null; // some chunks are views of init.bytes (see markClean)
  const free: Uint8Array[] = []; // chunks' memory to reuse
  let slab: Uint8Array | null = null;
  let slabAt = SLAB;
  let readScratch: Uint8Array | null = null; // a read of several chunks (`loadRange`)
  let lastLoaded = -2; // the last chunk read from the source (a read of the next one reads ahead)
  let frozen: { end: number; copied: number; saved: Map<number, Uint8Array> } | null = null;
  let damage: string | null = null;
  let closed = false;
  const listeners: Array<(reason: string) => void> = [];
  const counts: PageCounts = { cachedBytes: 0, pinnedBytes: 0, savedBytes: 0, sourceReads: 0, evictions: 0, slabBytes: 0 };

  const capacity = (n: number) => {
    // Dense: an array written at scattered indices far past its end turns into a (slow) dictionary.
    // A long stretch in one builtin: the first read of a 1M store (110k chunks) pushed one by one
    // before V8 had compiled the loop (~10 ms).
    const short = n - bufs.length;
    if (short > 64) bufs = bufs.concat(new Array<Uint8Array | undefined>(short).fill(undefined));
    else for (let k = 0; k < short; k++) bufs.push(undefined);
    if (n <= dirty.length) return;
    const size = Math.max(n, dirty.length * 2, 64);
    const d = new Uint32Array(size);
    d.set(dirty);
    dirty = d;
    const r = new Uint8Array(size);
    r.set(ref);
    ref = r;
  };
  /** Memory for one chunk (its bytes are whatever they were). */
  const alloc = (): Uint8Array => {
    const b = free.pop();
    if (b !== undefined) return b;
    if (slabAt === SLAB) {
      slab = new Uint8Array(SLAB);
      slabAt = 0;
      counts.slabBytes += SLAB;
    }
    slabAt += CHUNK;
    return protoSubarray.call(slab!, slabAt - CHUNK, slabAt);
  };
  /** A chunk of memory of its own holding `bytes` (at most a chunk; zeros after them). */
  const copyOf = (bytes: Uint8Array): Uint8Array => {
    const b = alloc();
    protoSet.call(b, bytes);
    if (bytes.length < CHUNK) b.fill(0, bytes.length);
    return b;
  };
  /** A chunk's memory is no longer used (a view of init.bytes is just dropped). */
  const release = (b: Uint8Array) => {
    if (b.buffer !== initBuffer) free.push(b);
  };
  /**
   * After many chunks were let go at once (the evictions after a big import's first snapshot, a
   * smaller budget, a truncation), the memory they came from is given back: a slab is freed only
   * once none of its chunks is used, and the chunks an eviction keeps are spread over nearly all
   * of them, so the chunks in use move to new slabs (a copy of at most the budget and the pinned
   * chunks, rare) and the old slabs, with the free list, are left to the collector.
   */
  const giveBack = () => {
    if (free.length * CHUNK <= Math.max(SPARE_BYTES, (counts.cachedBytes + counts.pinnedBytes) / 4)) return;
    free.length = 0;
    slab = null;
    slabAt = SLAB;
    counts.slabBytes = 0;
    for (let c = 0; c < bufs.length; c++) {
      const b = bufs[c];
      // Nothing else holds a chunk (see evict); a freeze copies from bufs when it gets there.
      if (b !== undefined && b.buffer !== initBuffer) bufs[c] = copyOf(b);
    }
  };
  const damaged = (reason: string): never => {
    if (damage === null) {
      damage = reason;
      for (const fn of listeners.splice(0)) queueMicrotask(() => fn(reason));
    }
    throw new SnapshotDamagedError(`The store database is damaged: ${damage}`);
  };
  /** The source's bytes per checksum unit, at least a chunk. */
  const unitBytes = () => Math.max(CHUNK, 2 ** (source?.log2 ?? 0));
  /**
   * The file's bytes [from, from + into.length) into `into`, checked (from a multiple of
   * `unitBytes()`); zeros past what the source holds.
   */
  const fromSource = (from: number, into: Uint8Array): Uint8Array => {
    const keep = source === null ? 0 : Math.max(0, Math.min(into.length, sourceEnd - from));
    if (keep > 0) {
      const s = source!;
      const n = Math.min(into.length, s.length - from); // whole checksum units, or to the image's end
      counts.sourceReads++;
      const bad = s.read(from, n === into.length ? into : protoSubarray.call(into, 0, n));
      if (bad >= 0) damaged(chunkMismatch(bad, s.log2));
    }
    if (keep < into.length) into.fill(0, keep); // past the image (or past a truncation)
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
      // Nothing else holds it: a read's view is copied by MEMFS at once, a snapshot keeps its own copies.
      release(bufs[c]!);
      bufs[c] = undefined;
      counts.cachedBytes -= CHUNK;
      counts.evictions++;
    }
  };
  /** `n` bytes of scratch memory for a read of several chunks (kept for the next one). */
  const scratch = (n: number): Uint8Array => {
    if (readScratch === null || readScratch.length < n) readScratch = new Uint8Array(n);
    return protoSubarray.call(readScratch, 0, n);
  };
  /**
   * `size` bytes from chunk `from` read in one call (and checked by the source: whole checksum
   * units), chunks [from, to) of them not in memory kept clean (one in memory is the same as the
   * file, or written since); `asked` with its clock bit set, the others first to go if not used.
   */
  const loadRange = (from: number, to: number, size: number, asked: number): Uint8Array => {
    const bytes = fromSource(from * CHUNK, scratch(Math.min(size, source!.length - from * CHUNK))); // or to the image's end
    capacity(to);
    for (let k = from; k < to; k++) {
      if (bufs[k] !== undefined) continue;
      bufs[k] = copyOf(protoSubarray.call(bytes, (k - from) * CHUNK, (k - from + 1) * CHUNK));
      ref[k] = k === asked ? 1 : 0;
      counts.cachedBytes += CHUNK;
    }
    return bufs[asked]!;
  };
  /** Chunk `c` (not in memory) as the file holds it, kept clean: read alone, with the chunks after it, or with its checksum unit's other chunks. */
  const loadClean = (c: number): Uint8Array => {
    const unit = unitBytes();
    if (unit === CHUNK) {
      const sequential = c === lastLoaded + 1;
      lastLoaded = c;
      if (sequential) {
        // SQLite walks a long list (a common word's positions, an index range) page after page,
        // and a read of its own for each costs a call into the file each: read ahead, up to
        // READ_AHEAD chunks, stopping at one in memory.
        const end = Math.min(c + READ_AHEAD, Math.ceil(sourceEnd / CHUNK));
        let last = c + 1;
        while (last < end && bufs[last] === undefined) last++;
        lastLoaded = last - 1;
        return loadRange(c, last, (last - c) * CHUNK, c);
      }
      const b = fromSource(c * CHUNK, alloc());
      bufs[c] = b;
      ref[c] = 1;
      counts.cachedBytes += CHUNK;
      return b;
    }
    // An older file's unit (64 KiB): read and checked whole.
    const first = Math.floor((c * CHUNK) / unit) * (unit / CHUNK);
    return loadRange(first, Math.min(first + unit / CHUNK, Math.ceil(sourceEnd / CHUNK)), unit, c);
  };
  /** Chunk `c` into memory: clean if read from the source, else (never written: zeros) dirty. */
  const load = (c: number): Uint8Array => {
    if (damage !== null) damaged(damage);
    capacity(c + 1);
    if (source !== null && c * CHUNK < sourceEnd) {
      const b = loadClean(c);
      if (counts.cachedBytes > budget) evict(c);
      return b;
    }
    const b = alloc().fill(0);
    bufs[c] = b;
    dirty[c] = epoch;
    counts.pinnedBytes += CHUNK;
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
      const view = b !== undefined && b.buffer === initBuffer;
      if (dirty[c] === 0 || dirty[c]! > upTo) {
        // A view of the first image still written since: its own copy, so that image can be freed.
        if (view) bufs[c] = copyOf(b!);
        continue;
      }
      dirty[c] = 0;
      counts.pinnedBytes -= CHUNK;
      if (view) {
        bufs[c] = undefined; // a view of the first image: read back from the new file when needed
        continue;
      }
      ref[c] = 0;
      counts.cachedBytes += CHUNK;
    }
    initBuffer = null;
    evict(-1);
    giveBack();
  };

  if (init.bytes) {
    const bytes = init.bytes;
    const n = Math.ceil(bytes.length / CHUNK);
    capacity(n);
    for (let c = 0; c < n; c++) {
      const from = c * CHUNK;
      // Whole chunks are used in place; a partial last one gets a chunk of its own.
      let b: Uint8Array;
      if (from + CHUNK <= bytes.length) {
        b = protoSubarray.call(bytes, from, from + CHUNK);
        initBuffer = bytes.buffer;
      } else {
        b = alloc().fill(0);
        protoSet.call(b, protoSubarray.call(bytes, from), 0);
      }
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
        if (f !== null && at + n > f.copied && at < f.end && !f.saved.has(c)) {
          // The snapshot has not copied this chunk yet: its old bytes are saved first.
          f.saved.set(c, protoSlice.call(b));
          counts.savedBytes += CHUNK;
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
        const b = bufs[c];
        if (b === undefined) continue;
        if (dirty[c] === 0) counts.cachedBytes -= CHUNK;
        else counts.pinnedBytes -= CHUNK;
        release(b);
        bufs[c] = undefined;
        dirty[c] = 0;
      }
      bufs.length = Math.min(bufs.length, keep);
      giveBack();
      if (sourceEnd > length) sourceEnd = length; // past it: zeros from now on, not the file's old bytes
      used = length;
    },
    freeze(length) {
      if (frozen !== null || length > used) return null;
      const upTo = epoch++;
      capacity(Math.ceil(length / CHUNK)); // the copy looks up every chunk: none past the array's end (slow in V8)
      const f = { end: length, copied: 0, saved: new Map<number, Uint8Array>() };
      frozen = f;
      let run: Uint8Array | null = null; // bytes [runFrom, runFrom + run.length) of the old file, read and checked
      let runFrom = -1;
      const dropSaved = (below: number) => {
        for (const c of f.saved.keys()) {
          if ((c + 1) * CHUNK <= below) {
            f.saved.delete(c);
            counts.savedBytes -= CHUNK;
          }
        }
      };
      /** The old file's bytes from `at` (not in memory: clean, so the file holds them), read in runs and not cached. */
      const fromFile = (at: number): { bytes: Uint8Array; from: number } => {
        if (run === null || at < runFrom || at >= runFrom + run.length) {
          const unit = unitBytes();
          const from = Math.floor(at / unit) * unit;
          const size = Math.min(Math.max(RUN, unit), Math.ceil((length - from) / unit) * unit);
          if (run === null || run.buffer.byteLength < size) run = new Uint8Array(Math.max(RUN, unit));
          run = protoSubarray.call(run, 0, size);
          runFrom = -1;
          fromSource(from, run);
          runFrom = from;
        }
        return { bytes: run, from: runFrom };
      };
      return {
        length,
        copy(into, offset) {
          if (frozen !== f) throw new Error("the frozen image was released");
          if (offset !== f.copied || offset % CHUNK !== 0) throw new Error("frozen image pieces must be copied in order, chunk-aligned");
          if (damage !== null) damaged(damage);
          const n = Math.min(into.length, length - offset);
          for (let at = offset; at < offset + n;) {
            const c = Math.floor(at / CHUNK);
            const old = (f.saved.size > 0 ? f.saved.get(c) : undefined) ?? bufs[c];
            let k = Math.min(CHUNK - (at - c * CHUNK), offset + n - at);
            if (old !== undefined) {
              protoSet.call(into, protoSubarray.call(old, at - c * CHUNK, at - c * CHUNK + k), at - offset);
            } else {
              // Not in memory: a span of such chunks from the old file at once.
              const { bytes, from } = fromFile(at);
              const stop = Math.min(offset + n, from + bytes.length);
              while (at + k < stop && bufs[(at + k) / CHUNK] === undefined && (f.saved.size === 0 || !f.saved.has((at + k) / CHUNK))) {
                k = Math.min(k + CHUNK, stop - at);
              }
              protoSet.call(into, protoSubarray.call(bytes, at - from, at - from + k), at - offset);
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
      readScratch = null;
      lastLoaded = -2;
      return prev;
    },
    get source() {
      return source;
    },
    checkAll() {
      if (source === null) return;
      const size = Math.max(RUN, unitBytes());
      let run: Uint8Array | null = null;
      for (let from = 0; from < sourceEnd; from += size) {
        const last = Math.ceil(Math.min(from + size, sourceEnd) / CHUNK);
        let c = from / CHUNK;
        while (c < last && bufs[c] !== undefined) c++;
        if (c === last) continue; // all in memory (checked when read, or written since)
        run ??= new Uint8Array(size);
        const bytes = fromSource(from, protoSubarray.call(run, 0, Math.min(size, source.length - from)));
        capacity(last);
        for (; c < last && counts.cachedBytes + CHUNK <= budget; c++) {
          if (bufs[c] !== undefined) continue;
          bufs[c] = copyOf(protoSubarray.call(bytes, c * CHUNK - from, (c + 1) * CHUNK - from));
          ref[c] = 1;
          counts.cachedBytes += CHUNK;
        }
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
      giveBack();
    },
    close() {
      closed = true;
      bufs = [];
      initBuffer = null;
      free.length = 0;
      slab = null;
      counts.slabBytes = 0;
      readScratch = null;
      frozen = null;
      counts.cachedBytes = counts.pinnedBytes = counts.savedBytes = 0;
      const s = source;
      source = null;
      s?.close();
    },
  };
  return pages;
}

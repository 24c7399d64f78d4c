/**
 * The database file without copies. sql.js keeps the database file in Emscripten's in-memory file
 * system (MEMFS): one JS byte array per file (`node.contents`), written with `contents.set(page,
 * position)`. Until now the store held that image up to three times: the snapshot file read at
 * open, MEMFS's copy of it (MEMFS copies the bytes handed to `new Database`), and `db.export()`'s
 * copy at every snapshot. Here:
 *
 * - open: the bytes read from the file ARE the MEMFS file. MEMFS takes the data with
 *   `data.slice(0, length)`; our data's own `slice` returns a stand-in whose `set` and `subarray`
 *   work on the read buffer, which has room to grow (unused room is untouched zero pages: address
 *   space, not memory). When a write outgrows it, the stand-in moves the file to a bigger buffer
 *   (MEMFS would do the same, 1.125x at a time, and lose the hooks).
 * - snapshot: the stand-in's `set` sees every write SQLite makes to the file. A snapshot freezes
 *   the image as it is (between two write batches), then copies it out piece by piece; a write
 *   meanwhile first saves the old bytes of the blocks it changes (copy-on-write), so commits go on
 *   while the snapshot is written, and only the blocks they change are held twice.
 *
 * It depends on MEMFS internals (`slice`, then `set`, `subarray` and `length` of `node.contents`),
 * so it checks itself: if MEMFS ever replaces the stand-in (a truncation copies the file to a new
 * array), the stand-in sees no more writes; a snapshot whose stamping batch was not seen writing,
 * or whose size is not SQLite's page count times page size, falls back to `db.export()` (one whole
 * copy, as before). (A read of more than a page from 0, MEMFS copying the file away, also marks it
 * lost.) A replacement while an image is frozen is harmless: MEMFS never writes to the stand-in
 * again, and the blocks changed before were saved. Pure: no I/O.
 *
 * Shrinking: MEMFS truncates a file by copying what is kept into a new array of its own, so a
 * truncation (VACUUM, `PRAGMA incremental_vacuum`) would cost a whole copy and end the tracking.
 * `shrink(fn)` runs one statement that may truncate: a truncation meanwhile is taken as the
 * file's new length, MEMFS is handed nothing to copy, and the image is detached: its bytes are
 * the whole file, but MEMFS's file (a new, empty array) is no longer it, so the database must not
 * be used again; the caller opens a new one over `detach()`'s buffer (no copy either).
 */

/** Copy-on-write granularity: SQLite writes whole pages (512 to 65536 bytes; 4096 here). */
const BLOCK = 4096;
/** SQLite reads at most one page (<= 64 KiB) at a time: a longer read from 0 is MEMFS moving the file. */
const MAX_PAGE = 65536;

const protoSet = Uint8Array.prototype.set;
const protoSubarray = Uint8Array.prototype.subarray;
const protoSlice = Uint8Array.prototype.slice;

/** An image frozen for a snapshot: its bytes as they were when frozen, read in pieces. */
export interface FrozenImage {
  readonly length: number;
  /** Copies the frozen bytes at `offset` into `into` (up to its length); returns the filled part. Sync. */
  copy(into: Uint8Array, offset: number): Uint8Array;
  /** Ends the freeze: writes stop saving old blocks. */
  release(): void;
}

/** The live database file, as MEMFS holds it. */
export interface LiveImage {
  /** False once MEMFS moved the file elsewhere (see the module doc). */
  readonly alive: boolean;
  /** Writes seen so far. */
  readonly writes: number;
  /** The file's length as written. */
  readonly length: number;
  /** Freezes the first `length` bytes (call between write batches); null if the image is lost. */
  freeze(length: number): FrozenImage | null;
  /**
   * Runs `fn` (its last step must be the one that may truncate the file) taking a truncation as
   * the file's new length without a copy; true if the file shrank (it is then detached: see the
   * module doc). Not while frozen or lost (then `fn` runs as usual and a truncation is a loss).
   */
  shrink(fn: () => void): boolean;
  /** A detached image's buffer (the file in its first `length` bytes; `written` bytes were used before), else null. */
  detach(): { buffer: Uint8Array; length: number; written: number } | null;
}

/**
 * An image not read whole yet (snapshot_lazy.ts): its bytes must be asked for before use. Both
 * throw when the bytes are damaged; nothing is then served or copied from them.
 */
export interface PendingBytes {
  /** Makes sure bytes [begin, end) of the file are there (beyond the image: nothing to do). */
  need(begin: number, end: number): void;
  /** Makes sure every byte is. */
  needAll(): void;
}

/** The growth room given to an image: a quarter more, at least 64 MiB (whole 64 KiB units, so pages never straddle). */
export function roomFor(length: number): number {
  return Math.ceil((length + Math.max(64 * 1024 * 1024, length / 4)) / MAX_PAGE) * MAX_PAGE;
}

/**
 * Wraps `buffer` (the image in its first `length` bytes, room after it) for `new Database(data)`:
 * returns `data` to hand to sql.js and the `image` that tracks MEMFS's file from then on. Bytes
 * were read into the buffer up to `written` (e.g. a checksum trailer): those after the image are
 * zeroed, so the file never shows stale bytes where it grows; the rest of the room is still
 * fresh zero pages (zeroing it all would make it resident).
 *
 * MEMFS holds a stand-in (`node.contents`) whose `set` and `subarray` work on our buffer and whose
 * `length` is unbounded, so MEMFS never moves the file itself (it would copy it whole, 1.125x at a
 * time, and drop our hooks); when a write outgrows the buffer, the stand-in moves it to a bigger one.
 */
export function trackImage(
  buffer: Uint8Array,
  length: number,
  written = length,
  pending?: PendingBytes,
): { data: Uint8Array; image: LiveImage } {
  buffer.fill(0, length, Math.min(written, buffer.length));
  let backing = buffer; // the file's bytes; replaced by a bigger buffer when the file outgrows it
  let alive = true;
  let writes = 0;
  let used = length;
  let frozen: { end: number; copied: number; saved: Map<number, Uint8Array> } | null = null;
  let shrinking = false;
  let detached: { written: number } | null = null;

  const grow = (end: number) => {
    pending?.needAll();
    const bigger = new Uint8Array(Math.max(end, roomFor(end)));
    protoSet.call(bigger, protoSubarray.call(backing, 0, used), 0);
    backing = bigger;
  };
  const contents = new Uint8Array(0); // the stand-in MEMFS keeps as the file's array
  Object.defineProperty(contents, "length", { configurable: true, get: () => Number.MAX_SAFE_INTEGER });
  Object.defineProperty(contents, "set", {
    configurable: true,
    value(src: ArrayLike<number>, position = 0) {
      const end = position + src.length;
      pending?.need(position, end); // a page written over must have been verified as it was
      writes++;
      if (frozen !== null && end > frozen.copied && position < frozen.end) {
        // Save the blocks this write changes that the snapshot has not copied yet.
        const from = Math.max(position, frozen.copied);
        const to = Math.min(end, frozen.end);
        for (let b = Math.floor(from / BLOCK); b * BLOCK < to; b++) {
          if (!frozen.saved.has(b)) frozen.saved.set(b, protoSlice.call(backing, b * BLOCK, Math.min((b + 1) * BLOCK, frozen.end)));
        }
      }
      if (end > backing.length) grow(end);
      protoSet.call(backing, src, position);
      if (end > used) used = end;
    },
  });
  Object.defineProperty(contents, "subarray", {
    configurable: true,
    value(begin?: number, end?: number) {
      pending?.need(begin ?? 0, end ?? used);
      // SQLite reads a page at a time; a longer read from 0 is MEMFS copying the file away (truncation).
      if (begin === 0 && end !== undefined && end > MAX_PAGE) {
        if (shrinking && detached === null && end < used && end % BLOCK === 0) {
          // A truncation to `end` bytes, expected: the file stays here; MEMFS's new array gets nothing.
          detached = { written: used };
          used = end;
          return protoSubarray.call(backing, 0, 0);
        }
        alive = false;
      }
      return protoSubarray.call(backing, begin, end);
    },
  });

  const data = protoSubarray.call(buffer, 0, length);
  Object.defineProperty(data, "slice", {
    configurable: true,
    value(this: Uint8Array, begin?: number, end?: number) {
      // MEMFS's first write of a new file keeps `data.slice(0, length)`: let it keep the stand-in instead.
      return begin === 0 && end === length ? contents : protoSlice.call(this, begin, end);
    },
  });

  const image: LiveImage = {
    get alive() {
      return alive;
    },
    get writes() {
      return writes;
    },
    get length() {
      return used;
    },
    freeze(end) {
      if (!alive || detached !== null || frozen !== null || end > used) return null;
      pending?.needAll(); // the snapshot copies every byte
      const f = { end, copied: 0, saved: new Map<number, Uint8Array>() };
      frozen = f;
      return {
        length: end,
        copy(into, offset) {
          if (frozen !== f) throw new Error("the frozen image was released");
          if (offset !== f.copied || offset % BLOCK !== 0) throw new Error("frozen image pieces must be copied in order, block-aligned");
          const n = Math.min(into.length, end - offset);
          protoSet.call(into, protoSubarray.call(backing, offset, offset + n), 0);
          for (let b = offset / BLOCK; b * BLOCK < offset + n; b++) {
            const old = f.saved.get(b);
            if (old) {
              protoSet.call(into, old, b * BLOCK - offset);
              f.saved.delete(b);
            }
          }
          f.copied = offset + n;
          return protoSubarray.call(into, 0, n);
        },
        release() {
          if (frozen === f) frozen = null;
        },
      };
    },
    shrink(fn) {
      if (!alive || detached !== null || frozen !== null) {
        fn();
        return false;
      }
      pending?.needAll(); // the file's end is moved
      shrinking = true;
      try {
        fn();
      } finally {
        shrinking = false;
      }
      return detached !== null;
    },
    detach() {
      if (detached === null) return null;
      alive = false; // whatever MEMFS does next, it is not to this file
      return { buffer: backing, length: used, written: detached.written };
    },
  };
  return { data, image };
}

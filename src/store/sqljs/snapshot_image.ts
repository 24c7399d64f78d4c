/**
 * sql.js's database file, without the whole image in memory. sql.js keeps the database file in
 * Emscripten's in-memory file system (MEMFS): one JS byte array per file (`node.contents`), read
 * with `contents.subarray(begin, end)` and written with `contents.set(page, position)`. Here MEMFS
 * is handed a stand-in for that array whose `subarray`, `set` and `length` go to the chunked file
 * of image_pages.ts: pages are read from the snapshot file on demand (checked against their
 * checksums), a bounded cache of them is kept, written ones are pinned until a snapshot holds
 * them, and a snapshot copies the image out piece by piece (copy-on-write while commits go on).
 *
 * - open: `new Database(data)`: MEMFS keeps `data.slice(0, length)` as the file's array; our
 *   data's own `slice` returns the stand-in instead (no copy).
 * - MEMFS never grows the file itself (the stand-in's `length` is unbounded), which would copy it.
 *
 * It depends on MEMFS internals (`slice`, then `set`, `subarray` and `length` of `node.contents`),
 * so it checks itself: a read of more than a page from 0 is MEMFS copying the file away (a
 * truncation copies the file to a new array): the file is then handed over whole and marked lost:
 * a snapshot of a lost file falls back to `db.export()` (see snapshot.ts).
 *
 * Shrinking: MEMFS truncates a file by copying what is kept into a new array of its own, so a
 * truncation (VACUUM, `PRAGMA incremental_vacuum`) would cost a whole copy and end the tracking.
 * `shrink(fn)` runs one statement that may truncate: a truncation meanwhile is taken as the
 * file's new length, MEMFS is handed nothing to copy, and the image is detached: its pages are
 * the whole file, but MEMFS's file (a new, empty array) is no longer it, so the database must not
 * be used again; the caller opens a new one over `detach()`'s pages (no copy either). Pure: no I/O.
 */
import { createPages, type FrozenPages, type Pages } from "./image_pages.ts";

/** SQLite reads at most one page (<= 64 KiB) at a time: a longer read from 0 is MEMFS moving the file. */
const MAX_PAGE = 65536;
/** SQLite's pages are at least this and a truncation is to a whole page count. */
const MIN_PAGE = 512;

const protoSlice = Uint8Array.prototype.slice;

/** An image frozen for a snapshot: its bytes as they were when frozen, read in pieces. */
export type FrozenImage = FrozenPages;

/** The live database file, as MEMFS holds it. */
export interface LiveImage {
  /** False once MEMFS moved the file elsewhere (see the module doc). */
  readonly alive: boolean;
  /** Writes seen so far. */
  readonly writes: number;
  /** The file's length as written. */
  readonly length: number;
  /** The chunked file. */
  readonly pages: Pages;
  /** Freezes the first `length` bytes (call between write batches); null if the image is lost. */
  freeze(length: number): FrozenImage | null;
  /**
   * Runs `fn` (its last step must be the one that may truncate the file) taking a truncation as
   * the file's new length without a copy; true if the file shrank (it is then detached: see the
   * module doc). Not while frozen or lost (then `fn` runs as usual and a truncation is a loss).
   */
  shrink(fn: () => void): boolean;
  /** A detached image's pages (the whole file), else null. */
  detach(): Pages | null;
}

/**
 * Wraps `pages` for `new Database(data)`: returns `data` to hand to sql.js and the `image` that
 * tracks MEMFS's file from then on (see the module doc).
 */
export function trackPages(pages: Pages): { data: Uint8Array; image: LiveImage } {
  let alive = true;
  let writes = 0;
  let frozen = false;
  let shrinking = false;
  let detached = false;

  const contents = new Uint8Array(0); // the stand-in MEMFS keeps as the file's array
  Object.defineProperty(contents, "length", { configurable: true, get: () => Number.MAX_SAFE_INTEGER });
  Object.defineProperty(contents, "set", {
    configurable: true,
    value(src: Uint8Array, position = 0) {
      writes++;
      pages.write(src, position);
    },
  });
  Object.defineProperty(contents, "subarray", {
    configurable: true,
    value(begin = 0, end = pages.length) {
      // SQLite reads a page at a time; a longer read from 0 is MEMFS copying the file away (truncation).
      if (begin === 0 && end > MAX_PAGE) {
        if (shrinking && !detached && end < pages.length && end % MIN_PAGE === 0) {
          // A truncation to `end` bytes, expected: the file stays here; MEMFS's new array gets nothing.
          detached = true;
          pages.truncate(end);
          return new Uint8Array(0);
        }
        alive = false;
      }
      return pages.read(begin, end);
    },
  });

  const length = pages.length;
  const data = new Uint8Array(0);
  Object.defineProperty(data, "length", { configurable: true, value: length });
  Object.defineProperty(data, "slice", {
    configurable: true,
    value(this: Uint8Array, begin?: number, end?: number) {
      // MEMFS's first write of a new file keeps `data.slice(0, length)`: let it keep the stand-in instead.
      return begin === 0 && end === length ? contents : protoSlice.call(pages.read(0, length), begin, end);
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
      return pages.length;
    },
    pages,
    freeze(end) {
      if (!alive || detached || frozen || end > pages.length) return null;
      const f = pages.freeze(end);
      if (f === null) return null;
      frozen = true;
      return {
        length: f.length,
        copy: f.copy,
        durable: f.durable,
        release() {
          f.release();
          frozen = false;
        },
      };
    },
    shrink(fn) {
      if (!alive || detached || frozen) {
        fn();
        return false;
      }
      shrinking = true;
      try {
        fn();
      } finally {
        shrinking = false;
      }
      return detached;
    },
    detach() {
      if (!detached) return null;
      alive = false; // whatever MEMFS does next, it is not to this file
      return pages;
    },
  };
  return { data, image };
}

/**
 * Wraps an image held in memory (a new store, an older snapshot read whole) for `new Database(data)`:
 * its chunks are pinned until a snapshot holds them (image_pages.ts).
 */
export function trackImage(bytes: Uint8Array, cacheBytes?: number): { data: Uint8Array; image: LiveImage } {
  return trackPages(createPages({ bytes, cacheBytes }));
}

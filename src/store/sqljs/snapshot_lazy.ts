/**
 * A format-2 snapshot (per-chunk checksums, snapshot_checksum.ts) opened before it is read: only
 * its trailer and chunk table are read at open; its chunks are read from the file when SQLite
 * needs them, and checked against the table (image_pages.ts keeps a bounded cache of them). The
 * reads are synchronous (runtime/sync_read.ts): SQLite's read cannot wait for a promise, and
 * FsPort is asynchronous.
 *
 * A large store's file is also read whole once in the background (the read worker, `fillChunks`),
 * after the first answers, only to check it: damage in a chunk nobody reads yet is found early
 * (the durable store then stops writes and keeps the file aside, as for a damaged file at open).
 * It keeps none of the bytes. A smaller store is checked whole at open (`checkAll`), so damage in
 * it is still found at open.
 */
import { closeSync, fstatSync, openSync, readSync } from "../../runtime/sync_read.ts";
import { chunkMismatch, chunkTableWords, firstBadChunk, imageChecksum, parseTrailer, sameChecksum, TRAILER_BYTES } from "./snapshot_checksum.ts";
import type { ChunkSource, Pages } from "./image_pages.ts";

export { SnapshotDamagedError } from "./image_pages.ts";

/** Synchronous positional file reads (injectable: the Windows rename order is tested with a fake). */
export interface SyncFiles {
  open(path: string): number;
  read(fd: number, into: Uint8Array, position: number): number;
  size(fd: number): number;
  close(fd: number): void;
}

/** The runtime's files. */
export const syncFiles: SyncFiles = {
  open: (path) => openSync(path, "r"),
  read: (fd, into, position) => readSync(fd, into, 0, into.length, position),
  size: (fd) => fstatSync(fd).size,
  close: (fd) => closeSync(fd),
};

/** A format-2 snapshot's verified chunk table, and the flags of its background check (structured-cloneable). */
export interface LazyShare {
  path: string;
  imageLength: number;
  /** The verified chunk table. */
  table: Uint8Array;
  /** Bytes per chunk (log2): 12 as written now, 16 in files written before (both read). */
  log2: number;
  /** Two Int32s: the stop flag, then the go flag (see `fillChunks`). */
  flags: SharedArrayBuffer;
}

/**
 * Smaller images are checked whole at open (tens of milliseconds): damage in them is still found
 * at open, and only a large store takes the later detection for a faster start.
 */
export const LAZY_FROM_BYTES = 32 * 1024 * 1024;

/**
 * For a format-2 file whose trailer and chunk table are sound (any chunk size: 4 KiB now, 64 KiB
 * before), its table (nothing else read yet); null for anything else (no file, an older format, a
 * damaged trailer or table, no shared memory): that is read whole, as before, and gets the same
 * verdict as ever.
 */
export function shareOf(path: string, files: SyncFiles = syncFiles): LazyShare | null {
  if (typeof SharedArrayBuffer !== "function") return null;
  let fd: number;
  try {
    fd = files.open(path);
  } catch {
    return null;
  }
  try {
    const size = files.size(fd);
    if (size < TRAILER_BYTES) return null;
    const tail = new Uint8Array(TRAILER_BYTES);
    readFully(files, fd, tail, size - TRAILER_BYTES, path);
    let trailer;
    try {
      trailer = parseTrailer(tail, size);
    } catch {
      return null;
    }
    if (!trailer?.chunks) return null;
    const table = new Uint8Array(trailer.chunks.tableBytes);
    readFully(files, fd, table, trailer.imageLength, path);
    if (!sameChecksum(imageChecksum(table), trailer.checksum)) return null;
    return { path, imageLength: trailer.imageLength, table, log2: trailer.chunks.log2, flags: new SharedArrayBuffer(8) };
  } catch {
    return null;
  } finally {
    files.close(fd);
  }
}

function readFully(files: SyncFiles, fd: number, into: Uint8Array, position: number, path: string): void {
  for (let off = 0; off < into.length;) {
    const n = files.read(fd, into.subarray(off), position + off);
    if (n <= 0) throw Object.assign(new Error(`unexpected end of ${path}`), { code: "EIO" });
    off += n;
  }
}

/** What a read needs of a share: the file, its length and its chunk table (as words). */
type ShareFile = Pick<LazyShare, "path" | "imageLength" | "log2"> & { words: Uint32Array };

/**
 * Bytes [from, from + into.length) of the image (from a multiple of the chunk size; the end one too,
 * or the image's end) read through `fd` in one read and checked chunk by chunk: the first chunk
 * that fails, or -1.
 */
function readChecked(files: SyncFiles, fd: number, share: ShareFile, from: number, into: Uint8Array): number {
  readFully(files, fd, into, from, share.path);
  return firstBadChunk(share.words, from / 2 ** share.log2, into, share.log2);
}

/** Bytes per read of the background check (a multiple of every chunk size up to it): few calls, little memory. */
const FILL_RUN = 1024 * 1024;

/**
 * The worker's part: reads and checks every chunk in order, keeping none; stops early when the
 * main thread sets the stop flag. Returns the reason of the first damaged chunk, or null.
 * With `holdMs`, it first waits (at most that long) for the main thread's go (`LazySnapshot.fill`):
 * on two busy cores the fill slowed the first answer, which reads its few chunks itself
 * (1M store, `bench cold`, load 3.5-4: Node p50 926 -> 753 ms, Deno 861 -> 468 ms with the fill held).
 */
export function fillChunks(share: LazyShare, holdMs = 0, files: SyncFiles = syncFiles): string | null {
  const flags = new Int32Array(share.flags);
  if (holdMs > 0) Atomics.wait(flags, 1, 0, holdMs);
  const file: ShareFile = { ...share, words: chunkTableWords(share.table) };
  const run = Math.max(FILL_RUN, 2 ** share.log2);
  const into = new Uint8Array(Math.min(run, share.imageLength));
  const fd = files.open(share.path);
  try {
    for (let at = 0; at < share.imageLength; at += run) {
      if (Atomics.load(flags, 0) !== 0) return null;
      const bad = readChecked(files, fd, file, at, into.subarray(0, Math.min(run, share.imageLength - at)));
      if (bad >= 0) return chunkMismatch(bad, share.log2);
    }
    return null;
  } finally {
    files.close(fd);
  }
}

/** A snapshot file read chunk by chunk (image_pages.ts's source). */
export interface FileSource extends ChunkSource {
  readonly path: string;
  /** The verified chunk table. */
  readonly table: Uint8Array;
  /** Opens the file now (reads would open it when needed). */
  open(): void;
  /** The file was renamed to `path` (a reopen goes there). */
  renamed(path: string): void;
  /** Closes the file for now (a later read opens it again): a file held open cannot be renamed over on Windows. */
  release(): void;
}

/** Chunks of the file `share` describes, read through `files`; `onClose` runs at the first `release` or `close`. */
export function fileSource(
  share: Pick<LazyShare, "path" | "imageLength" | "table" | "log2">,
  files: SyncFiles = syncFiles,
  onClose?: () => void,
): FileSource {
  let path = share.path;
  const file: ShareFile = { path, imageLength: share.imageLength, log2: share.log2, words: chunkTableWords(share.table) };
  let fd: number | null = null;
  let closed = false;
  const done = () => {
    if (fd !== null) files.close(fd);
    fd = null;
    onClose?.();
    onClose = undefined;
  };
  return {
    length: share.imageLength,
    log2: share.log2,
    table: share.table,
    get path() {
      return path;
    },
    read(from, into) {
      if (closed) throw new Error(`the snapshot file ${path} was closed`);
      fd ??= files.open(path);
      return readChecked(files, fd, file, from, into);
    },
    open() {
      fd ??= files.open(path);
    },
    renamed(to) {
      path = to;
      file.path = to;
    },
    release: done,
    close() {
      closed = true;
      done();
    },
  };
}

/** A snapshot opened before it is read, with its background check (if any). */
export interface LazySnapshot {
  readonly source: FileSource;
  /** Check every chunk at open (a small store), not in the background. */
  readonly checkAtOpen: boolean;
  /** The pages the source serves; damage the background check finds goes there. */
  attach(pages: Pages): void;
  /** The background check found damage in a chunk nobody needed yet. */
  reportDamage(reason: string): void;
  /** Lets a held background check start (see `fillChunks`). */
  fill(): void;
  /** Stops the background check and closes the file. */
  close(): void;
}

/** The main thread's handle on `share` (see the module doc). */
export function lazySnapshot(share: LazyShare, opts: { checkAtOpen?: boolean; files?: SyncFiles } = {}): LazySnapshot {
  const flags = new Int32Array(share.flags);
  const stop = () => {
    Atomics.store(flags, 0, 1);
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
  };
  const source = fileSource(share, opts.files, stop);
  let pages: Pages | null = null;
  let pending: string | null = null;
  return {
    source,
    checkAtOpen: opts.checkAtOpen ?? share.imageLength < LAZY_FROM_BYTES,
    attach(p) {
      pages = p;
      if (pending !== null) p.reportDamage(pending, source);
    },
    reportDamage(reason) {
      if (pages !== null) pages.reportDamage(reason, source);
      else pending ??= reason;
    },
    fill() {
      Atomics.store(flags, 1, 1);
      Atomics.notify(flags, 1);
    },
    close() {
      source.close();
    },
  };
}

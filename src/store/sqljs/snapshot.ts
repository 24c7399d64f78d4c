/**
 * Snapshots: the whole database image plus a checksum trailer (`snapshot_checksum.ts`), written
 * to a temp file in the store folder, fsynced, renamed over the previous snapshot, and the
 * folder fsynced, so the snapshot on disk is always either the old one or the new one, complete.
 * The image records the journal seq it covers in `_durable_meta`, written just before it is
 * frozen, so image and seq can never disagree. The image is written piece by piece straight from
 * sql.js's own file (`snapshot_image.ts`, `image_pages.ts`), not from a whole copy (`db.export()`
 * is the fallback), and the file's chunks not in memory are read from the new file from then on.
 */
import type { Database, SqlJsStatic } from "sql.js";
import type { FsFile, FsPort } from "../../runtime/fs.ts";
import { fsErrorCode, renameWithRetry, unlinkWithRetry } from "../../runtime/fs.ts";
import {
  checkSnapshotFile,
  CHUNK_LOG2,
  chunkTableBytes,
  chunkTableWords,
  chunkMismatch,
  createChecksum,
  createChunkedChecksum,
  firstBadChunk,
  imageChecksum,
  MISMATCH,
  parseTrailer,
  sameChecksum,
  type SnapshotFileCheck,
  TABLE_MISMATCH,
  TRAILER_BYTES,
} from "./snapshot_checksum.ts";
import { type LiveImage, trackImage, trackPages } from "./snapshot_image.ts";
import { createPages, type Pages } from "./image_pages.ts";
import { fileSource, type LazySnapshot, lazySnapshot, shareOf, type SyncFiles } from "./snapshot_lazy.ts";

/** A snapshot file's verdict: checked whole, or (format 2) opened before it is read, checked chunk by chunk as used. */
export type SnapshotVerdict = SnapshotFileCheck | { kind: "lazy"; lazy: LazySnapshot };

/** The live file of each database opened from a snapshot or created fresh (see snapshot_image.ts). */
const liveImages = new WeakMap<Database, LiveImage>();

/**
 * Remembers `image` as the live file of `db` until the database is closed (a closed database may
 * stay referenced; its image, the size of the store, must not). A detached image's pages belong
 * to whoever took them (shrinkTracked, captureCompacted); the others are closed with the database.
 */
function track(db: Database, image: LiveImage): void {
  liveImages.set(db, image);
  onClose(db, () => {
    liveImages.delete(db);
    if (image.detach() === null) image.pages.close();
  });
}

/** The chunked file of a database opened here (image_pages.ts), while it is open. */
export function pagesOf(db: Database): Pages | undefined {
  return liveImages.get(db)?.pages;
}

/** Runs `fn` when `db` is closed (before sql.js closes it). */
function onClose(db: Database, fn: () => void): void {
  const close = db.close;
  Object.defineProperty(db, "close", {
    configurable: true,
    writable: true,
    value(this: Database) {
      fn();
      return close.call(this);
    },
  });
}

/** An empty database image (one page, the default page size), made once. */
let emptyImage: Uint8Array | null = null;

/**
 * For a new, empty database: the `data` to create it from (an empty image in a buffer with room
 * to grow) and `track(db)` to call on the created database, so its file is tracked like a loaded
 * one and its snapshots need no whole copy either.
 */
export function freshImage(Database: SqlJsStatic["Database"]): { data: Uint8Array; track(db: Database): void } {
  if (emptyImage === null) {
    const db = new Database();
    try {
      // Free pages can be given back (see snapshot_compact.ts): only settable before the first table.
      db.exec("PRAGMA auto_vacuum = INCREMENTAL");
      db.exec("PRAGMA user_version = 0"); // writes the header page: an empty database of one page
      emptyImage = db.export();
    } finally {
      db.close();
    }
  }
  const { data, image } = trackImage(emptyImage.slice()); // its own: the chunks of an image are used in place
  return { data, track: (db) => track(db, image) };
}

/** Engine bookkeeping table inside the image (not part of the domain schema). */
export const META_TABLE = "_durable_meta";

/** Creates the bookkeeping table if needed. */
export function ensureMetaTable(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${META_TABLE} (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`);
}

/** The seq and time recorded in an image (0/null for a store never snapshotted). */
export function readSnapshotMeta(db: Database): { seq: number; at: number | null } {
  const exists = db.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '${META_TABLE}'`);
  if (exists.length === 0) return { seq: 0, at: null };
  let seq = 0;
  let at: number | null = null;
  for (const row of db.exec(`SELECT k, v FROM ${META_TABLE}`)[0]?.values ?? []) {
    if (row[0] === "seq") seq = Number(row[1]);
    if (row[0] === "at") at = Number(row[1]);
  }
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`bad snapshot seq ${String(seq)}`);
  return { seq, at };
}

/** Records the seq the next export covers. Runs outside any transaction, between batches. */
export function stampSnapshotMeta(db: Database, seq: number, at: number): void {
  db.run(`INSERT OR REPLACE INTO ${META_TABLE} (k, v) VALUES ('seq', ?), ('at', ?)`, [seq, at]);
}

const MAGIC = "SQLite format 3\u0000";

/**
 * Opens a snapshot file and checks it: against its checksum trailer when it has one (a flipped
 * byte anywhere in the file is caught without SQLite reading every page), else (a snapshot
 * written before checksums) with `PRAGMA quick_check`. Throws an Error saying what is wrong
 * (not SQLite, damaged, checksum mismatch, check failed, unreadable bookkeeping); the caller
 * decides what to do with the file.
 */
export async function openSnapshot(
  sql: SqlJsStatic,
  bytes: Uint8Array,
  checked?: SnapshotVerdict,
): Promise<{ db: Database; seq: number; at: number | null; checksum: boolean; lazy?: LazySnapshot }> {
  const lazy = checked?.kind === "lazy" ? checked.lazy : undefined;
  let pages: Pages | undefined;
  if (lazy) {
    pages = createPages({ source: lazy.source });
    lazy.attach(pages);
    try {
      if (lazy.checkAtOpen) pages.checkAll(); // a small store: damage is found at open, as when it was read whole
      bytes = pages.read(0, Math.min(100, pages.length)); // throws if damaged: the caller handles it as any damaged file
    } catch (err) {
      pages.close();
      throw err;
    }
  }
  if (bytes.length < 100) throw new Error(`too short to be a SQLite database (${bytes.length} bytes)`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new Error("not a SQLite database (bad header)");
  }
  const file = lazy ? null : (checked as SnapshotFileCheck | undefined) ?? checkSnapshotFile(bytes);
  if (file?.kind === "damaged") throw new Error(file.reason);
  let db: Database | undefined;
  try {
    // The image's chunks become sql.js's file itself (read whole: used in place until the first snapshot).
    const tracked = pages ? trackPages(pages) : trackImage(file!.image);
    db = new sql.Database(tracked.data);
    track(db, tracked.image);
    if (file?.kind === "unchecked") {
      const rows = db.exec("PRAGMA quick_check")[0]?.values ?? [];
      const verdict = rows.map((r) => String(r[0])).join("; ");
      if (verdict !== "ok") throw new Error(`integrity check failed: ${verdict.slice(0, 300)}`);
    }
    const meta = readSnapshotMeta(db);
    return { db, ...meta, checksum: file?.kind !== "unchecked", lazy };
  } catch (err) {
    try {
      if (db) db.close();
      else pages?.close();
    } catch {
      // already unusable
    }
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(msg.startsWith("integrity") ? msg : `cannot open as SQLite: ${msg}`);
  }
}

/** A snapshot file as read, with the verdict of its checksum. */
export interface SnapshotRead {
  bytes: Uint8Array;
  checked: SnapshotVerdict;
}

/**
 * The snapshot at `path` to open: a format-2 file opened before it is read (only its chunk table
 * is read now; snapshot_lazy.ts), anything else read whole and checked (`readSnapshotFile`).
 */
export async function readSnapshot(fs: FsPort, path: string): Promise<SnapshotRead | null> {
  const share = shareOf(path);
  if (share !== null) return { bytes: new Uint8Array(0), checked: { kind: "lazy", lazy: lazySnapshot(share) } };
  return await readSnapshotFile(fs, path);
}

/** The bytes a snapshot file takes on disk (image, chunk table, trailer) for the stats. */
export function snapshotFileBytes(read: SnapshotRead): number {
  if (read.checked.kind !== "lazy") return read.bytes.length;
  const { length, log2 } = read.checked.lazy.source;
  return length + chunkTableBytes(length, log2) + TRAILER_BYTES;
}

/** Bytes per read while checking: big enough for few calls, small enough that reads and checksumming overlap. */
const READ_PIECE = 8 * 1024 * 1024;

/**
 * Reads a snapshot file (null if there is none) and verifies its checksum while reading: each
 * piece is checksummed while the next one is being read, so the check adds little to the read.
 * Throws only on I/O errors; a bad file comes back with a "damaged" verdict.
 */
export async function readSnapshotFile(fs: FsPort, path: string): Promise<(SnapshotRead & { checked: SnapshotFileCheck }) | null> {
  let f: FsFile;
  try {
    f = await fs.open(path, "r");
  } catch (err) {
    if (fsErrorCode(err) === "ENOENT") return null;
    throw err;
  }
  try {
    const size = (await fs.fstat(f)).size;
    // Its whole chunks are used in place as sql.js's file until the first snapshot (see openSnapshot).
    const bytes = new Uint8Array(size);
    let trailer;
    try {
      if (size < TRAILER_BYTES) throw new Error("short");
      await readAt(fs, f, bytes.subarray(size - TRAILER_BYTES), size - TRAILER_BYTES);
      trailer = parseTrailer(bytes.subarray(size - TRAILER_BYTES), size);
    } catch {
      trailer = null;
    }
    if (trailer === null) {
      // No trailer or a damaged one: read it whole and judge it as a whole.
      await readAt(fs, f, bytes, 0);
      return { bytes, checked: checkSnapshotFile(bytes) };
    }
    const { imageLength, chunks } = trailer;
    let table: Uint8Array | null = null;
    let words: Uint32Array | null = null;
    if (chunks) {
      table = bytes.subarray(imageLength, imageLength + chunks.tableBytes);
      await readAt(fs, f, table, imageLength);
      if (!sameChecksum(imageChecksum(table), trailer.checksum)) {
        await readAt(fs, f, bytes, 0); // whole, as any damaged file: the open looks at its header first
        return { bytes, checked: { kind: "damaged", reason: TABLE_MISMATCH } };
      }
      words = chunkTableWords(table);
    }
    const sum = createChecksum();
    let bad: string | null = null;
    const piece = (i: number) => bytes.subarray(i * READ_PIECE, Math.min(imageLength, (i + 1) * READ_PIECE));
    const pieces = Math.ceil(imageLength / READ_PIECE);
    let reading = readAt(fs, f, piece(0), 0);
    for (let i = 0; i < pieces; i++) {
      await reading;
      if (i + 1 < pieces) reading = readAt(fs, f, piece(i + 1), (i + 1) * READ_PIECE);
      // while the next piece is read:
      if (table === null) sum.update(piece(i));
      else if (bad === null) {
        const c = firstBadChunk(words!, (i * READ_PIECE) / 2 ** chunks!.log2, piece(i), chunks!.log2);
        if (c >= 0) bad = chunkMismatch(c, chunks!.log2);
      }
    }
    const image = bytes.subarray(0, imageLength);
    const ok = table === null ? sameChecksum(sum.digest(), trailer.checksum) : bad === null;
    return { bytes, checked: ok ? { kind: "verified", image } : { kind: "damaged", reason: bad ?? MISMATCH } };
  } finally {
    await fs.close(f).catch(() => {});
  }
}

async function readAt(fs: FsPort, f: FsFile, into: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < into.length) {
    const n = await fs.read(f, into.subarray(off), position + off);
    if (n <= 0) throw Object.assign(new Error(`unexpected end of ${f.path}`), { code: "EIO" });
    off += n;
  }
}

/** Files and helpers a snapshot write needs. */
export interface SnapshotTarget {
  fs: FsPort;
  dir: string;
  path: string;
  tempPath: string;
  sleep: (ms: number) => Promise<void>;
  /** How the new file is read from once written (default the runtime's; a fake in tests). */
  files?: SyncFiles;
}

/** An image to write, read piece by piece (frozen while it is written). */
export interface ImageSource {
  readonly length: number;
  /** Copies the bytes at `offset` (in order, pieces of `into.length`) and returns them. */
  copy(into: Uint8Array, offset: number): Uint8Array;
  /** Done with it (ends the freeze). */
  release(): void;
  /** True when it is a whole copy (`db.export()`), worth a garbage collection once written. */
  readonly wholeCopy: boolean;
  /** The chunked file it is frozen from: once written, its chunks are read from the new file (writeSnapshotFile). */
  readonly pages?: Pages;
  /** The snapshot is in place: the chunks it holds become clean (image_pages.ts). */
  durable?(): void;
}

/**
 * The image to snapshot, taken between write batches: `stamp` (which records the seq) runs first;
 * then the live file is frozen when it is known to be sql.js's file (its writes were seen, its size
 * is SQLite's page count times page size), else the image is exported whole (as before).
 */
export function captureImage(db: Database, stamp: () => void): ImageSource {
  const live = liveImages.get(db);
  const writesBefore = live?.writes ?? 0;
  stamp();
  return frozenOrExported(db, live, writesBefore);
}

/** The live file frozen if its writes since `writesBefore` (the stamp) were seen and its size is SQLite's, else exported. */
function frozenOrExported(db: Database, live: LiveImage | undefined, writesBefore: number): ImageSource {
  if (live?.alive && live.writes > writesBefore) {
    const row = db.exec("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")[0]?.values[0];
    const length = Number(row?.[0]);
    const frozen = length === live.length ? live.freeze(length) : null;
    if (frozen) return { length, copy: frozen.copy, release: frozen.release, durable: frozen.durable, pages: live.pages, wholeCopy: false };
  }
  const bytes = db.export();
  return bytesSource(bytes);
}

/**
 * Runs `statement` (one that may truncate the file: VACUUM, `PRAGMA incremental_vacuum`) on `db`,
 * whose file must be tracked and which nobody else uses yet. If the file shrank, `db` is closed
 * and a new database over the same buffer is returned (no copy; see snapshot_image.ts), else null
 * (`db` unchanged and still open). Throws what the statement throws (`db` is then unreliable).
 */
export function shrinkTracked(sql: SqlJsStatic, db: Database, statement: string): Database | null {
  const live = liveImages.get(db);
  if (!live?.alive) return null;
  if (!live.shrink(() => db.exec(statement))) return null;
  const pages = live.detach()!;
  db.close();
  const { data, image } = trackPages(pages);
  const reopened = new sql.Database(data);
  track(reopened, image);
  return reopened;
}

/**
 * `captureImage` for a last snapshot (the database is closed right after): `stamp` and
 * `PRAGMA incremental_vacuum` in one transaction, so the free pages are left out of the image.
 * When the file shrank, `db` is closed here and the image is its own buffer (no copy); otherwise
 * (no free pages, a store without incremental auto-vacuum, an untracked file) as captureImage.
 */
export function captureCompacted(db: Database, stamp: () => void): ImageSource {
  const live = liveImages.get(db);
  const writesBefore = live?.writes ?? 0;
  let stamped = false;
  const shrank = live?.alive === true && live.shrink(() => {
    db.exec("BEGIN");
    try {
      stamp();
      stamped = true;
      db.exec("PRAGMA incremental_vacuum");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
    db.exec("COMMIT"); // the truncation, if any, comes last: after every page is written
  });
  if (!shrank) {
    if (!stamped) stamp();
    return frozenOrExported(db, live, writesBefore);
  }
  const pages = live!.detach()!;
  db.close(); // its file is no longer MEMFS's: reads would see an empty file
  const frozen = pages.freeze(pages.length)!;
  const release = () => {
    frozen.release();
    pages.close(); // nobody uses it any more
  };
  return { length: frozen.length, copy: frozen.copy, release, durable: frozen.durable, pages, wholeCopy: false };
}

/** Bytes per piece written: the only copy of the image a snapshot holds. */
const WRITE_PIECE = 8 * 1024 * 1024;

/**
 * Writes `image` and its chunk checksums and trailer (format 2, computed piece by piece as written) as the new
 * snapshot, atomically. On any failure the previous snapshot is untouched and the temp file is
 * removed (best effort); the error is rethrown. Resolves with the bytes written.
 */
export async function writeSnapshotFile(t: SnapshotTarget, image: ImageSource | Uint8Array): Promise<number> {
  const { fs } = t;
  const source = image instanceof Uint8Array ? bytesSource(image) : image;
  const f = await fs.open(t.tempPath, "w+", 0o600);
  let closed = false;
  let swap: ReturnType<typeof readFromNewFile> = null;
  let trailer: Uint8Array;
  try {
    const sum = createChunkedChecksum(source.length);
    const piece = new Uint8Array(Math.min(WRITE_PIECE, source.length));
    for (let offset = 0; offset < source.length;) {
      const bytes = source.copy(piece, offset);
      sum.update(bytes);
      await fs.write(f, bytes, offset);
      offset += bytes.length;
    }
    trailer = sum.suffix();
    await fs.write(f, trailer, source.length);
    await fs.fsync(f);
    await fs.close(f);
    closed = true;
    await fs.chmod(t.tempPath, 0o600);
    swap = readFromNewFile(t, source, trailer);
    await renameWithRetry(fs, t.tempPath, t.path, t.sleep);
  } catch (err) {
    if (!closed) await fs.close(f).catch(() => {});
    swap?.undo();
    await unlinkWithRetry(fs, t.tempPath, t.sleep).catch(() => {});
    throw err;
  }
  swap?.done(t.path);
  // After the rename the new image is in place; the folder fsync makes the rename itself durable.
  await fs.fsyncDir(t.dir);
  source.durable?.();
  return source.length + trailer.length;
}

/**
 * The chunks of `source`'s file not in memory are read from the new file (at `t.tempPath`, written
 * and fsynced) from now on: every one of them is the same there as in the old file (a chunk not in
 * memory is clean, and was not written since the freeze). In this order, so that it also works
 * where a file held open cannot be renamed over (Windows): the new file is opened first, the old
 * one closed, then the rename. `undo` (the rename failed): the old file again; `done`: the new one
 * is at `path` now, the old one is closed for good.
 */
function readFromNewFile(t: SnapshotTarget, source: ImageSource, suffix: Uint8Array): { undo(): void; done(path: string): void } | null {
  const pages = source.pages;
  if (!pages || !source.durable) return null;
  const table = suffix.slice(0, chunkTableBytes(source.length));
  const next = fileSource({ path: t.tempPath, imageLength: source.length, table, log2: CHUNK_LOG2 }, t.files);
  next.open();
  const prev = pages.swapSource(next);
  prev.source?.release?.();
  return {
    undo() {
      pages.swapSource(prev.source, prev.end);
      next.close();
    },
    done(path) {
      next.renamed(path);
      prev.source?.close();
    },
  };
}

function bytesSource(bytes: Uint8Array): ImageSource {
  let held: Uint8Array | null = bytes; // dropped at release, so a collection can free the copy
  return {
    length: bytes.length,
    copy(into, offset) {
      if (held === null) throw new Error("the image was released");
      return held.subarray(offset, offset + into.length);
    },
    release() {
      held = null;
    },
    wholeCopy: true,
  };
}

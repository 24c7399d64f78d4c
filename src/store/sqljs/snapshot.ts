/**
 * Snapshots: the whole database image (`db.export()`), written to a temp file in the store
 * folder, fsynced, renamed over the previous snapshot, and the folder fsynced, so the snapshot
 * on disk is always either the old one or the new one, complete. The image records the journal
 * seq it covers in `_durable_meta`, written just before the export, so image and seq can never
 * disagree.
 */
import type { Database, SqlJsStatic } from "sql.js";
import type { FsPort } from "../../runtime/fs.ts";
import { renameWithRetry } from "../../runtime/fs.ts";

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
 * Opens an image and checks it. Throws an Error saying what is wrong (not SQLite, fails the
 * integrity check, unreadable bookkeeping); the caller decides what to do with the file.
 */
export function openSnapshot(sql: SqlJsStatic, bytes: Uint8Array): { db: Database; seq: number; at: number | null } {
  if (bytes.length < 100) throw new Error(`too short to be a SQLite database (${bytes.length} bytes)`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new Error("not a SQLite database (bad header)");
  }
  let db: Database | undefined;
  try {
    db = new sql.Database(bytes);
    const rows = db.exec("PRAGMA integrity_check")[0]?.values ?? [];
    const verdict = rows.map((r) => String(r[0])).join("; ");
    if (verdict !== "ok") throw new Error(`integrity check failed: ${verdict.slice(0, 300)}`);
    const meta = readSnapshotMeta(db);
    return { db, ...meta };
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already unusable
    }
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(msg.startsWith("integrity") ? msg : `cannot open as SQLite: ${msg}`);
  }
}

/** Files and helpers a snapshot write needs. */
export interface SnapshotTarget {
  fs: FsPort;
  dir: string;
  path: string;
  tempPath: string;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Writes `bytes` as the new snapshot atomically. On any failure the previous snapshot is
 * untouched and the temp file is removed (best effort); the error is rethrown.
 */
export async function writeSnapshotFile(t: SnapshotTarget, bytes: Uint8Array): Promise<void> {
  const { fs } = t;
  const f = await fs.open(t.tempPath, "w+", 0o600);
  let closed = false;
  try {
    await fs.write(f, bytes, 0);
    await fs.fsync(f);
    await fs.close(f);
    closed = true;
    await fs.chmod(t.tempPath, 0o600);
    await renameWithRetry(fs, t.tempPath, t.path, t.sleep);
  } catch (err) {
    if (!closed) await fs.close(f).catch(() => {});
    await fs.unlink(t.tempPath).catch(() => {});
    throw err;
  }
  // After the rename the new image is in place; the folder fsync makes the rename itself durable.
  await fs.fsyncDir(t.dir);
}

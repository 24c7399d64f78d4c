/**
 * Free pages out of the store image. A free page costs disk, read time and (when read) memory; after a 200k-message import 8% of the image was
 * free (the full-text index's segment merges, its queue, deleted rows). New stores use
 * incremental auto-vacuum (set in `freshImage`), and the free pages are given back:
 *
 * - at open, before anything uses the database (`compactAtOpen`): `PRAGMA incremental_vacuum`
 *   (it reads only the pages it moves: the file is read chunk by chunk, image_pages.ts),
 *   or, once, for a store made before incremental auto-vacuum with enough free pages, a VACUUM
 *   that converts it;
 * - in the last snapshot, at close (`captureCompacted` in snapshot.ts), so the end of an import
 *   leaves a compact file.
 *
 * Not in between: shrinking the file ends the copy-free tracking of sql.js's file
 * (snapshot_image.ts), and the database would have to be reopened under its users. Free pages
 * left by a running server are reused by its next writes and given back at the next start.
 * Only memory changes here: the snapshot file is replaced later, atomically, as always, so a
 * crash during compaction loses nothing.
 */
import type { Database, SqlJsStatic } from "sql.js";
import { shrinkTracked } from "./snapshot.ts";

/** A store without incremental auto-vacuum is converted (one VACUUM) once this share of its pages is free. */
export const CONVERT_FREE_SHARE = 0.04;

/** What `compactAtOpen` did. */
export interface Compacted {
  /** The database to use from now on (a new one when the image shrank; the old one is closed). */
  db: Database;
  /** Pages given back. */
  freedPages: number;
  /** The store was converted to incremental auto-vacuum (a VACUUM). */
  converted: boolean;
}

function pragmaNumber(db: Database, name: string): number {
  return Number(db.exec(`PRAGMA ${name}`)[0]?.values[0]?.[0] ?? 0);
}

/**
 * Gives the free pages of a just-opened snapshot back (see the module doc). `db` must be tracked
 * (opened by `openSnapshot`) and not used by anyone yet. Throws if the VACUUM fails: the image in
 * memory is then unreliable, and the caller opens the snapshot file again.
 */
export function compactAtOpen(sql: SqlJsStatic, db: Database): Compacted {
  const free = pragmaNumber(db, "freelist_count");
  const pages = pragmaNumber(db, "page_count");
  const mode = pragmaNumber(db, "auto_vacuum"); // 0 none, 1 full, 2 incremental
  const none: Compacted = { db, freedPages: 0, converted: false };
  if (free === 0) return none;
  if (mode === 2) {
    const shrunk = shrinkTracked(sql, db, "PRAGMA incremental_vacuum");
    return shrunk ? { db: shrunk, freedPages: pages - pragmaNumber(shrunk, "page_count"), converted: false } : none;
  }
  if (mode !== 0 || free < CONVERT_FREE_SHARE * pages) return none;
  // The VACUUM rewrites every page: unjournaled, or its rollback journal (in memory) would hold the whole image.
  const journal = String(db.exec("PRAGMA journal_mode")[0]?.values[0]?.[0] ?? "memory");
  db.exec("PRAGMA journal_mode = OFF");
  db.exec("PRAGMA auto_vacuum = INCREMENTAL");
  const shrunk = shrinkTracked(sql, db, "VACUUM");
  if (shrunk === null) {
    db.exec(`PRAGMA journal_mode = ${journal}`);
    return none;
  }
  return { db: shrunk, freedPages: pages - pragmaNumber(shrunk, "page_count"), converted: true };
}

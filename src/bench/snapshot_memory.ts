/**
 * Memory of the sql.js store at rest and during a snapshot, on an existing store folder (the
 * store bench's): resident memory after the open, the peak while a snapshot is written (the
 * image frozen in place and written in pieces), and, for comparison, the peak of the whole-image
 * copy (`db.export()`) snapshots used to hold. Linux only for the peaks (null elsewhere).
 */
import process from "node:process";
import { loadAverages, peakResidentMemoryBytes, resetPeakMemory, residentMemoryBytes } from "../runtime/bench_host.ts";
import { collectGarbage } from "../runtime/gc.ts";
import { openDurable } from "../store/sqljs/durable.ts";
import { loadSqlJs } from "../store/sqljs/load.ts";
import { migrateSqlite } from "../store/sqljs/migrate.ts";
import { applySqlite } from "../store/sqljs/apply.ts";
import { withStoreSetup } from "../store/sqljs/repository.ts";
import type { WriteOp } from "../store/types.ts";

/** What the snapshot memory bench measured. */
export interface SnapshotMemoryResult {
  /** The snapshot file's size (the database image plus its checksum trailer). */
  storeFileBytes: number;
  openSeconds: number;
  /** Resident memory right after the open (after a full collection). */
  rssAfterOpenBytes: number;
  /** Peak resident memory while a snapshot was taken and written. */
  snapshotPeakRssBytes: number | null;
  snapshotSeconds: number;
  /** Peak resident memory holding one whole `db.export()` copy (what every snapshot cost before). */
  exportCopyPeakRssBytes: number | null;
  load: number[];
  /** The process measured (the store bench runs this one in a process of its own: `in_child.ts`). */
  pid: number;
}

/** Opens the store in `dir`, snapshots it once, and reports the memory figures. */
export async function runSnapshotMemoryBench(dir: string): Promise<SnapshotMemoryResult> {
  const load = loadAverages();
  const t0 = performance.now();
  const store = await openDurable<WriteOp>({ dir, sql: withStoreSetup(await loadSqlJs()), migrate: migrateSqlite, apply: applySqlite });
  const openSeconds = (performance.now() - t0) / 1000;
  try {
    collectGarbage();
    const rssAfterOpenBytes = residentMemoryBytes();
    await store.commit([{ op: "setMeta", key: "bench.snapshot", value: String(Date.now()) }]);
    resetPeakMemory();
    const t1 = performance.now();
    await store.snapshot();
    const snapshotSeconds = (performance.now() - t1) / 1000;
    const snapshotPeakRssBytes = peakResidentMemoryBytes();
    const storeFileBytes = store.stats().snapshotBytes;
    collectGarbage();
    resetPeakMemory();
    let copy: Uint8Array | null = store.db.export(); // read-only use of the engine's db, nothing in flight
    const exportCopyPeakRssBytes = copy.length > 0 ? peakResidentMemoryBytes() : null;
    copy = null;
    collectGarbage();
    return { storeFileBytes, openSeconds, rssAfterOpenBytes, snapshotPeakRssBytes, snapshotSeconds, exportCopyPeakRssBytes, load, pid: process.pid };
  } finally {
    await store.close();
  }
}

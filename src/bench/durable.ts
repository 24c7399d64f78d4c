/**
 * Measures the durable engine on this machine: commit throughput with a trivial apply for
 * batch sizes 1/100/1000 and 1/16 concurrent committers (fsyncs counted through the port, so
 * group commit shows), and open + snapshot times for a large image (~180 MB by default).
 * Not a test: numbers vary by disk. Run it through `test/store-engine/bench_durable.ts`.
 */
import type { Database, SqlJsStatic } from "sql.js";
import type { FsPort } from "../runtime/fs.ts";
import { joinPath, nodeFs } from "../runtime/fs.ts";
import { openDurable } from "../store/sqljs/durable.ts";
import { ensureMetaTable, stampSnapshotMeta } from "../store/sqljs/snapshot.ts";
import { createChunkedChecksum } from "../store/sqljs/snapshot_checksum.ts";

/** One throughput scenario's result. */
export interface CommitBench {
  batchRows: number;
  committers: number;
  commits: number;
  rows: number;
  seconds: number;
  commitsPerSec: number;
  rowsPerSec: number;
  /** Journal fsyncs issued: fewer than commits means group commit worked. */
  fsyncs: number;
  p50Ms: number;
  p99Ms: number;
}

/** Large-image timings. */
export interface ImageBench {
  rows: number;
  imageBytes: number;
  /** openDurable on that snapshot: read + checksum + migrate. */
  openMs: number;
  /** `db.export()` alone. */
  exportMs: number;
  /** `snapshot()`: export + write + fsync + rename + folder fsync + journal cut. */
  snapshotMs: number;
  /** `close()` after one more commit: a final snapshot. */
  closeMs: number;
}

/** What `benchDurable` returns (JSON-serializable). */
export interface DurableBenchResult {
  commit: CommitBench[];
  image: ImageBench | null;
}

/** Knobs; `dir` must be an empty scratch folder (the caller removes it). */
export interface DurableBenchOptions {
  sql: SqlJsStatic;
  dir: string;
  fs?: FsPort;
  /** Rows of ~180 bytes in the large image; 0 skips it. Default 1,000,000 (~180 MB). */
  imageRows?: number;
  /** Commits per throughput scenario are scaled so each writes about this many rows (default 100,000). */
  rowsPerScenario?: number;
  /** Progress lines (stderr in the runner). */
  log?: (line: string) => void;
}

type BOp = { n: number; v: string };

function migrate(db: Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, v TEXT)");
}

function apply(db: Database, ops: BOp[]): void {
  const stmt = db.prepare("INSERT OR REPLACE INTO t (n, v) VALUES (?, ?)");
  try {
    for (const o of ops) stmt.run([o.n, o.v]);
  } finally {
    stmt.free();
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Runs the measurements; see the module comment. */
export async function benchDurable(opts: DurableBenchOptions): Promise<DurableBenchResult> {
  const base = opts.fs ?? nodeFs;
  const log = opts.log ?? (() => {});
  let fsyncs = 0;
  const fs: FsPort = {
    ...base,
    fsync(f) {
      if (f.path.endsWith(".journal")) fsyncs++;
      return base.fsync(f);
    },
  };
  const filler = "x".repeat(100);
  const commit: CommitBench[] = [];
  const rowsPerScenario = opts.rowsPerScenario ?? 100_000;

  for (const batchRows of [1, 100, 1000]) {
    for (const committers of [1, 16]) {
      const dir = joinPath(opts.dir, `commit-b${batchRows}-c${committers}`);
      const store = await openDurable<BOp>({ dir, sql: opts.sql, migrate, apply, fs, snapshotEveryBytes: 1 << 30 });
      // Batch size 1 is fsync-bound: cap it by count so one scenario stays a few seconds.
      const commits = Math.max(committers * 10, Math.min(Math.ceil(rowsPerScenario / batchRows), batchRows === 1 ? 3000 : 1e9));
      let next = 0;
      const latencies: number[] = [];
      fsyncs = 0;
      const t0 = performance.now();
      const worker = async () => {
        for (;;) {
          const k = next++;
          if (k >= commits) return;
          const ops: BOp[] = [];
          for (let i = 0; i < batchRows; i++) ops.push({ n: k * batchRows + i, v: filler });
          const s = performance.now();
          await store.commit(ops);
          latencies.push(performance.now() - s);
        }
      };
      await Promise.all(Array.from({ length: committers }, worker));
      const seconds = (performance.now() - t0) / 1000;
      const used = fsyncs;
      await store.close();
      latencies.sort((a, b) => a - b);
      const r: CommitBench = {
        batchRows,
        committers,
        commits,
        rows: commits * batchRows,
        seconds: round(seconds, 2),
        commitsPerSec: Math.round(commits / seconds),
        rowsPerSec: Math.round((commits * batchRows) / seconds),
        fsyncs: used,
        p50Ms: round(percentile(latencies, 50), 2),
        p99Ms: round(percentile(latencies, 99), 2),
      };
      log(JSON.stringify(r));
      commit.push(r);
    }
  }

  const imageRows = opts.imageRows ?? 1_000_000;
  let image: ImageBench | null = null;
  if (imageRows > 0) {
    const dir = joinPath(opts.dir, "image");
    await base.mkdir(dir, 0o700);
    log(`building a ${imageRows}-row image...`);
    {
      // Built outside the engine (a direct sql.js database): only the engine's open and snapshot are measured.
      const db = new opts.sql.Database();
      migrate(db);
      ensureMetaTable(db);
      const v = "y".repeat(160);
      db.exec("BEGIN");
      const stmt = db.prepare("INSERT INTO t (n, v) VALUES (?, ?)");
      for (let i = 0; i < imageRows; i++) stmt.run([i, v]);
      stmt.free();
      db.exec("COMMIT");
      stampSnapshotMeta(db, 0, Date.now());
      const bytes = db.export();
      db.close();
      const sum = createChunkedChecksum(bytes.length); // the format the engine writes
      sum.update(bytes);
      const trailer = sum.suffix();
      const file = new Uint8Array(bytes.length + trailer.length);
      file.set(bytes);
      file.set(trailer, bytes.length);
      await base.writeFile(joinPath(dir, "store.sqlite"), file, 0o600);
    }
    let t = performance.now();
    const store = await openDurable<BOp>({ dir, sql: opts.sql, migrate, apply, fs, snapshotEveryBytes: 1 << 30 });
    const openMs = performance.now() - t;
    t = performance.now();
    const exported = store.db.export(); // read-only use of the engine's db, nothing in flight
    const exportMs = performance.now() - t;
    await store.commit([{ n: -1, v: "one more" }]);
    t = performance.now();
    await store.snapshot();
    const snapshotMs = performance.now() - t;
    await store.commit([{ n: -2, v: "and another" }]);
    t = performance.now();
    await store.close();
    const closeMs = performance.now() - t;
    image = {
      rows: imageRows,
      imageBytes: exported.length,
      openMs: Math.round(openMs),
      exportMs: Math.round(exportMs),
      snapshotMs: Math.round(snapshotMs),
      closeMs: Math.round(closeMs),
    };
    log(JSON.stringify(image));
  }
  return { commit, image };
}

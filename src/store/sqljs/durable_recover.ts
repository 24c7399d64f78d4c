/**
 * Opening a store: load the snapshot (checked against its checksum), migrate, replay the journal past the
 * snapshot's seq, drop a torn tail. Bad files are moved aside unchanged, never deleted or
 * overwritten, and a marker file keeps later starts from silently carrying on without them.
 */
import type { Database, SqlJsStatic } from "sql.js";
import type { FsPort } from "../../runtime/fs.ts";
import { fsErrorCode, joinPath, renameWithRetry, unlinkWithRetry } from "../../runtime/fs.ts";
import { decodeJournalPayload } from "../codec_binary.ts";
import { StoreCorruptError } from "./durable_errors.ts";
import { type Journal, journalOver, scanJournal } from "./journal.ts";
import { ensureMetaTable, openSnapshot, pagesOf, readSnapshot, readSnapshotFile, snapshotFileBytes } from "./snapshot.ts";
import { type Compacted, compactAtOpen } from "./snapshot_compact.ts";
import { takePrefetchedSnapshot } from "./snapshot_prefetch.ts";
import { type LazySnapshot, SnapshotDamagedError } from "./snapshot_lazy.ts";
import type { StorePaths } from "./store_paths.ts";
import { startMark } from "../../runtime/start_trace.ts";

export { DEFAULT_STORE_NAME, type StorePaths, storePaths } from "./store_paths.ts";

/** What recovery needs. */
export interface RecoverInput<Op> {
  fs: FsPort;
  sql: SqlJsStatic;
  name: string;
  paths: StorePaths;
  migrate: (db: Database) => void;
  apply: (db: Database, ops: Op[]) => void;
  /** See DurableOptions.onTransactionEnd. */
  onTransactionEnd?: (db: Database, committed: boolean) => void;
  /** See DurableOptions.replayHooks. */
  replayHooks?: (db: Database, size: ReplaySize) => ReplayHooks<Op> | null;
  onCorrupt: "fail" | "start-fresh";
  warn: (msg: string) => void;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Set when recovery starts over after the snapshot was found damaged under start-fresh. */
  restarted?: boolean;
}

/** How much a replay at open has to do, as far as is known before it starts. */
export interface ReplaySize {
  /** Bytes of the journal file (records the snapshot covers included). */
  journalBytes: number;
  /** Bytes of the snapshot loaded (0: none). */
  snapshotBytes: number;
}

/**
 * Work a store may do around a replay (e.g. build some indexes once at the end instead of
 * row by row): `beforeRun` is called outside any transaction before each run of records is
 * applied, `end` once after the last (also outside a transaction); `apply`, when given, applies
 * each run instead of RecoverInput.apply (which still names a failing record). All must leave the
 * rows as a replay without them would; a throw fails the open, like a failed apply.
 */
export interface ReplayHooks<Op> {
  beforeRun?(db: Database, ops: readonly Op[]): void;
  end?(db: Database): void;
  apply?(db: Database, ops: Op[]): void;
}

/** An opened, replayed store. */
export interface Recovered {
  db: Database;
  journal: Journal;
  snapshotSeq: number;
  snapshotAt: number | null;
  snapshotBytes: number;
  lastSeq: number;
  /** Memory differs from the snapshot file in more than the journal (migrations, a dropped journal). */
  dirty: boolean;
  /** Something was moved aside under start-fresh, or the store was converted (compacted once): write a snapshot now (and clear the marker). */
  mustSnapshot: boolean;
  /** Wall-clock ms spent replaying the journal (reading, decoding, applying). */
  replayMs: number;
  /** The snapshot was opened before it was read (snapshot_lazy.ts): its chunks are read and checked as needed, damage may show up later. */
  lazy?: LazySnapshot;
}

/**
 * How the user chooses to continue with what is intact: the real setting that reaches
 * `onCorrupt: "start-fresh"` (src/config/options.ts). Set it for one start, then remove it.
 */
export const START_FRESH_HINT =
  "to continue with the intact part, start once with --on-corrupt start-fresh (or WHATSAPP_MCP_ON_CORRUPT=start-fresh), then remove it";

/**
 * Ops replayed per apply call and transaction (whole records; a record is one committed batch).
 * Not much more: a transaction's cost per op grows with its dirty pages (measured, 100k messages
 * in batches of 1000: 37 µs per message committing every batch, 60 µs in one transaction); at
 * 5,000 apply's per-batch work is shared by five records without that growth (91k messages:
 * 2.01-2.06 s of CPU vs 2.07-2.17 s one record per call).
 */
const REPLAY_APPLY_OPS = 5000;

function stampOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, "-");
}

/** Renames `path` to `<path>.corrupt-<time>` (never over an existing file) and returns the new path. */
async function moveAside(fs: FsPort, path: string, now: number, sleep: (ms: number) => Promise<void>): Promise<string> {
  const base = `${path}.corrupt-${stampOf(now)}`;
  for (let i = 0; ; i++) {
    const target = i === 0 ? base : `${base}-${i}`;
    if (await fs.exists(target)) continue;
    // Windows: an antivirus or indexer may hold the damaged file for a moment.
    await renameWithRetry(fs, path, target, sleep);
    return target;
  }
}

/** Copies `path` to `<path>.corrupt-<time>` (durably) and returns the copy's path. */
async function copyAside(fs: FsPort, path: string, now: number): Promise<string> {
  const base = `${path}.corrupt-${stampOf(now)}`;
  let target = base;
  for (let i = 1; await fs.exists(target); i++) target = `${base}-${i}`;
  const bytes = await fs.readFile(path);
  const f = await fs.open(target, "wx+", 0o600);
  try {
    await fs.write(f, bytes, 0);
    await fs.fsync(f);
  } finally {
    await fs.close(f);
  }
  return target;
}

function errMsg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Loads, migrates and replays. Throws StoreCorruptError (files kept aside) or the migrate/apply error. */
export async function recoverStore<Op>(inp: RecoverInput<Op>): Promise<Recovered> {
  const { fs, paths, warn } = inp;
  const fresh = inp.onCorrupt === "start-fresh";
  // Taken first, so that a read started early is dropped (not kept) if recovery stops below.
  const prefetched = takePrefetchedSnapshot(paths.snapshot);

  if (!fresh && (await fs.exists(paths.marker))) {
    const text = new TextDecoder().decode(await fs.readFile(paths.marker)).trim();
    throw new StoreCorruptError(
      `${text}\nThe store will not start until this is resolved: restore the files and delete ${paths.marker}, ` +
        `or ${START_FRESH_HINT}.`,
      [],
    );
  }
  await removeLeftovers(fs, paths.dir, inp.name, warn, inp.sleep);

  // 1. The snapshot.
  let db: Database;
  let snapshotSeq = 0;
  let snapshotAt: number | null = null;
  let snapshotBytes = 0;
  let mustSnapshot = inp.restarted === true;
  let compacted = false;
  let loaded = false;
  let lazy: LazySnapshot | undefined;
  startMark(`recover: waiting for snapshot (prefetched ${prefetched !== undefined})`);
  const snap = await (prefetched ?? readSnapshot(fs, paths.snapshot));
  startMark("recover: snapshot read");
  if (snap === null) {
    db = new inp.sql.Database();
  } else {
    try {
      const s = await openSnapshot(inp.sql, snap.bytes, snap.checked);
      db = s.db;
      lazy = s.lazy;
      loaded = true;
      snapshotSeq = s.seq;
      snapshotAt = s.at;
      snapshotBytes = snapshotFileBytes(snap);
      startMark("recover: Database opened + meta");
    } catch (err) {
      if (snap.checked.kind === "lazy") snap.checked.lazy.close();
      await snapshotDamaged(inp, err);
      db = new inp.sql.Database();
      mustSnapshot = true;
    }
  }

  let journal: Journal | undefined;
  try {
    if (loaded) {
      // Not a damaged file if this fails (the file opened fine), unless a chunk read later is damaged.
      const c = await compactOrReload(inp, db);
      db = c.db;
      compacted = c.freedPages > 0;
      // A conversion is worth keeping at once: a start that ends without a snapshot would redo it.
      if (c.converted) mustSnapshot = true;
    }

    // 2. Migrations (idempotent, forward-only), outside the journal: they rerun if we crash before a snapshot.
    ensureMetaTable(db);
    const before = changeCounter(db);
    inp.migrate(db);
    const migrated = changeCounter(db) !== before;
    startMark("recover: migrated");

    // 3. The journal.
    const t0 = performance.now();
    const r = await replayJournal(inp, db, snapshotSeq, snapshotBytes);
    const replayMs = performance.now() - t0;
    startMark("recover: journal replayed");
    journal = r.journal;
    if (r.movedTo) mustSnapshot = true;
    return {
      db,
      journal,
      snapshotSeq,
      snapshotAt,
      snapshotBytes,
      lastSeq: Math.max(snapshotSeq, r.lastSeq),
      dirty: migrated || mustSnapshot || compacted,
      mustSnapshot,
      replayMs,
      lazy,
    };
  } catch (err) {
    const damage = damageOf(db); // before the close, which drops the pages
    await journal?.close().catch(() => {});
    try {
      db.close();
    } catch {
      // a read of damaged bytes left it unusable
    }
    if (damage == null && !(err instanceof SnapshotDamagedError)) throw err;
    // A chunk of the snapshot read after the open is damaged: the same as a damaged file at open.
    lazy?.close();
    await snapshotDamaged(inp, err);
    return recoverStore({ ...inp, restarted: true });
  }
}

/**
 * The snapshot file could not be loaded or is damaged: it is moved aside, unchanged; under "fail"
 * a marker is written and StoreCorruptError thrown, under start-fresh a warning (and the caller
 * carries on with an empty store).
 */
async function snapshotDamaged<Op>(inp: RecoverInput<Op>, err: unknown): Promise<void> {
  const { fs, paths } = inp;
  const kept = await moveAside(fs, paths.snapshot, inp.now(), inp.sleep);
  const what = `The store database ${paths.snapshot} could not be loaded (${errMsg(err)}). It was moved, unchanged, to ${kept}.`;
  if (inp.onCorrupt !== "start-fresh") {
    await writeMarker(fs, paths.marker, what);
    throw new StoreCorruptError(`${what} Restore a backup, or ${START_FRESH_HINT} (an empty store).`, [kept]);
  }
  inp.warn(`${what} Starting a fresh store as asked.`);
}

/**
 * A snapshot read chunk by chunk found damaged while the store runs (snapshot_lazy.ts): the file is
 * kept aside and the marker written, as at open. Resolves with the message for the store's error.
 */
export async function keepDamagedSnapshotAside<Op>(inp: Pick<RecoverInput<Op>, "fs" | "paths" | "now" | "sleep">, reason: string): Promise<string> {
  const { fs, paths } = inp;
  let what = `The store database ${paths.snapshot} is damaged (${reason}).`;
  try {
    const kept = await moveAside(fs, paths.snapshot, inp.now(), inp.sleep);
    what += ` It was moved, unchanged, to ${kept}.`;
  } catch (err) {
    what += ` It could not be moved aside (${errMsg(err)}).`;
  }
  await writeMarker(fs, paths.marker, what);
  return `${what} Restore a backup, or ${START_FRESH_HINT} (an empty store plus the journal).`;
}

/**
 * The snapshot just opened with its free pages given back (snapshot_compact.ts). If that fails,
 * the image in memory is unreliable: the file (untouched) is opened again, as it is.
 */
async function compactOrReload<Op>(inp: RecoverInput<Op>, db: Database): Promise<Compacted> {
  const t0 = performance.now();
  try {
    const c = compactAtOpen(inp.sql, db);
    if (c.converted) {
      const ms = Math.round(performance.now() - t0);
      inp.warn(`The store was compacted once (${c.freedPages} free pages given back in ${ms} ms); later starts give free pages back as they go.`);
    }
    return c;
  } catch (err) {
    if (err instanceof SnapshotDamagedError || damageOf(db) != null) throw err;
    try {
      db.close();
    } catch {
      // already unusable
    }
    inp.warn(`The store could not be compacted at open (${errMsg(err)}); it was opened as it is.`);
    const again = await readSnapshotFile(inp.fs, inp.paths.snapshot);
    if (again === null) throw new Error(`${inp.paths.snapshot} disappeared while the store was opened`, { cause: err });
    return { db: (await openSnapshot(inp.sql, again.bytes, again.checked)).db, freedPages: 0, converted: false };
  }
}

/** Damage found in the snapshot file `db` reads its pages from (image_pages.ts), if any. */
function damageOf(db: Database): string | null | undefined {
  return pagesOf(db)?.damage;
}

/** Schema changes and row changes since the connection opened: tells whether `migrate` did anything. */
function changeCounter(db: Database): string {
  const v = db.exec("SELECT total_changes(), (SELECT schema_version FROM pragma_schema_version)")[0]?.values[0] ?? [];
  return v.join("/");
}

async function replayJournal<Op>(
  inp: RecoverInput<Op>,
  db: Database,
  snapshotSeq: number,
  snapshotBytes: number,
): Promise<{ journal: Journal; lastSeq: number; movedTo: string | null }> {
  const { fs, paths, warn } = inp;
  const env = { fs, path: paths.journal, dir: paths.dir, tempPath: paths.journalTemp, sleep: inp.sleep };
  if (!(await fs.exists(paths.journal))) {
    const f = await fs.open(paths.journal, "w+", 0o600);
    await fs.fsyncDir(paths.dir);
    return { journal: journalOver(env, f, 0, 0), lastSeq: 0, movedTo: null };
  }
  await fs.chmod(paths.journal, 0o600);
  const file = await fs.open(paths.journal, "r+", 0o600);
  const ended = inp.onTransactionEnd ?? (() => {});
  const hooks = inp.replayHooks?.(db, { journalBytes: (await fs.fstat(file)).size, snapshotBytes }) ?? null;
  ended(db, false); // start tracking before the first write
  // Records are decoded as read and applied REPLAY_APPLY_OPS at a time: consecutive batches in
  // one apply call give the same rows as one call each (apply's per-batch work, the chat and
  // people rows and the key look-ups, is done once for them all).
  let run: { ops: Op[]; records: Array<{ seq: number; ops: Op[] }> } | null = null;
  let inTxn = false;
  let applied = 0;
  let gap: string | null = null;
  const applyRun = () => {
    if (run === null) return;
    const { ops, records } = run;
    run = null;
    hooks?.beforeRun?.(db, ops); // between transactions: each run commits
    db.exec("BEGIN");
    inTxn = true;
    try {
      (hooks?.apply ?? inp.apply)(db, ops);
    } catch (err) {
      // apply rolled its batch back: find the record that fails, one at a time, to name its seq.
      let seq = records[0]!.seq;
      let cause = err;
      try {
        for (const rec of records) {
          seq = rec.seq;
          inp.apply(db, rec.ops);
        }
      } catch (one) {
        cause = one;
      }
      throw new Error(`Cannot replay journal record seq ${seq} of ${paths.journal}: ${errMsg(cause)}`, { cause });
    }
    db.exec("COMMIT");
    inTxn = false;
    ended(db, true);
  };
  let scan;
  try {
    scan = await scanJournal(fs, file, (rec) => {
      if (gap !== null) return;
      if (rec.seq <= snapshotSeq) return; // covered by the snapshot (a crash came between its rename and the journal cut)
      if (rec.seq !== Math.max(snapshotSeq, applied) + 1) {
        gap = `the journal continues at seq ${rec.seq} but the snapshot covers only up to seq ${snapshotSeq}`;
        return;
      }
      let ops: Op[];
      try {
        // Bytes as views: the scan reads into a new buffer each time, never into one it handed out.
        ops = decodeJournalPayload<Op>(rec.payload, { viewBytes: true });
      } catch (err) {
        throw new Error(`Cannot replay journal record seq ${rec.seq} of ${paths.journal}: ${errMsg(err)}`, { cause: err });
      }
      if (run === null) run = { ops: [...ops], records: [] };
      else for (const op of ops) run.ops.push(op);
      run.records.push({ seq: rec.seq, ops });
      applied = rec.seq;
      if (run.ops.length >= REPLAY_APPLY_OPS) applyRun();
    });
    applyRun();
    hooks?.end?.(db);
  } catch (err) {
    run = null;
    if (inTxn) db.exec("ROLLBACK");
    inTxn = false;
    ended(db, false);
    await fs.close(file).catch(() => {});
    throw err;
  }
  const lastApplied = Math.max(snapshotSeq, applied);
  const problem = gap !== null ? { kind: "corrupt" as const, offset: 0, reason: gap } : scan.problem;

  if (problem === null && scan.entries > 0 && (scan.lastSeq ?? 0) <= snapshotSeq) {
    // Everything in it is covered by the snapshot (a crash between the snapshot and the cut): cut now.
    await fs.truncate(file, 0);
    await fs.fsync(file);
    return { journal: journalOver(env, file, 0, 0), lastSeq: lastApplied, movedTo: null };
  }
  if (problem === null) return { journal: journalOver(env, file, scan.end, scan.entries), lastSeq: lastApplied, movedTo: null };

  if (problem.kind === "torn") {
    // Only a record cut short lands here (a complete one that fails its checksum is corruption):
    // it was being written when the process or machine stopped, so its batch was never reported durable.
    warn(
      `The store journal ended with an incomplete record (${problem.reason}): the last ${scan.size - scan.end} bytes ` +
        `were dropped. A write cut short by a crash leaves this; that batch had not been confirmed yet.`,
    );
    await fs.truncate(file, scan.end);
    await fs.fsync(file);
    return { journal: journalOver(env, file, scan.end, scan.entries), lastSeq: lastApplied, movedTo: null };
  }

  // Damage with valid records after it (or a seq gap): never cut silently.
  await fs.close(file);
  const damage = `The store journal ${paths.journal} is damaged (${problem.reason}, at byte ${problem.offset}).`;
  if (inp.onCorrupt === "fail") {
    // Keep a copy aside and leave the journal itself in place, unchanged: a later start-fresh can
    // still recover the intact records before the damage from it.
    const kept = await copyAside(fs, paths.journal, inp.now());
    const what = `${damage} A copy was kept at ${kept}; the journal itself was left unchanged.`;
    await writeMarker(fs, paths.marker, what);
    throw new StoreCorruptError(
      `${what} Batches after the damage may have been acknowledged and would be lost. Restore a backup, or ${START_FRESH_HINT} ` +
        `(the ${lastApplied - snapshotSeq} batches before the damage are kept).`,
      [kept],
    );
  }
  const kept = await moveAside(fs, paths.journal, inp.now(), inp.sleep);
  warn(
    `${damage} It was moved, unchanged, to ${kept}. Continuing, as asked, with the ${lastApplied - snapshotSeq} ` +
      `batches before the damage.`,
  );
  const f = await fs.open(paths.journal, "w+", 0o600);
  await fs.fsyncDir(paths.dir);
  return { journal: journalOver(env, f, 0, 0), lastSeq: lastApplied, movedTo: kept };
}

async function writeMarker(fs: FsPort, path: string, text: string): Promise<void> {
  try {
    await fs.writeFile(path, new TextEncoder().encode(`${new Date().toISOString()} ${text}\n`), 0o600);
  } catch {
    // The error still reaches the caller; only the reminder for later starts is lost.
  }
}

/** Temp files of snapshots or journal cuts interrupted by a crash (we hold the lock: nobody else writes them). */
async function removeLeftovers(fs: FsPort, dir: string, name: string, warn: (msg: string) => void, sleep: (ms: number) => Promise<void>): Promise<void> {
  for (const entry of await fs.readDir(dir)) {
    if (entry.startsWith(`${name}.sqlite.tmp-`) || entry.startsWith(`${name}.journal.tmp-`)) {
      try {
        await unlinkWithRetry(fs, joinPath(dir, entry), sleep);
        warn(`Removed ${entry}, left by an interrupted snapshot.`);
      } catch {
        // harmless: it is overwritten or ignored
      }
    }
  }
}

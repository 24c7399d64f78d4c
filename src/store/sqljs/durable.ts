/**
 * The durability engine of the sql.js store, done the way a database does it: sql.js has no
 * durable file (its file is chunks read from the snapshot on demand, image_pages.ts); every committed write batch is appended to a journal and fsynced
 * before it is acknowledged; a background snapshot (the whole image, written atomically) lets
 * the journal be cut. On start: lock, load the snapshot, migrate, replay the journal.
 *
 * Files in the store folder (`name` = "store" by default): `store.sqlite` (snapshot),
 * `store.journal`, `store.lock`; transient `*.tmp-<pid>`; bad files kept as `*.corrupt-<time>`
 * and, until the user decides, `store.recovery-needed`.
 *
 * @example
 * const store = await openDurable({ dir, sql: await initSqlJs(), migrate, apply });
 * const seq = await store.commit([{ op: "setMeta", key: "k", value: "v" }]); // durable now
 * store.db.exec("SELECT ..."); // reads
 * await store.close();
 */
import type { Database, SqlJsStatic } from "sql.js";
import type { Clock } from "../../../supervisors/mod.ts";
import type { FsPort } from "../../runtime/fs.ts";
import { isWindows, nodeFs, unlinkWithRetry } from "../../runtime/fs.ts";
import { collectGarbage } from "../../runtime/gc.ts";
import { traceMemory } from "../../runtime/start_trace.ts";
import { unrefTimer } from "../../runtime/process.ts";
import { encodeOpsBinaryCopy } from "../codec_binary.ts";
import { StoreClosedError, StoreCorruptError, StoreFailedError, StoreLockedError } from "./durable_errors.ts";
import { createLane } from "./durable_lane.ts";
import {
  DEFAULT_STORE_NAME,
  keepDamagedSnapshotAside,
  type Recovered,
  recoverStore,
  type ReplayHooks,
  type ReplaySize,
  type StorePaths,
  storePaths,
} from "./durable_recover.ts";
import { encodeFrames, MAX_PAYLOAD } from "./journal_format.ts";
import { acquireLock, type StoreLock } from "../../runtime/lock.ts";
import { captureCompacted, captureImage, pagesOf, stampSnapshotMeta, writeSnapshotFile } from "./snapshot.ts";

export { StoreClosedError, StoreCorruptError, StoreFailedError, StoreLockedError };

/** How to open a durable store. */
export interface DurableOptions<Op> {
  /** The store folder (created 0700 if missing). */
  dir: string;
  /** Base file name, default "store" -> store.sqlite, store.journal, store.lock. */
  name?: string;
  /** initSqlJs result (the caller loads the wasm). */
  sql: SqlJsStatic;
  /** Applied after load, before replay (idempotent, forward-only). Must not leave a transaction open. */
  migrate: (db: Database) => void;
  /**
   * Pure SQL application of one batch, called inside BEGIN/COMMIT (and a SAVEPOINT) by the
   * engine: it must not BEGIN/COMMIT itself. It sees the ops after a trip through the journal
   * codec (Uint8Array for bytes, no undefined fields), exactly what a replay will see.
   */
  apply: (db: Database, ops: Op[]) => void;
  /**
   * Told after every transaction on the database ends (COMMIT: true; ROLLBACK: false), and once
   * before the first (false): lets `apply` keep what it learned across batches only once committed.
   */
  onTransactionEnd?: (db: Database, committed: boolean) => void;
  /**
   * Hooks around the journal replay at open, given its size before it starts (null: none this
   * time); see ReplayHooks. The rows after the replay must be what a replay without them gives.
   */
  replayHooks?: (db: Database, size: ReplaySize) => ReplayHooks<Op> | null;
  /** Journal size that triggers a background snapshot (default 64 MiB). */
  snapshotEveryBytes?: number;
  /** Time that triggers one if the journal is non-empty (default 5 min). */
  snapshotEveryMs?: number;
  /** Bytes of the database file's clean chunks kept in memory (image_pages.ts; default DEFAULT_CACHE_BYTES). */
  cacheBytes?: number;
  /** Injected for fault tests; default the runtime adapter. */
  fs?: FsPort;
  clock?: Clock;
  /** Torn tail dropped, corrupt file kept aside, snapshot failed... (never message content). */
  onWarning?: (msg: string) => void;
  /**
   * What to do when the snapshot or the journal is damaged. "fail" (default): move the file aside,
   * throw StoreCorruptError, and keep failing until the user decides. "start-fresh": move it
   * aside and carry on with what is intact (an empty store if the snapshot is lost).
   */
  onCorrupt?: "fail" | "start-fresh";
}

/** Counters for the status page. */
export interface DurableStats {
  journalEntries: number;
  journalBytes: number;
  lastSeq: number;
  snapshotSeq: number;
  snapshotAt: number | null;
  snapshotBytes: number;
  lastError: string | null;
  /** Where the write path's time went since open (wall-clock ms, cumulative): what `bench store` reports per message. */
  work: DurableWork;
}

/** Cumulative wall-clock milliseconds of the write path's stages since the store opened. */
export interface DurableWork {
  /** Encoding each batch for the journal and decoding it back for apply (in the caller's turn). */
  codecMs: number;
  /** Applying batches to the in-memory database, BEGIN to COMMIT (COMMIT writes the dirty pages). */
  applyMs: number;
  /** Appending to the journal and fsyncing it. */
  journalMs: number;
  /** `maintain` tasks (the text index's rounds). */
  maintainMs: number;
  /** Replaying the journal at open. */
  replayMs: number;
}

/** An open durable store: one writer (`commit`), reads straight from `db`. */
export interface DurableDb<Op> {
  /** For reads (prepared statements); never write through it. */
  readonly db: Database;
  /** Journal append + fsync, then apply; resolves with the batch seq once durable. An empty batch waits for earlier ones. */
  commit(ops: Op[]): Promise<number>;
  /**
   * Runs `fn` on the write lane between group commits, in its own transaction, without a journal
   * record: only for derived data that a replay of the journal rebuilds the same way (the text
   * index's queue, its segments' merges). Rolls back and rejects with fn's error if it throws.
   */
  maintain<T>(fn: (db: Database) => T): Promise<T>;
  /** freeze the image -> pieces + checksum -> temp file in same dir -> fsync -> rename -> fsync dir; then truncate journal. */
  snapshot(): Promise<void>;
  /** True while a snapshot is being taken or written (background work may wait for its end). */
  snapshotting(): boolean;
  stats(): DurableStats;
  /** Final snapshot (if anything changed), release lock. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_EVERY_BYTES = 64 * 1024 * 1024;
const DEFAULT_EVERY_MS = 5 * 60 * 1000;

/** When the collection after an open runs (see openDurable). */
const SETTLED_GC_MS = 2_000;

/** Real time; the periodic snapshot timer is unref'd so it never keeps the program alive. */
const unrefClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = globalThis.setTimeout(fn, ms);
    unrefTimer(h);
    return h;
  },
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Opens (or creates) the store: lock, load, migrate, replay. See the module comment. */
export async function openDurable<Op>(opts: DurableOptions<Op>): Promise<DurableDb<Op>> {
  const fs = opts.fs ?? nodeFs;
  const clock = opts.clock ?? unrefClock;
  const warn = opts.onWarning ?? (() => {});
  const name = opts.name ?? DEFAULT_STORE_NAME;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new TypeError(`Bad store name ${JSON.stringify(name)}: use letters, digits, . _ -`);
  if (!opts.dir) throw new TypeError("openDurable needs a store folder (dir)");
  const onCorrupt = opts.onCorrupt ?? "fail";
  // Real (ref'd) time for rename-retry pauses: they are short, and a pending retry must keep the program alive.
  const sleep = (ms: number) => new Promise<void>((resolve) => globalThis.setTimeout(resolve, ms));
  const paths = storePaths(opts.dir, name);

  await prepareDir(fs, opts.dir, warn);
  const lock = await acquireLock(fs, paths.lock, opts.dir, warn);
  let rec: Recovered;
  let hadMarker = false;
  try {
    hadMarker = await fs.exists(paths.marker);
    rec = await recoverStore({
      fs,
      sql: opts.sql,
      name,
      paths,
      migrate: opts.migrate,
      apply: opts.apply,
      onTransactionEnd: opts.onTransactionEnd,
      replayHooks: opts.replayHooks,
      onCorrupt,
      warn,
      now: () => clock.now(),
      sleep,
    });
  } catch (err) {
    await lock.release();
    throw err;
  }
  const pages = pagesOf(rec.db);
  if (pages && opts.cacheBytes !== undefined) pages.budget = opts.cacheBytes;
  const store = startEngine({
    rec,
    paths,
    lock,
    fs,
    clock,
    warn,
    sleep,
    apply: opts.apply,
    ended: opts.onTransactionEnd ?? (() => {}),
    everyBytes: opts.snapshotEveryBytes ?? DEFAULT_EVERY_BYTES,
    everyMs: opts.snapshotEveryMs ?? DEFAULT_EVERY_MS,
  });
  // Start-up's garbage (the open's, then the modules loaded after the first calls) is freed by a
  // full collection once start-up settles, not here: here it would hold up the first answer (30-100 ms).
  unrefClock.setTimeout(() => {
    traceMemory("before settled gc");
    collectGarbage();
    traceMemory("after settled gc");
  }, SETTLED_GC_MS); // never holds the process up
  if (rec.mustSnapshot || (onCorrupt === "start-fresh" && hadMarker)) {
    // A fresh start is only settled once a snapshot of it is durable; then the marker can go.
    try {
      await store.snapshot();
      await unlinkWithRetry(fs, paths.marker, sleep).catch(() => {});
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
  }
  return store;
}

async function prepareDir(fs: FsPort, dir: string, warn: (msg: string) => void): Promise<void> {
  const st = await fs.stat(dir);
  if (st === null) {
    await fs.mkdir(dir, 0o700);
    await fs.chmod(dir, 0o700);
    return;
  }
  if (!st.isDirectory) throw new Error(`Cannot use ${dir} as the store folder: it is not a folder`);
  if (!isWindows && (st.mode & 0o077) !== 0) {
    warn(`The store folder ${dir} is accessible to other users (mode ${st.mode.toString(8)}); run: chmod 700 ${dir}`);
  }
}

interface EngineInput<Op> {
  rec: Recovered;
  paths: StorePaths;
  lock: StoreLock;
  fs: FsPort;
  clock: Clock;
  warn: (msg: string) => void;
  sleep: (ms: number) => Promise<void>;
  apply: (db: Database, ops: Op[]) => void;
  ended: (db: Database, committed: boolean) => void;
  everyBytes: number;
  everyMs: number;
}

/** A queued commit. `payload` null: an empty batch (a barrier). */
interface Pending<Op> {
  ops: Op[];
  payload: Uint8Array | null;
  resolve(seq: number): void;
  reject(err: unknown): void;
}

function startEngine<Op>(inp: EngineInput<Op>): DurableDb<Op> {
  const { rec, fs, clock, warn } = inp;
  const { db, journal } = rec;
  const target = { fs, dir: inp.paths.dir, path: inp.paths.snapshot, tempPath: inp.paths.snapshotTemp, sleep: inp.sleep };
  const lane = createLane();
  const queue: Pending<Op>[] = [];

  let lastSeq = rec.lastSeq;
  let snapshotSeq = rec.snapshotSeq;
  let snapshotAt = rec.snapshotAt;
  let snapshotBytes = rec.snapshotBytes;
  /** Memory holds something the snapshot file does not. */
  let dirty = rec.dirty || rec.lastSeq !== rec.snapshotSeq;
  let lastError: string | null = null;
  const work: DurableWork = { codecMs: 0, applyMs: 0, journalMs: 0, maintainMs: 0, replayMs: rec.replayMs };
  let errorFrom: "commit" | "snapshot" | null = null;
  let failed: StoreFailedError | null = null;
  let closing = false;
  let closed: Promise<void> | null = null;
  let drainQueued = false;
  let snapshotChain: Promise<void> = Promise.resolve();
  let snapshotsRunning = 0;
  let background: Promise<void> | null = null;
  let retryAt = 0;
  let backoff = 0;
  let timer: unknown = null;

  const setError = (from: "commit" | "snapshot", text: string) => {
    lastError = text;
    errorFrom = from;
  };
  const clearError = (from: "commit" | "snapshot") => {
    if (errorFrom === from) {
      lastError = null;
      errorFrom = null;
    }
  };
  const fail = (why: string) => {
    failed ??= new StoreFailedError(
      `The store stopped accepting writes: ${why}. Restart the server; every acknowledged write is safe.`,
    );
    setError("commit", failed.message);
  };
  const rollbackQuietly = () => {
    try {
      db.exec("ROLLBACK");
    } catch {
      // no transaction open (SQLite already rolled back)
    }
    inp.ended(db, false);
  };
  const commitNow = () => {
    db.exec("COMMIT");
    inp.ended(db, true);
  };
  inp.ended(db, false); // nothing is pending before the first write
  // The snapshot file is read chunk by chunk as needed (image_pages.ts): a chunk may turn out damaged
  // after the open: from then on no write and no snapshot; the file is kept aside, as at open.
  pagesOf(db)?.onDamage((reason) => {
    if (closing) return; // the folder may be someone else's now: the next start finds the damage
    fail(`the store database file is damaged (${reason})`);
    void keepDamagedSnapshotAside({ fs, paths: inp.paths, now: () => clock.now(), sleep: inp.sleep }, reason).then((text) => {
      setError("commit", text);
      warn(text);
    });
  });

  /**
   * One group commit. The order keeps memory and disk equal at every await:
   *   1. BEGIN; each batch in a SAVEPOINT: a batch whose apply throws is rolled back and
   *      rejected alone (it never reaches the journal);
   *   2. the surviving batches are appended to the journal in one write and fsynced once;
   *   3. COMMIT in memory, then resolve.
   * If 2 or 3 fail, memory is rolled back and the journal cut back to where it was (durably)
   * before anyone hears "no", so a rejected batch cannot reappear at the next start. A failed
   * fsync cannot be trusted to be retried (the kernel may have dropped the dirty pages), so
   * it stops the store (StoreFailedError) instead.
   * Reads through `db` during step 2 see the group's rows before they are durable; the store
   * actor answers one request at a time, so no tool read observes that window.
   */
  async function runGroup(group: Pending<Op>[]): Promise<void> {
    const barriers = group.filter((p) => p.payload === null);
    const settleBarriers = () => {
      for (const p of barriers) {
        if (failed) p.reject(failed);
        else p.resolve(lastSeq);
      }
    };
    if (failed) {
      for (const p of group) p.reject(failed);
      return;
    }
    const t0 = performance.now();
    try {
      db.exec("BEGIN");
    } catch (err) {
      // Someone opened a transaction on `db` (reads must not): writing now would join it.
      const error = new Error(`Cannot start a write: a transaction is already open on the store's db (${msg(err)})`);
      for (const p of group) p.reject(error);
      return;
    }
    try {
      await applyAndJournal(group, settleBarriers, t0);
    } catch (err) {
      // Not expected (every known failure is handled inside): make sure nobody waits forever.
      rollbackQuietly();
      fail(`internal error in a group commit (${msg(err)})`);
      for (const p of group) p.reject(failed);
    }
  }

  /** `t0`: when the group's BEGIN was issued (the apply time runs from there). */
  async function applyAndJournal(group: Pending<Op>[], settleBarriers: () => void, t0: number): Promise<void> {
    const accepted: Pending<Op>[] = [];
    for (const p of group) {
      if (p.payload === null) continue;
      db.exec("SAVEPOINT durable_batch");
      try {
        inp.apply(db, p.ops);
        db.exec("RELEASE durable_batch");
        accepted.push(p);
      } catch (err) {
        try {
          db.exec("ROLLBACK TO durable_batch");
          db.exec("RELEASE durable_batch");
        } catch (err2) {
          // apply ended or broke our transaction: memory may now differ from the journal.
          rollbackQuietly();
          fail(`a batch's apply left the transaction in an unknown state (${msg(err2)})`);
          p.reject(err);
          for (const q of group) if (q !== p) q.reject(failed);
          return;
        }
        p.reject(err);
      }
    }
    if (accepted.length === 0) {
      commitNow();
      work.applyMs += performance.now() - t0;
      settleBarriers();
      return;
    }
    const base = lastSeq;
    const frames = encodeFrames(accepted.map((p, i) => ({ seq: base + 1 + i, payload: p.payload! })));
    const size0 = journal.size;
    const entries0 = journal.entries;
    let stage: "write" | "sync" | "commit" = "write";
    const t1 = performance.now();
    work.applyMs += t1 - t0;
    try {
      await journal.append(frames, accepted.length);
      stage = "sync";
      await journal.sync();
      stage = "commit";
      const t2 = performance.now();
      work.journalMs += t2 - t1;
      commitNow();
      work.applyMs += performance.now() - t2;
    } catch (err) {
      rollbackQuietly();
      let undone = true;
      try {
        await journal.truncate(size0, entries0);
      } catch {
        undone = false;
      }
      const what = stage === "commit" ? `Cannot commit the batch: ${msg(err)}` : `Cannot write the store journal: ${msg(err)}`;
      if (stage === "sync") fail(`fsync of the journal failed (${msg(err)})`);
      else if (!undone) fail(`a failed write could not be undone in the journal (${msg(err)})`);
      else setError("commit", what);
      const error = failed ?? Object.assign(new Error(what, { cause: err }), { code: (err as { code?: unknown }).code });
      for (const p of accepted) p.reject(error);
      settleBarriers();
      return;
    }
    lastSeq = base + accepted.length;
    dirty = true;
    clearError("commit");
    accepted.forEach((p, i) => p.resolve(base + 1 + i));
    settleBarriers();
  }

  function scheduleDrain(): void {
    if (drainQueued) return;
    drainQueued = true;
    void lane.run(async () => {
      drainQueued = false;
      // Everything that queued up while the previous group waited for its fsync goes in this one.
      const group = queue.splice(0);
      if (group.length > 0) await runGroup(group);
      maybeBackground("size");
    });
  }

  /** `last`: the database is closed right after, so the snapshot leaves its free pages out (captureCompacted). */
  async function snapshotOnce(last = false): Promise<void> {
    // Freeze the image between groups (on the lane): never with a batch half-applied.
    const ex = await lane.run(() => {
      if (failed) throw failed;
      const seq = lastSeq;
      const at = clock.now();
      const image = (last ? captureCompacted : captureImage)(db, () => stampSnapshotMeta(db, seq, at));
      dirty = false;
      return { seq, at, image, cut: journal.size, cutEntries: journal.entries };
    });
    // Write off the lane: commits go on meanwhile (the frozen image keeps the blocks they change).
    let written: number;
    try {
      written = await writeSnapshotFile(target, ex.image);
    } catch (err) {
      dirty = true;
      throw err;
    } finally {
      ex.image.release();
    }
    snapshotSeq = ex.seq;
    snapshotAt = ex.at;
    snapshotBytes = written;
    // An exported whole copy is written: free it now rather than at some later collection.
    if (ex.image.wholeCopy) collectGarbage();
    // The snapshot is durable: the journal prefix it covers can go.
    await lane.run(async () => {
      if (failed) return;
      try {
        await journal.dropPrefix(ex.cut, ex.cutEntries);
      } catch (err) {
        throw new Error(`snapshot written, but the journal could not be cut (it is replayed past the snapshot): ${msg(err)}`, {
          cause: err,
        });
      }
    });
  }

  function maybeBackground(why: "size" | "timer"): void {
    if (closing || failed || background !== null || clock.now() < retryAt) return;
    if (why === "size" && journal.size < inp.everyBytes) return;
    if (why === "timer" && journal.entries === 0 && !dirty) return;
    background = api.snapshot().then(
      () => {
        backoff = 0;
        retryAt = 0;
      },
      (err) => {
        backoff = Math.min(backoff === 0 ? 1000 : backoff * 2, inp.everyMs);
        retryAt = clock.now() + backoff;
        warn(`Background snapshot failed (retrying in ${Math.round(backoff / 1000)} s or later): ${msg(err)}`);
      },
    ).finally(() => {
      background = null;
    });
  }

  function arm(): void {
    if (closing) return;
    timer = clock.setTimeout(() => {
      timer = null;
      maybeBackground("timer");
      arm();
    }, inp.everyMs);
  }

  const api: DurableDb<Op> = {
    db,
    commit(ops) {
      if (closing) return Promise.reject(new StoreClosedError("The store is closed"));
      if (failed) return Promise.reject(failed);
      let decoded: Op[] = [];
      let payload: Uint8Array | null = null;
      try {
        if (!Array.isArray(ops)) throw new TypeError("commit() takes an array of ops");
        if (ops.length > 0) {
          // Encode now, in the caller's turn: a batch that cannot be journaled fails alone and at once.
          // apply gets the decoded copy (built while encoding): exactly what a replay of the journal will see.
          const t0 = performance.now();
          ({ payload, ops: decoded } = encodeOpsBinaryCopy<Op>(ops));
          work.codecMs += performance.now() - t0;
          if (payload.length > MAX_PAYLOAD) {
            throw new RangeError(`A write batch of ${payload.length} bytes exceeds the journal limit of ${MAX_PAYLOAD}: split it`);
          }
        }
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise<number>((resolve, reject) => {
        queue.push({ ops: decoded, payload, resolve, reject });
        scheduleDrain();
      });
    },
    maintain(fn) {
      if (closing) return Promise.reject(new StoreClosedError("The store is closed"));
      if (failed) return Promise.reject(failed);
      return lane.run(() => {
        if (failed) throw failed;
        const t0 = performance.now();
        db.exec("BEGIN");
        try {
          const result = fn(db);
          commitNow();
          work.maintainMs += performance.now() - t0;
          dirty = true; // memory now holds something the snapshot file does not (derived, not journaled)
          return result;
        } catch (err) {
          rollbackQuietly();
          throw err;
        }
      });
    },
    snapshot() {
      if (closed !== null) return Promise.reject(new StoreClosedError("The store is closed"));
      // Chained: two snapshots never overlap; each covers everything acknowledged before it was asked for.
      snapshotsRunning++;
      const run = snapshotChain.then(() => snapshotOnce()).finally(() => snapshotsRunning--);
      snapshotChain = run.catch(() => {});
      return run.then(
        () => clearError("snapshot"),
        (err) => {
          setError("snapshot", `Snapshot failed: ${msg(err)}`);
          throw err;
        },
      );
    },
    snapshotting: () => snapshotsRunning > 0,
    stats: () => ({
      journalEntries: journal.entries,
      journalBytes: journal.size,
      lastSeq,
      snapshotSeq,
      snapshotAt,
      snapshotBytes,
      lastError,
      work: { ...work },
    }),
    close() {
      if (closed !== null) return closed;
      closing = true;
      closed = (async () => {
        if (timer !== null) clock.clearTimeout(timer);
        timer = null;
        await lane.run(() => {}); // every queued commit has been settled
        await background;
        await snapshotChain;
        if (!failed && dirty) {
          try {
            await snapshotOnce(true);
          } catch (err) {
            setError("snapshot", `Final snapshot failed: ${msg(err)}`);
            warn(`Final snapshot failed; the journal keeps every write and is replayed at the next start: ${msg(err)}`);
          }
        }
        await journal.close().catch(() => {});
        db.close();
        await inp.lock.release();
      })();
      return closed;
    },
  };
  arm();
  return api;
}

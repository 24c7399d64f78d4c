/**
 * Reading the snapshot early: the owner starts reading (and checksumming) the store file as soon
 * as it owns the data folder, in a worker thread, while the tools' modules load on the main
 * thread; the store's recovery then takes that read instead of starting its own. It is the same
 * `readSnapshotFile` of the same path, only started earlier and elsewhere (nobody else writes the
 * folder once it is owned; the worker hands over the buffer it read, moved, not copied), so a
 * damaged file gets the same verdict and the same handling. Where no worker can run, the read
 * runs on the main thread. One read is kept at a time, for the next recovery of that path only.
 */
import type { FsPort } from "../../runtime/fs.ts";
import { siblingModuleUrl, spawnWorker, type WorkerHandle } from "../../runtime/worker.ts";
import { readSnapshotFile, type SnapshotRead } from "./snapshot.ts";
import type { SnapshotFileCheck } from "./snapshot_checksum.ts";
import { startMark } from "../../runtime/start_trace.ts";

/** The worker's answer (snapshot_read_worker.ts). */
export type FromReadWorker =
  | { type: "none" }
  | {
    type: "read";
    /** The file's bytes in their first `length` bytes, with the growth room after them. */
    buffer: ArrayBuffer;
    length: number;
    verdict: { kind: "verified" | "unchecked"; imageLength: number } | Extract<SnapshotFileCheck, { kind: "damaged" }>;
  }
  | { type: "error"; message: string; code?: string };

let pending: { path: string; read: Promise<SnapshotRead | null> } | null = null;

/** Starts reading the snapshot at `path` (see the module doc); replaces an earlier read not taken. */
export function prefetchSnapshot(fs: FsPort, path: string, opts: { worker?: boolean } = {}): void {
  const read = opts.worker === false ? readSnapshotFile(fs, path) : readInWorker(path).catch((err) => {
    if (err instanceof WorkerUnavailable) return readSnapshotFile(fs, path);
    throw err;
  });
  read.catch(() => {}); // the recovery that takes it sees the error
  pending = { path, read };
}

/** The read started for `path`, once (later calls get undefined), or undefined if none was. */
export function takePrefetchedSnapshot(path: string): Promise<SnapshotRead | null> | undefined {
  if (pending?.path !== path) return undefined;
  const { read } = pending;
  pending = null;
  return read;
}

/** The worker could not run or died before answering: the read is done on the main thread instead. */
class WorkerUnavailable extends Error {}

/** A read worker started ahead of its path (`prestartReadWorker`): its answer, once it has a path. */
interface ReadWorker {
  handle: WorkerHandle;
  answer: Promise<SnapshotRead | null>;
}

let spare: ReadWorker | null = null;

/**
 * Starts the read worker before the path is known to be ours to read: a worker thread takes tens
 * of ms to start (a new isolate, its modules), which now pass while the main thread loads the
 * rest of the program; `prefetchSnapshot` then hands it the path. `dropReadWorker` ends it unused.
 */
export function prestartReadWorker(): void {
  if (spare) return;
  try {
    spare = startReadWorker();
    spare.answer.catch(() => {}); // the read that takes it sees the error
    spare.handle.keepAlive(false); // an unused spare does not keep the process alive
  } catch {
    spare = null; // no worker here: the read starts one, or runs on the main thread
  }
}

/** Ends a worker started by `prestartReadWorker` that no read took (this process does not own the store). */
export function dropReadWorker(): void {
  const w = spare;
  spare = null;
  void w?.handle.terminate().catch(() => {});
}

/** `readSnapshotFile(path)` in a worker thread (the one started ahead, if any). */
function readInWorker(path: string): Promise<SnapshotRead | null> {
  let w = spare;
  spare = null;
  try {
    w ??= startReadWorker();
  } catch (err) {
    return Promise.reject(new WorkerUnavailable(String(err)));
  }
  w.handle.keepAlive(true);
  w.handle.post({ path });
  return w.answer;
}

/** Starts a read worker; its answer settles once it is given a path and has read it. */
function startReadWorker(): ReadWorker {
  let resolve!: (r: SnapshotRead | null) => void;
  let reject!: (err: Error) => void;
  const answer = new Promise<SnapshotRead | null>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let settled = false;
  const gone = (why: string) => {
    if (!settled) {
      settled = true;
      reject(new WorkerUnavailable(why));
    }
  };
  const handle = spawnWorker(siblingModuleUrl(import.meta.url, "snapshot_read_worker"), {
    onMessage(msg) {
      if (settled) return;
      settled = true;
      const m = msg as FromReadWorker;
      startMark("prefetch: worker answered");
      if (m.type === "none") resolve(null);
      else if (m.type === "error") reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
      else resolve(snapshotReadOf(m));
    },
    onError: (err) => gone(err.message),
    onExit: (code) => gone(`the read worker exited (${code}) without an answer`),
  });
  return { handle, answer };
}

/** The SnapshotRead the worker's answer stands for. */
function snapshotReadOf(m: Extract<FromReadWorker, { type: "read" }>): SnapshotRead {
  const bytes = new Uint8Array(m.buffer, 0, m.length);
  const v = m.verdict;
  const checked: SnapshotFileCheck = v.kind === "damaged" ? v : { kind: v.kind, image: bytes.subarray(0, v.imageLength) };
  return { bytes, checked };
}

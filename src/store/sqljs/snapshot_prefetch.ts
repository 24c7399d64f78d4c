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
import { siblingModuleUrl, spawnWorker } from "../../runtime/worker.ts";
import { readSnapshotFile, type SnapshotRead } from "./snapshot.ts";
import type { SnapshotFileCheck } from "./snapshot_checksum.ts";
import { startMark } from "../../runtime/start_trace.ts";
import { LAZY_FROM_BYTES, type LazySnapshot, lazySnapshot, type LazyShare } from "./snapshot_lazy.ts";

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
  | { type: "error"; message: string; code?: string }
  /** A format-2 file, not read yet (snapshot_lazy.ts); a large one the worker then checks in the background. */
  | { type: "lazy"; share: LazyShare }
  /** After "lazy": every chunk was checked; `damage`: why the first bad one is bad; `error`: the check stopped. */
  | { type: "filled"; damage: string | null; error?: string };

let pending: { path: string; read: Promise<SnapshotRead | null> } | null = null;

/** The snapshot handed over before it was read whose worker waits for `releaseSnapshotFill`. */
let held: LazySnapshot | null = null;

/**
 * Lets the worker holding a snapshot handed over early (`holdFillMs`) fill the rest now: called
 * once the first calls are answered. A no-op otherwise.
 */
export function releaseSnapshotFill(): void {
  held?.fill();
  held = null;
}

/**
 * Starts reading the snapshot at `path` (see the module doc); replaces an earlier read not taken.
 * `lazyFrom`: a format-2 image at least this long is handed over before it is read (snapshot_lazy.ts);
 * `holdFillMs`: its worker then reads only what the main thread asks for until `releaseSnapshotFill`
 * (or that long), so the first calls do not share the cores with the fill.
 */
export function prefetchSnapshot(
  fs: FsPort,
  path: string,
  opts: { worker?: boolean; lazyFrom?: number; holdFillMs?: number } = {},
): void {
  const read = opts.worker === false ? readSnapshotFile(fs, path) : readInWorker(path, opts).catch((err) => {
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

/** `readSnapshotFile(path)` in a worker thread. */
function readInWorker(path: string, opts: { lazyFrom?: number; holdFillMs?: number }): Promise<SnapshotRead | null> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let lazy: LazySnapshot | null = null;
    const gone = (why: string) => {
      if (!settled) {
        settled = true;
        reject(new WorkerUnavailable(why));
      }
    };
    try {
      const worker = spawnWorker(siblingModuleUrl(import.meta.url, "snapshot_read_worker"), {
        onMessage(msg) {
          const m = msg as FromReadWorker;
          if (m.type === "filled") {
            startMark("prefetch: worker filled");
            if (m.damage !== null) lazy?.reportDamage(m.damage);
            return;
          }
          if (settled) return;
          settled = true;
          startMark("prefetch: worker answered");
          if (m.type === "lazy") {
            lazy = lazySnapshot(m.share, { checkAtOpen: m.share.imageLength < (opts.lazyFrom ?? LAZY_FROM_BYTES) });
            if (opts.holdFillMs) held = lazy;
            resolve({ bytes: new Uint8Array(0), checked: { kind: "lazy", lazy } });
          } else if (m.type === "none") resolve(null);
          else if (m.type === "error") reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
          else if (m.type === "read") resolve(snapshotReadOf(m));
        },
        onError: (err) => gone(err.message),
        onExit: (code) => gone(`the read worker exited (${code}) without an answer`),
      });
      worker.post({ path, lazyFrom: opts.lazyFrom, holdMs: opts.holdFillMs });
    } catch (err) {
      gone(String(err));
    }
  });
}

/** The SnapshotRead the worker's answer stands for. */
function snapshotReadOf(m: Extract<FromReadWorker, { type: "read" }>): SnapshotRead {
  const bytes = new Uint8Array(m.buffer, 0, m.length);
  const v = m.verdict;
  const checked: SnapshotFileCheck = v.kind === "damaged" ? v : { kind: v.kind, image: bytes.subarray(0, v.imageLength) };
  return { bytes, checked };
}

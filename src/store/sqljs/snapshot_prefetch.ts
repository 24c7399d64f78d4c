/**
 * Reading the snapshot early: the owner starts reading (and checksumming) the store file as soon
 * as it owns the data folder, while the tools' modules are still loading, and the store's
 * recovery takes that read instead of starting its own. It is the same `readSnapshotFile` of the
 * same path, only started earlier (nobody else writes the folder once it is owned), so a damaged
 * file gets the same verdict and the same handling. One read is kept at a time, for the next
 * recovery of that path only.
 */
import type { FsPort } from "../../runtime/fs.ts";
import { readSnapshotFile, type SnapshotRead } from "./snapshot.ts";

let pending: { path: string; read: Promise<SnapshotRead | null> } | null = null;

/** Starts reading the snapshot at `path` (see the module doc); replaces an earlier read not taken. */
export function prefetchSnapshot(fs: FsPort, path: string): void {
  const read = readSnapshotFile(fs, path);
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

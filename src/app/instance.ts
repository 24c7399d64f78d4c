/**
 * Who owns a data folder. The first process to take `<dataDir>/instance.lock` owns it: it opens
 * the store and the WhatsApp connection and publishes its instance endpoint in `instance.json`.
 * Any later process on the same folder finds the lock taken and, in stdio mode, proxies its client
 * to the owner until the lock becomes free, then takes over (src/app/proxy/run.ts).
 *
 * The lock is the store's own lock mechanism (O_EXCL file with pid + token, a dead holder's lock is
 * taken over), on a file of its own: the store keeps its `store.lock` as a second line of defence,
 * and the instance lock also covers a PostgreSQL store shared through the same data folder.
 */
import type { Logger } from "../log.ts";
import { type FsPort, joinPath } from "../runtime/fs.ts";
import { StoreLockedError } from "../store/sqljs/durable_errors.ts";
import { acquireLock, type LockProcess, type StoreLock } from "../runtime/lock.ts";
import { type InstanceInfo, readInstanceFile } from "./instance_file.ts";

/** File name of the ownership lock inside the data folder. */
export const INSTANCE_LOCK = "instance.lock";

/** The outcome of one attempt. */
export type InstanceClaim =
  | { role: "owner"; lock: StoreLock }
  | { role: "taken"; holderPid: number | null };

/** Another process owns the data folder and this one cannot proxy to it (not stdio). */
export class InstanceBusyError extends Error {
  override name = "InstanceBusyError";
}

/** Tries once to become the owner of `dataDir` (created 0700 if missing). */
export async function tryClaimInstance(fs: FsPort, dataDir: string, log: Logger, proc?: LockProcess): Promise<InstanceClaim> {
  await fs.mkdir(dataDir, 0o700);
  const warn = () => log.warn("the previous owner of this data folder did not exit cleanly: taking over its lock");
  try {
    return { role: "owner", lock: await acquireLock(fs, joinPath(dataDir, INSTANCE_LOCK), dataDir, warn, proc) };
  } catch (err) {
    if (err instanceof StoreLockedError) return { role: "taken", holderPid: err.pid };
    throw err;
  }
}

/**
 * The owner's endpoint, if `instance.json` was written by the lock's holder (a file left by an
 * earlier owner names another pid and is ignored). Null while the owner is still starting.
 */
export async function findOwner(fs: FsPort, dataDir: string, holderPid: number | null): Promise<InstanceInfo | null> {
  const info = await readInstanceFile(fs, dataDir);
  if (!info) return null;
  return holderPid === null || info.pid === holderPid ? info : null;
}

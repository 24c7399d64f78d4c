/** Errors of the durable sql.js store that callers catch and show to the user. */

/** Another process (or this one) holds the store's lock (declared with the lock, `runtime/lock.ts`). */
export { StoreLockedError } from "../../runtime/lock.ts";

/**
 * A store file failed to load or check. The file was moved aside unchanged (never deleted or
 * overwritten); `keptAt` lists where.
 */
export class StoreCorruptError extends Error {
  override name = "StoreCorruptError";
  constructor(message: string, readonly keptAt: string[]) {
    super(message);
  }
}

/**
 * The journal could not be made durable in a way that can be undone (fsync failed, or a cleanup
 * after a failed write failed): the store refuses further writes until restarted. No
 * acknowledged write is lost; the rejected batch may or may not reappear after the restart.
 */
export class StoreFailedError extends Error {
  override name = "StoreFailedError";
}

/** The store was closed. */
export class StoreClosedError extends Error {
  override name = "StoreClosedError";
}

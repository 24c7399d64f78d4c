/** Ports of the scheduler (implemented in src/app/ over the runtime's files). */

/**
 * Copies of scheduled attachments in the data folder (`<data dir>/scheduled/`, files 0600), so
 * what is sent is what the user confirmed, whatever happens to the original later.
 */
export interface ScheduledFiles {
  /** Writes the copy of `id` and makes it durable (fsync) before resolving. */
  put(id: string, bytes: Uint8Array): Promise<void>;
  /** The copy, or null when it is gone. */
  get(id: string): Promise<Uint8Array | null>;
  /** Removes the copy (nothing if there is none). */
  remove(id: string): Promise<void>;
  /** The copies present with when they were written (to sweep the ones no pending send needs). */
  list(): Promise<Array<{ id: string; writtenAt: number }>>;
}

/** The most sends waiting at once: bounds what one injected prompt can line up. */
export const MAX_PENDING_SCHEDULED = 100;

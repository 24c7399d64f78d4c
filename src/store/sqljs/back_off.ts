/**
 * The multi-row write's back-off (the replay's and the live commit's): a batch is tried on the
 * fast path, which rolls itself back and throws on anything unexpected; then the row-by-row path
 * applies it. After batches given back, the next 1, 2, 4 … 16 go row by row without trying: a
 * stream that re-delivers stored messages in every batch would otherwise pay each batch twice.
 */
import type { Database } from "sql.js";

/** Per connection: consecutive batches given back, batches still to apply without trying. */
export type BackOffs = WeakMap<Database, { misses: number; skip: number }>;

/** Runs `fast`, or `slow` when skipping or after `fast` threw (`onFallback` counts it). */
export function withBackOff(backOffs: BackOffs, db: Database, fast: () => void, slow: () => void, onFallback: () => void): void {
  let back = backOffs.get(db);
  if (back === undefined) backOffs.set(db, (back = { misses: 0, skip: 0 }));
  if (back.skip > 0) {
    back.skip--;
    return slow();
  }
  try {
    fast();
    back.misses = 0;
  } catch {
    // The fast path rolled its savepoint back (and what it learned): the row-by-row path decides,
    // and throws the batch's own error if it has one.
    onFallback();
    back.skip = Math.min(2 ** back.misses, 16);
    back.misses++;
    slow();
  }
}

/**
 * A memo over one sql.js connection that is exact by construction: it is emptied whenever anything
 * was written on the connection since it was filled. `total_changes()` counts every row inserted,
 * updated or deleted by any statement since the connection opened (trigger writes included); it
 * never goes back, also when a transaction is rolled back, so an unchanged count means unchanged
 * tables, but for one case: a read while a write transaction is open (the durable engine keeps it
 * open while it journals the batch) sees rows that a rollback may then take back without changing
 * the count. So the stamp also counts the rollbacks, which whoever runs the transactions reports
 * (`noteTransactionEnd`, from the engine's `onTransactionEnd`); on a connection whose transaction
 * ends are not reported, nothing is kept. Used for what message reads look up per JID or chat
 * (row_names.ts, row_reactions.ts, row_keys.ts) instead of per row in SQL.
 */
import type { Database } from "sql.js";
import type { Statements } from "./statements.ts";

/** Rollbacks seen per connection (present once its transaction ends are reported). */
const rollbacks = new WeakMap<Database, number>();

/** A transaction on `db` ended (the durable engine reports the first before any write). */
export function noteTransactionEnd(db: Database, committed: boolean): void {
  const n = rollbacks.get(db) ?? 0;
  rollbacks.set(db, committed ? n : n + 1);
}

/**
 * The connection's state as the memos compare it: its change count and rollbacks now, or null
 * when its transaction ends are not reported (then nothing may be kept).
 */
export function changesStamp(db: Database, s: Statements): string | null {
  const ended = rollbacks.get(db);
  if (ended === undefined) return null;
  return `${Number(s.value("SELECT total_changes()"))}/${ended}`;
}

/** A map that is valid for the database as it is now. */
export interface ChangesMemo<K, V> {
  /**
   * The map, emptied first if the database changed since the last call (or it grew past its
   * bound); a new empty map each time if the connection's transaction ends are not reported.
   * `stamp`: the connection's `changesStamp`, when the caller took it in the same synchronous
   * run of reads, with no write since (the three memos of a page read share one instead of a
   * statement each); by default it is taken here.
   */
  current(stamp?: string | null): Map<K, V>;
}

/** A memo of at most `max` entries over connection `db` (statements from `s`). */
export function createChangesMemo<K, V>(db: () => Database, s: () => Statements, max: number): ChangesMemo<K, V> {
  const map = new Map<K, V>();
  let kept = "";
  return {
    current(stamp = changesStamp(db(), s())) {
      if (stamp === null) return new Map();
      if (stamp !== kept || map.size > max) {
        map.clear();
        kept = stamp;
      }
      return map;
    },
  };
}

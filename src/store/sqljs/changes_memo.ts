/**
 * A memo over one sql.js connection that is exact by construction: it is emptied whenever anything
 * was written on the connection since it was filled. `total_changes()` counts every row inserted,
 * updated or deleted by any statement since the connection opened (trigger writes included, and
 * rolled-back ones too: it never goes back), so an unchanged count means unchanged tables.
 * Reading it costs under a microsecond. Used for what message reads look up per JID or chat
 * (row_names.ts, row_reactions.ts) instead of per row in SQL.
 */
import type { Statements } from "./statements.ts";

/** A map that is valid for the database as it is now. */
export interface ChangesMemo<K, V> {
  /** The map, emptied first if the database changed since the last call (or it grew past its bound). */
  current(): Map<K, V>;
}

/** A memo of at most `max` entries over the connection of `s`. */
export function createChangesMemo<K, V>(s: () => Statements, max: number): ChangesMemo<K, V> {
  const map = new Map<K, V>();
  let stamp = -1;
  return {
    current() {
      const changes = Number(s().value("SELECT total_changes()"));
      if (changes !== stamp || map.size > max) {
        map.clear();
        stamp = changes;
      }
      return map;
    },
  };
}

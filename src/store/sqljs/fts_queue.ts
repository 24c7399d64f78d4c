/**
 * The full-text index's queue. A new message is queued in `fts_pending` by the batch that stores
 * it (`apply.ts`, one statement per batch since migration 0015; a trigger before: in the commit that
 * stores it, so the queue is exactly as durable as the message) and indexed here
 * later, many at a time: off the commit path, so a history sync is acknowledged sooner. A search
 * sees every committed message: the repository empties a short queue first (`indexQueued` until
 * it returns 0), matches the messages of a long one itself (fts_backlog.ts), and indexes the queue
 * in the background when writes pause.
 *
 * What to index is computed from the message as it is when indexed (by the same functions the
 * content view calls), so edits, revokes and LID merges of a queued message need no index work.
 * Indexing is derived data: it is not journaled (a replay re-queues the same messages).
 */
import type { Database } from "sql.js";
import { rowSearchFields, rowSearchScope } from "./functions.ts";
import { jsonParam, statementsOf } from "./statements.ts";

/** True when messages wait to be indexed. */
export function hasQueued(db: Database): boolean {
  return statementsOf(db).value("SELECT EXISTS (SELECT 1 FROM fts_pending)") === 1;
}

/** How many messages wait to be indexed. */
export function queuedCount(db: Database): number {
  return Number(statementsOf(db).value("SELECT count(*) FROM fts_pending") ?? 0);
}

/**
 * Whether at least half of the messages are queued (after a crash replay, a migration or a big
 * import), given `queuedCount` and `messageCount` (a search takes each once): a search then walks
 * the messages rather than looking each queued one up (read_sql.ts `queuedSearchSql`'s `scan`).
 */
export function mostlyQueued(queued: number, messages: number): boolean {
  return 2 * queued >= messages;
}

/** How many messages are stored (a count of the table: 1 ms at 300k messages in memory). */
export function messageCount(db: Database): number {
  return Number(statementsOf(db).value("SELECT count(*) FROM message_rows") ?? 0);
}

/**
 * The queued messages up to a bound (`?`), as `indexQueued` reads them: revoked ones have no
 * words; the edit, when there is one, replaces the text (as in searchFields). Chat and sender
 * come as their `jids` keys, which the scope tokens are made of. CROSS JOIN keeps the queue
 * the outer loop: left to itself the planner walks messages by pk up to the bound and probes the
 * queue, so every round reread all the messages indexed before it (quadratic over an import: 13
 * instead of 9 µs per message at 200k).
 */
export const QUEUED_ROWS_SQL = `SELECT m.pk, m.chat, m.sender, coalesce(m.edited_text, m.text), m.media_file_name
  FROM fts_pending p CROSS JOIN message_rows m ON m.pk = p.docid WHERE p.docid <= ? AND m.revoked = 0`;

/**
 * Indexes up to `limit` queued messages (lowest pks first) and takes them off the queue, in the
 * caller's transaction. Returns how many were taken (0: the queue is empty). Messages whose
 * text turns out to have no searchable words are taken off without an index entry.
 * The words are computed here in JS and inserted in one statement: calling the SQL functions
 * from an INSERT ... SELECT costs several times more per row (a wasm-to-JS call per value).
 */
export function indexQueued(db: Database, limit: number): number {
  const s = statementsOf(db);
  const n = Math.max(1, Math.trunc(limit));
  // The n-th queued docid bounds this round (all of them when fewer are queued).
  const bound = s.value("SELECT docid FROM fts_pending ORDER BY docid LIMIT 1 OFFSET ?", [n - 1]);
  const last = typeof bound === "number" ? bound : Number.MAX_SAFE_INTEGER;
  const rows: Array<[number, string, string, string]> = [];
  s.each(
    QUEUED_ROWS_SQL,
    [last],
    (r) => {
      const f = rowSearchFields(null, r[3]!, r[4]!, 0);
      if (f.text !== "" || f.file !== "") rows.push([r[0] as number, f.text, f.file, rowSearchScope(r[1]!, r[2]!, f)]);
    },
  );
  if (rows.length > 0) {
    s.run(`INSERT INTO messages_fts (docid, body, file_name, scope)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(CAST(? AS TEXT))`, [
      jsonParam(rows),
    ]);
  }
  s.run("DELETE FROM fts_pending WHERE docid <= ?", [last]);
  return s.changes();
}

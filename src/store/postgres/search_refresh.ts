/**
 * Recomputes the search vectors a migration listed in `search_refresh` (the vectors are the
 * program's tokens, which SQL cannot compute), in batches, then empties the list. Runs at open,
 * after the migrations and before the store answers, so every search sees current vectors.
 */
import { searchOfRow } from "./apply_shared.ts";
import { type Pg, query } from "./client.ts";

const BATCH = 1000;

/** Refreshes every listed message's vector; returns how many were refreshed. */
export async function refreshListedSearchVectors(pg: Pg): Promise<number> {
  let done = 0;
  for (;;) {
    const n = await pg.begin(async (tx) => {
      const rows = await query(
        tx,
        `SELECT r.chat_jid, r.id, m.text, m.edited_text, m.media_file_name, m.revoked
         FROM (SELECT chat_jid, id FROM search_refresh ORDER BY chat_jid, id LIMIT :limit) r
         LEFT JOIN messages m ON m.chat_jid = r.chat_jid AND m.id = r.id`,
        { limit: BATCH },
      );
      if (rows.length === 0) return 0;
      const fresh = rows.filter((r) => r.revoked !== null && r.revoked !== undefined)
        .map((r) => ({ chat_jid: r.chat_jid, id: r.id, search: searchOfRow(r) }));
      await query(
        tx,
        `UPDATE messages SET search = x.search
         FROM json_to_recordset(:rows::text::json) AS x(chat_jid text, id text, search tsvector)
         WHERE messages.chat_jid = x.chat_jid AND messages.id = x.id`,
        { rows: JSON.stringify(fresh) },
      );
      await query(
        tx,
        `DELETE FROM search_refresh r USING json_to_recordset(:keys::text::json) AS k(chat_jid text, id text)
         WHERE r.chat_jid = k.chat_jid AND r.id = k.id`,
        { keys: JSON.stringify(rows.map((r) => ({ chat_jid: r.chat_jid, id: r.id }))) },
      );
      return rows.length;
    });
    if (n === 0) return done;
    done += n;
  }
}

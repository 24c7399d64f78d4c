/**
 * The LISTEN/NOTIFY channels of one store. Channels are per database, not per schema, so the
 * schema is part of the name (two stores in one database do not hear each other).
 */
import { type Queryable, query } from "../store/postgres/client.ts";

/** The store's channels. */
export interface Channels {
  /** A commit changed what live readers see (payload: src/cluster/live_notify.ts). */
  live: string;
  /** A new outbox row (payload: its id). */
  outbox: string;
  /** An outbox row was settled (payload: its id). */
  done: string;
}

/** Channel names for the current schema of `db` (at most 63 bytes each, PostgreSQL's limit). */
export async function storeChannels(db: Queryable): Promise<Channels> {
  const schema = String((await query(db, "SELECT current_schema() AS s"))[0]?.s ?? "public");
  const name = (kind: string) => `wa_${kind}_${schema}`.slice(0, 63);
  return { live: name("live"), outbox: name("outbox"), done: name("done") };
}

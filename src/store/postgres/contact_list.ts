/**
 * search_contacts on PostgreSQL without a scan of people per search: every person with the keys
 * SEARCH_CONTACTS compares is held in memory, already in its order, and a search walks the list
 * until it has `limit` matches. Each search first reads `contacts_version` (one row; migration
 * 0016's triggers advance it in the transaction of any change the search could see) and rebuilds
 * the list when it moved: a change by another server instance on the same database is seen by
 * the next search, and results are always those of the SQL.
 *
 * LIKE semantics as PostgreSQL has them: the patterns are `%needle%` with every wildcard of the
 * needle escaped, i.e. "contains the needle", and PostgreSQL's LIKE compares characters exactly
 * (no case folding, unlike SQLite's): so `includes` on the stored text, as it is.
 */
import { type ContactEntry, walkContacts } from "../contact_walk.ts";
import { clampLimit, contactNeedles } from "../query_params.ts";
import { personFromRow, toNum } from "../rows.ts";
import type { PersonRow } from "../types.ts";
import { query, type Queryable } from "./client.ts";
import { CONTACT_LIST, CONTACTS_VERSION } from "./read_sql.ts";

/** The contact list of one database, rebuilt when its version moved. */
export class PgContactList {
  /** Keys as stored. */
  private entries: ContactEntry[] = [];
  private builtAt: number | null = null;
  /** The rebuild in flight: concurrent searches share it. */
  private building: Promise<void> | null = null;

  constructor(private readonly pg: Queryable) {}

  async search(text: string, limit: number): Promise<PersonRow[]> {
    const version = toNum((await query(this.pg, CONTACTS_VERSION))[0]?.version);
    // The counter only grows: a list built at a newer version than the one read is fine.
    const stale = () => version === null || this.builtAt === null || this.builtAt < version;
    if (stale()) await this.rebuild();
    // A rebuild already in flight when `version` was read may have an older snapshot: one more,
    // started after it, has a newer one.
    if (version !== null && stale()) await this.rebuild();
    return walkContacts(this.entries, contactNeedles(text), clampLimit(limit));
  }

  private rebuild(): Promise<void> {
    this.building ??= (async () => {
      try {
        // The rows and their version come from one statement, so from one snapshot.
        const rows = await query(this.pg, CONTACT_LIST);
        this.entries = rows.filter((r) => r.id !== null).map((r) => ({
          person: personFromRow(r),
          personKey: str(r.person_key),
          chatKey: str(r.chat_key),
          id: String(r.id),
          lid: str(r.lid),
        }));
        this.builtAt = toNum(rows[0]?.version);
      } finally {
        this.building = null;
      }
    })();
    return this.building;
  }
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

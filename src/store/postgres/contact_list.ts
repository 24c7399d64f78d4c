/**
 * search_contacts on PostgreSQL without a scan of people per search: every person with the keys
 * SEARCH_CONTACTS compares is held in memory, already in its order, and a search walks the list
 * until it has `limit` matches (10k people: ~0.3 ms instead of ~5 ms). Each search first reads
 * `contacts_version` (one row; migration 0016's triggers advance it in the transaction of any
 * change the search could see): a change by another server instance on the same database is
 * seen by the next search, and results are always those of the SQL.
 *
 * When the list is older than the version read, that search asks the SQL itself and the list is
 * rebuilt meanwhile (~30 ms at 10k people): during a sync that renames people every few seconds
 * a search costs what the SQL costs, never a rebuild.
 *
 * LIKE semantics as PostgreSQL has them: the patterns are `%needle%` with every wildcard of the
 * needle escaped, i.e. "contains the needle", and PostgreSQL's LIKE compares characters exactly
 * (no case folding, unlike SQLite's): so `includes` on the stored text, as it is.
 */
import { type ContactEntry, walkContacts } from "../contact_walk.ts";
import { clampLimit, contactNeedles, contactParams } from "../query_params.ts";
import { personFromRow, toNum } from "../rows.ts";
import type { PersonRow } from "../types.ts";
import { query, type Queryable } from "./client.ts";
import { CONTACT_LIST, CONTACTS_VERSION, SEARCH_CONTACTS } from "./read_sql.ts";

/** The contact list of one database, rebuilt when its version moved. */
export class PgContactList {
  /** Keys as stored. */
  private entries: ContactEntry[] = [];
  private builtAt: number | null = null;
  private building: Promise<void> | null = null;

  constructor(private readonly pg: Queryable) {}

  async search(text: string, limit: number): Promise<PersonRow[]> {
    const version = toNum((await query(this.pg, CONTACTS_VERSION))[0]?.version);
    // The counter only grows: a list built at the version read, or a newer one, holds every change
    // committed before it was read.
    if (version !== null && this.builtAt !== null && this.builtAt >= version) {
      return walkContacts(this.entries, contactNeedles(text), clampLimit(limit));
    }
    this.rebuild();
    return (await query(this.pg, SEARCH_CONTACTS, contactParams(text, limit))).map(personFromRow);
  }

  /** Rebuilds the list in the background (one at a time; a failure leaves the old one, still unused while stale). */
  private rebuild(): void {
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
      } catch {
        // The next stale search tries again; meanwhile searches ask the SQL.
      } finally {
        this.building = null;
      }
    })();
  }

  /** Resolves once no rebuild is running (tests, and close). */
  async settled(): Promise<void> {
    while (this.building) await this.building;
  }
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

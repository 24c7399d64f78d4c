/**
 * Upkeep autovacuum would do, done by the store itself, in the background, off the commit path:
 * autovacuum may be off (as on some self-hosted servers) or lag behind a history import of a
 * million messages.
 *
 * - Planner statistics: the plans (full-text index or not, which join order) depend on
 *   `ANALYZE`; until it runs, a rare word is searched by scanning every message. After enough
 *   new messages (three times as many as at the last analysis, at least 10,000: at 10k, 40k,
 *   160k, 640k... rows) the tables are analyzed. Estimates are fractions of the rows (the planner
 *   scales them by the table's current size), so statistics from a quarter of the rows plan as
 *   well while the history's make-up stays the same. Of messages only the columns reads filter
 *   or sort on are analyzed: the text, raw and media columns cost most to sample and no plan
 *   reads their statistics.
 * - Chats: every commit of a sync moves its chats' last activity. Before migration 0014 each
 *   move was a new row version and index entries; without vacuum a million messages left 2,000
 *   chats in 1,660 pages (13 MB) that every contact search and chat list scanned. Now the moves
 *   are heap-only (HOT) and pruned on their page: 200,000 messages leave 54 pages with one
 *   vacuum, 42 with ten. Every VACUUM_CHATS_EVERY messages written the chats table is still
 *   vacuumed (20-30 ms each under load), for the updates that could not stay on their page.
 * - The full-text index's pending list: new entries go to a list (up to 4 MB) that every search
 *   scans linearly until it is merged into the index (in bulk, which keeps ingest fast). When
 *   writes pause for a second, and at open, the list is merged; during an import, every
 *   MERGE_EVERY messages (about 2 MB of entries). That merge runs here, on another connection,
 *   so the commit that fills the list no longer merges it inside its COPY (in a 1,000-message
 *   commit about every 20th did, for ~70 ms): an insert that finds a merge running leaves the list
 *   to it (PostgreSQL's ginInsertCleanup). The same work, off the commit path.
 */
import type { Pg } from "./client.ts";

/** Fewest new messages that warrant an analysis. */
export const MIN_ANALYZE_ROWS = 10_000;

/** New messages per message seen by the last analysis that warrant another. */
export const ANALYZE_GROWTH = 3;

/** Whether `written` messages since the last analysis (which saw `rowsThen`) warrant another. Pure. */
export function shouldAnalyze(written: number, rowsThen: number): boolean {
  return written >= Math.max(MIN_ANALYZE_ROWS, ANALYZE_GROWTH * rowsThen);
}

/**
 * The statistics the reads' plans use: of messages, the columns in their WHERE, ORDER BY and
 * joins (read_sql.ts, apply_bulk.ts); chats and people whole (small).
 */
export const ANALYZE_SQL = "ANALYZE messages (chat_jid, id, pk, sender_id, ts, type, has_media, search), chats, people";

/** Messages written between two vacuums of the chats table. */
export const VACUUM_CHATS_EVERY = 100_000;

/** How long writes must pause before the full-text index's pending list is merged. */
export const MERGE_IDLE_MS = 1000;

/**
 * Messages written between two merges of the pending list while writes go on: about half of
 * what fills its 4 MB (~200 bytes of entries per message), so that commits seldom find it full.
 */
export const MERGE_EVERY = 10_000;

/** Whether `written` messages since the last merge warrant merging now, while writes go on. Pure. */
export function shouldMerge(written: number): boolean {
  return written >= MERGE_EVERY;
}

/** Runs `ANALYZE` and merges the full-text pending list when the writes call for it. */
export class StoreUpkeep {
  private written = 0;
  private sinceVacuum = 0;
  private sinceMerge = 0;
  private mergeAgain = false;
  private vacuuming: Promise<void> | null = null;
  private running: Promise<void> | null = null;
  private merging: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  private constructor(
    private readonly pg: Pg,
    private rowsThen: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Reads how stale the statistics are at open and starts an analysis if they are. */
  static async start(pg: Pg, onError: (err: unknown) => void): Promise<StoreUpkeep> {
    const rows = await pg.unsafe(
      `SELECT greatest(c.reltuples, 0)::bigint AS rows_then, coalesce(s.n_mod_since_analyze, 0)::bigint AS modified
       FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = 'messages'::regclass`,
    );
    const r = (rows[0] ?? {}) as { rows_then?: number; modified?: number };
    const upkeep = new StoreUpkeep(pg, Number(r.rows_then ?? 0), onError);
    upkeep.note(Number(r.modified ?? 0), false);
    upkeep.merge();
    return upkeep;
  }

  /**
   * Counts `messages` newly written messages; starts an analysis in the background when due
   * and (re)arms the pending-list merge for when writes pause.
   */
  note(messages: number, arm = true): void {
    if (this.closed) return;
    if (arm) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.merge();
      }, MERGE_IDLE_MS);
    }
    this.written += messages;
    this.sinceVacuum += messages;
    this.sinceMerge += messages;
    if (arm && shouldMerge(this.sinceMerge) && !this.merging) this.merge();
    if (arm && this.sinceVacuum >= VACUUM_CHATS_EVERY && !this.vacuuming) {
      this.sinceVacuum = 0;
      this.vacuuming = this.background("VACUUM chats").finally(() => (this.vacuuming = null));
    }
    if (this.running || !shouldAnalyze(this.written, this.rowsThen)) return;
    this.rowsThen += this.written;
    this.written = 0;
    this.running = (async () => {
      try {
        await this.pg.unsafe(ANALYZE_SQL);
      } catch (err) {
        this.onError(err);
      } finally {
        this.running = null;
      }
    })();
  }

  /**
   * Merges the full-text index's pending list, one merge at a time: asked while one runs (the
   * writes paused during a merge started mid-import), it merges again after it, so what was
   * added meanwhile does not stay in the list.
   */
  private merge(): void {
    if (this.closed) return;
    if (this.merging) {
      this.mergeAgain = true;
      return;
    }
    this.sinceMerge = 0;
    this.merging = (async () => {
      try {
        await this.pg.unsafe("SELECT gin_clean_pending_list('messages_search'::regclass)");
      } catch (err) {
        this.onError(err);
      } finally {
        this.merging = null;
      }
      if (this.mergeAgain) {
        this.mergeAgain = false;
        this.merge();
      }
    })();
  }

  /** Stops arming merges and waits for running work (before the pool closes). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.all([this.running, this.merging, this.vacuuming]);
  }

  /** Runs one maintenance statement; a failure goes to onError. */
  private async background(sql: string): Promise<void> {
    try {
      await this.pg.unsafe(sql);
    } catch (err) {
      this.onError(err);
    }
  }
}

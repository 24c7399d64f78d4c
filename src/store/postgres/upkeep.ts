/**
 * Planner statistics kept fresh by the store itself. The query plans (full-text index or not,
 * which join order) depend on `ANALYZE`; autovacuum normally runs it, but it may be off (as on
 * some self-hosted servers) or lag behind a history import of a million messages, and until it
 * runs a rare word is searched by scanning every message. So after enough new messages (as
 * many again as at the last analysis, at least 10,000), the store analyzes its tables in the
 * background, off the commit path, one analysis at a time.
 */
import type { Pg } from "./client.ts";

/** Fewest new messages that warrant an analysis. */
export const MIN_ANALYZE_ROWS = 10_000;

/** Whether `written` messages since the last analysis (which saw `rowsThen`) warrant another. Pure. */
export function shouldAnalyze(written: number, rowsThen: number): boolean {
  return written >= Math.max(MIN_ANALYZE_ROWS, rowsThen);
}

/** Runs `ANALYZE` on the store's tables when the writes call for it. */
export class StatsUpkeep {
  private written = 0;
  private running: Promise<void> | null = null;

  private constructor(
    private readonly pg: Pg,
    private rowsThen: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Reads how stale the statistics are at open and starts an analysis if they are. */
  static async start(pg: Pg, onError: (err: unknown) => void): Promise<StatsUpkeep> {
    const rows = await pg.unsafe(
      `SELECT greatest(c.reltuples, 0)::bigint AS rows_then, coalesce(s.n_mod_since_analyze, 0)::bigint AS modified
       FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = 'messages'::regclass`,
    );
    const r = (rows[0] ?? {}) as { rows_then?: number; modified?: number };
    const upkeep = new StatsUpkeep(pg, Number(r.rows_then ?? 0), onError);
    upkeep.note(Number(r.modified ?? 0));
    return upkeep;
  }

  /** Counts `messages` newly written messages; starts an analysis in the background when due. */
  note(messages: number): void {
    this.written += messages;
    if (this.running || !shouldAnalyze(this.written, this.rowsThen)) return;
    this.rowsThen += this.written;
    this.written = 0;
    this.running = (async () => {
      try {
        await this.pg.unsafe("ANALYZE messages, chats, people");
      } catch (err) {
        this.onError(err);
      } finally {
        this.running = null;
      }
    })();
  }

  /** Waits for a running analysis (before the pool closes). */
  async idle(): Promise<void> {
    await this.running;
  }
}

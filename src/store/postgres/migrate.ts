/**
 * Brings a PostgreSQL database (its current schema) to the newest schema: `schema_migrations`
 * records applied versions; each missing migration runs in its own transaction.
 * Call it while holding the store lock, so two instances never migrate at once.
 */
import { migrationsFor, pendingMigrations } from "../migrations.ts";
import type { Migration } from "../migration_files.ts";
import type { Pg } from "./client.ts";

/** Applies pending migrations (`migrations/postgres`); returns the versions applied. */
export async function migratePostgres(pg: Pg, opts: { now?: () => number; migrations?: Migration[] } = {}): Promise<number[]> {
  const now = opts.now ?? Date.now;
  await pg.unsafe(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
  );
  const rows = await pg.unsafe("SELECT version FROM schema_migrations");
  const applied = rows.map((r) => Number((r as unknown as { version: unknown }).version));
  const todo = pendingMigrations(opts.migrations ?? migrationsFor("postgres"), applied);
  for (const m of todo) {
    try {
      await pg.begin(async (tx) => {
        await tx.unsafe(m.sql);
        await tx.unsafe("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [m.version, m.name, now()]);
      });
    } catch (err) {
      throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return todo.map((m) => m.version);
}

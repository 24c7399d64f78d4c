/**
 * Brings a sql.js database to the newest schema: registers the SQL functions the schema
 * needs, records applied versions in `schema_migrations`, runs the missing migrations in
 * order, each atomically (a savepoint, so it also works inside a caller's transaction).
 */
import type { Database } from "sql.js";
import { migrationsFor, pendingMigrations } from "../migrations.ts";
import type { Migration } from "../migration_files.ts";
import { registerSqlFunctions } from "./functions.ts";

/** Applies pending migrations (`migrations/sqlite`). `now` stamps `applied_at`. Returns the versions applied. */
export function migrateSqlite(db: Database, opts: { now?: () => number; migrations?: Migration[] } = {}): number[] {
  registerSqlFunctions(db);
  const now = opts.now ?? Date.now;
  db.run(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  );
  const applied = (db.exec("SELECT version FROM schema_migrations")[0]?.values ?? []).map((r) => Number(r[0]));
  const todo = pendingMigrations(opts.migrations ?? migrationsFor("sqlite"), applied);
  for (const m of todo) {
    db.run(`SAVEPOINT migrate_${m.version}`);
    try {
      db.exec(m.sql);
      db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, now()]);
      db.run(`RELEASE migrate_${m.version}`);
    } catch (err) {
      db.run(`ROLLBACK TO migrate_${m.version}`);
      db.run(`RELEASE migrate_${m.version}`);
      throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return todo.map((m) => m.version);
}

/** Versions recorded in `schema_migrations` (empty for a new database). */
export function appliedVersions(db: Database): number[] {
  const exists = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (exists.length === 0) return [];
  return (db.exec("SELECT version FROM schema_migrations ORDER BY version")[0]?.values ?? []).map((r) => Number(r[0]));
}

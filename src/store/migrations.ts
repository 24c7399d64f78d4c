/**
 * The schema migrations of both backends: numbered SQL files in `migrations/<dialect>/`
 * (`0001_initial.sql`, ...), embedded into the program by `src/build/gen_migrations.ts` so they load
 * from any working directory and from a compiled binary. Forward-only: a database whose
 * recorded version is newer than this program knows is refused, never touched.
 * Pure: no I/O.
 */
import type { Dialect, Migration } from "./migration_files.ts";
import { EMBEDDED_MIGRATIONS } from "./migrations_embedded.ts";

/** The database was written by a newer version of this program (migrations are forward-only). */
export class SchemaTooNewError extends Error {
  override name = "SchemaTooNewError";
  constructor(readonly found: number, readonly known: number) {
    super(
      `The database schema is version ${found}, but this program knows versions up to ${known}: ` +
        `it was written by a newer version. Upgrade the program (migrations are forward-only).`,
    );
  }
}

/**
 * Checks a migration list: versions 1, 2, 3... without gaps or duplicates. Returns it sorted.
 * Throws an Error naming the problem.
 */
export function checkMigrations(list: readonly Migration[]): Migration[] {
  const sorted = [...list].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`Migrations must be numbered 0001, 0002, ... without gaps: found ${m.name} at position ${i + 1}`);
    }
  });
  return sorted;
}

/** The migrations of a dialect, in order. */
export function migrationsFor(dialect: Dialect): Migration[] {
  return checkMigrations(EMBEDDED_MIGRATIONS[dialect]);
}

/**
 * What to run, given the versions already recorded: the missing ones in order.
 * Throws SchemaTooNewError if the database is ahead of `all`.
 */
export function pendingMigrations(all: readonly Migration[], applied: readonly number[]): Migration[] {
  const known = all.length === 0 ? 0 : all[all.length - 1]!.version;
  const newest = applied.length === 0 ? 0 : Math.max(...applied);
  if (newest > known) throw new SchemaTooNewError(newest, known);
  const done = new Set(applied);
  return all.filter((m) => !done.has(m.version));
}

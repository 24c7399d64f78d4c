/** Names and shapes of migration files, shared by the generator and the runner. Pure. */

/** Which SQL dialect a migration set is written in. */
export type Dialect = "sqlite" | "postgres";

/** One migration file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Version number of a migration file name (`0003_add_x.sql` → 3), or null if it is not one. */
export function migrationVersion(fileName: string): number | null {
  const m = /^(\d{4})_[a-z0-9_]+\.sql$/.exec(fileName);
  return m ? Number(m[1]) : null;
}

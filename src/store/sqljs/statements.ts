/**
 * Prepared-statement cache over a sql.js Database (statements are compiled once per
 * connection and survive `export()` in sql.js 1.16), with small run/get/all helpers.
 */
import type { BindParams, Database, Statement } from "sql.js";

/** A value as sql.js returns it. */
export type SqlValue = number | string | Uint8Array | null;
/** A row as an object keyed by column name. */
export type SqlRow = Record<string, SqlValue>;

/** Statement helpers bound to one connection. */
export interface Statements {
  /** Runs a statement (no result). */
  run(sql: string, params?: BindParams): void;
  /** The first row as an object, or undefined. */
  get(sql: string, params?: BindParams): SqlRow | undefined;
  /** All rows as objects. */
  all(sql: string, params?: BindParams): SqlRow[];
  /** The first column of the first row, or undefined. */
  value(sql: string, params?: BindParams): SqlValue | undefined;
  /** Frees every cached statement (before closing the database). */
  free(): void;
}

const caches = new WeakMap<Database, Statements>();

/** The (cached) statement helpers of a connection. */
export function statementsOf(db: Database): Statements {
  let s = caches.get(db);
  if (!s) {
    s = createStatements(db);
    caches.set(db, s);
  }
  return s;
}

function createStatements(db: Database): Statements {
  const cache = new Map<string, Statement>();
  const prep = (sql: string): Statement => {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql);
      cache.set(sql, st);
    }
    return st;
  };
  const withStmt = <T>(sql: string, params: BindParams | undefined, fn: (st: Statement) => T): T => {
    const st = prep(sql);
    try {
      if (params !== undefined) st.bind(params);
      return fn(st);
    } finally {
      st.reset();
    }
  };
  return {
    run(sql, params) {
      withStmt(sql, params, (st) => {
        st.step();
      });
    },
    get(sql, params) {
      return withStmt(sql, params, (st) => (st.step() ? (st.getAsObject() as SqlRow) : undefined));
    },
    all(sql, params) {
      return withStmt(sql, params, (st) => {
        const out: SqlRow[] = [];
        while (st.step()) out.push(st.getAsObject() as SqlRow);
        return out;
      });
    },
    value(sql, params) {
      return withStmt(sql, params, (st) => (st.step() ? (st.get()[0] as SqlValue) : undefined));
    },
    free() {
      for (const st of cache.values()) st.free();
      cache.clear();
      caches.delete(db);
    },
  };
}

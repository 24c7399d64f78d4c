/**
 * Prepared-statement cache over a sql.js Database (statements are compiled once per
 * connection and survive `export()` in sql.js 1.16), with small run/get/all helpers.
 */
import type { BindParams, Database, Statement } from "sql.js";
import { rowMaker } from "./row_maker.ts";

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
  /** Calls `fn` with each row as an array of column values (no objects built); stops early when `fn` returns false. */
  each(sql: string, params: BindParams | undefined, fn: (row: SqlValue[]) => void | boolean): void;
  /**
   * Calls `fn` with the statement on each row, for it to read what it needs (`getBlob` of a column
   * or two costs a fraction of `get`'s every column, when most rows are passed over); stops early
   * when `fn` returns false.
   */
  steps(sql: string, params: BindParams | undefined, fn: (st: Statement) => void | boolean): void;
  /** Rows changed by the last INSERT/UPDATE/DELETE (not counting trigger changes). */
  changes(): number;
  /** Frees every cached statement (before closing the database). */
  free(): void;
}

const caches = new WeakMap<Database, Statements>();
const makers = new WeakMap<Statement, (values: SqlValue[]) => SqlRow>();

/**
 * The row builder of a prepared statement, for its result column names (fixed once compiled,
 * read from WASM once; getAsObject reads them again for each row): row_maker.ts.
 */
function rowMakerOf(st: Statement): (values: SqlValue[]) => SqlRow {
  let m = makers.get(st);
  if (!m) {
    m = rowMaker(st.getColumnNames());
    makers.set(st, m);
  }
  return m;
}
const utf8 = new TextEncoder();

/**
 * A value as a JSON parameter for `json_each(CAST(? AS TEXT))`: bound as UTF-8 bytes, because
 * sql.js converts a bound string to UTF-8 with a slow per-character loop (it shows on the
 * megabytes of a bulk insert) and copies bytes with one native call.
 */
export function jsonParam(value: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(value));
}

/**
 * A text parameter for `CAST(? AS TEXT)`: a non-empty string as its UTF-8 bytes (see jsonParam;
 * 4 text columns of a 64-row INSERT: 23-31 -> 9-12 µs a row), anything else as it is. The same
 * text when `value` is well-formed UTF-16, as every string decoded from the journal codec is (a
 * lone surrogate comes back as U+FFFD). The empty string stays a string: an empty blob's pointer
 * may bind as NULL.
 */
export function textParam<T>(value: T): T | Uint8Array {
  return typeof value === "string" && value.length > 0 ? utf8.encode(value) : value;
}

/** Bytes of a new slab for `textParamInSlab` (a text longer than a third of it gets a slab of its own size). */
const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabAt = 0;

/**
 * `textParam`, its bytes a view of a shared slab instead of an array (and a backing store) of their
 * own: the multi-row INSERTs bind a few texts a row, and each new array cost more than encoding its
 * text. A view's bytes are never written again (the next text goes past them, a full slab is
 * replaced, not reused), so it stays valid for as long as it is held.
 */
export function textParamInSlab<T>(value: T): T | Uint8Array {
  if (typeof value !== "string" || value.length === 0) return value;
  const most = value.length * 3;
  if (slabAt + most > slab.length) {
    slab = new Uint8Array(Math.max(SLAB_BYTES, most));
    slabAt = 0;
  }
  const start = slabAt;
  slabAt += utf8.encodeInto(value, slab.subarray(start)).written;
  return slab.subarray(start, slabAt);
}

const NO_BYTES = new Uint8Array(0);

/**
 * A column of the statement's row as bytes (a text's UTF-8, a blob's; NULL as none: empty), read
 * alone: sql.js's `getBlob` (in 1.16, not in its typings), or the whole row when it has none.
 */
export function bytesAt(st: Statement, column: number): Uint8Array {
  const own = st as unknown as { getBlob?: (column: number) => Uint8Array };
  if (typeof own.getBlob === "function") return own.getBlob(column);
  const v = st.get()[column];
  return v instanceof Uint8Array ? v : NO_BYTES;
}

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
        if (!st.step()) return out;
        const make = rowMakerOf(st);
        do out.push(make(st.get() as SqlValue[]));
        while (st.step());
        return out;
      });
    },
    value(sql, params) {
      return withStmt(sql, params, (st) => (st.step() ? (st.get()[0] as SqlValue) : undefined));
    },
    each(sql, params, fn) {
      withStmt(sql, params, (st) => {
        while (st.step()) if (fn(st.get() as SqlValue[]) === false) break;
      });
    },
    steps(sql, params, fn) {
      withStmt(sql, params, (st) => {
        while (st.step()) if (fn(st) === false) break;
      });
    },
    changes: () => db.getRowsModified(),
    free() {
      for (const st of cache.values()) st.free();
      cache.clear();
      caches.delete(db);
    },
  };
}

/** Named parameters (`{ id: 1 }` for `:id`) in sql.js's form; booleans become 0/1. */
export function bind(params: Record<string, unknown>): BindParams {
  const out: Record<string, number | string | Uint8Array | null> = {};
  for (const [k, v] of Object.entries(params)) {
    out[`:${k}`] = typeof v === "boolean" ? (v ? 1 : 0) : (v ?? null) as number | string | Uint8Array | null;
  }
  return out as BindParams;
}

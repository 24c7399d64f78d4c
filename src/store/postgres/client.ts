/**
 * PostgreSQL connections for the store (postgres.js, pure JS): BIGINT as JS numbers, notices
 * silenced, `:name` parameters, and the advisory lock that keeps a second instance off the
 * same database schema.
 */
import postgres from "postgres";
import type { Sql } from "postgres";
import { connectNoDelay } from "../../runtime/pg_socket.ts";

/** A connection pool. */
export type Pg = Sql<Record<string, unknown>>;

/** What runs a query: the pool or a transaction. */
export interface Queryable {
  unsafe(query: string, params?: unknown[], opts?: { prepare?: boolean }): Promise<unknown>;
  /**
   * Runs `fn` in a savepoint of the transaction (its queries on the savepoint's handle): rolled
   * back to it, and rejected, if `fn` or one of its queries fails; the transaction goes on.
   */
  savepoint?<T>(fn: (sp: Queryable) => Promise<T>): Promise<T>;
}

/** Another process holds the store's advisory lock on this database schema. */
export class DatabaseInUseError extends Error {
  override name = "DatabaseInUseError";
}

/** Opens a pool for `url` (postgres:// or postgresql://). Nothing is sent until the first query. */
export function connectPg(url: string, opts: { max?: number; statementTimeoutMs?: number; connectTimeoutS?: number } = {}): Pg {
  return postgres(url, {
    max: opts.max ?? 4,
    // Nagle off (see pg_socket.ts); only for one TCP host, so multi-host URLs and Unix sockets keep the driver's own.
    ...(singleTcpHost(url) ? { socket: connectNoDelay } : {}),
    ...(opts.connectTimeoutS ? { connect_timeout: opts.connectTimeoutS } : {}),
    // A lease renewal must fail rather than hang past its deadline.
    ...(opts.statementTimeoutMs ? { connection: { statement_timeout: opts.statementTimeoutMs } } : {}),
    onnotice: () => {}, // "relation already exists, skipping" and the like: not for the MCP log
    // Instants are BIGINT milliseconds; they fit a JS number exactly for 285,000 years.
    types: { bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: unknown) => String(x) } },
  }) as unknown as Pg;
}

/** Whether `url` names exactly one server, by TCP (no host list, no `host=` parameter, no socket path). */
export function singleTcpHost(url: string): boolean {
  const authority = /^postgres(?:ql)?:\/\/([^/?#]*)/i.exec(url)?.[1] ?? "";
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  return host !== "" && !host.includes(",") && !/[?&]host=/i.test(url);
}

const converted = new Map<string, { text: string; names: string[] }>();

/**
 * Turns `:name` parameters into `$1, $2...` (PostgreSQL casts `::type` are left alone) and
 * orders the values. Cached per SQL text.
 */
export function named(sql: string, params: Record<string, unknown>): { text: string; values: unknown[] } {
  let c = converted.get(sql);
  if (!c) {
    const names: string[] = [];
    const text = sql.replace(/(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
      let i = names.indexOf(name);
      if (i < 0) i = names.push(name) - 1;
      return `$${i + 1}`;
    });
    c = { text, names };
    converted.set(sql, c);
  }
  return {
    text: c.text,
    values: c.names.map((n) => {
      if (!(n in params)) throw new Error(`Missing SQL parameter :${n}`);
      const v = params[n];
      return v === undefined ? null : v;
    }),
  };
}

/** Runs a `:name` query on a pool or transaction; rows as plain objects. */
export async function query(pg: Queryable, sql: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  const { text, values } = named(sql, params);
  const rows = await pg.unsafe(text, values, { prepare: true });
  return rows as Record<string, unknown>[];
}

/**
 * Takes the store's session-level advisory lock on a reserved connection (held until
 * `release`). The key is per database schema, so tests using separate schemas do not collide.
 * Rejects with DatabaseInUseError if another session holds it.
 */
export async function lockStore(pg: Pg, what: string): Promise<{ release(): Promise<void> }> {
  const conn = await pg.reserve();
  const key = "hashtextextended('whatsapp-mcp-store:' || coalesce(current_schema(), '') || ':' || current_database(), 0)";
  try {
    const rows = await conn.unsafe(`SELECT pg_try_advisory_lock(${key}) AS ok`);
    if (!(rows[0] as { ok?: boolean } | undefined)?.ok) {
      throw new DatabaseInUseError(
        `The ${what} database is in use by another whatsapp-mcp instance (PostgreSQL advisory lock held). ` +
          `Stop the other instance, or point this one at another database or schema.`,
      );
    }
  } catch (err) {
    conn.release();
    throw err;
  }
  return {
    async release() {
      try {
        await conn.unsafe(`SELECT pg_advisory_unlock(${key})`);
      } finally {
        conn.release();
      }
    },
  };
}

/**
 * Runs `fn` (the migrations) while holding a blocking advisory lock of its own, so cluster
 * members starting together migrate one at a time; the lock is released afterwards.
 */
export async function withMigrationLock<T>(pg: Pg, fn: () => Promise<T>): Promise<T> {
  const conn = await pg.reserve();
  const key = "hashtextextended('whatsapp-mcp-migrate:' || coalesce(current_schema(), '') || ':' || current_database(), 0)";
  try {
    await conn.unsafe(`SELECT pg_advisory_lock(${key})`);
    try {
      return await fn();
    } finally {
      await conn.unsafe(`SELECT pg_advisory_unlock(${key})`).catch(() => {});
    }
  } finally {
    conn.release();
  }
}

/** The part of postgres.js's query a COPY needs: the stream of `COPY ... FROM STDIN`. */
interface CopyQuery {
  writable(): Promise<{ write(chunk: Uint8Array, cb: (err?: Error | null) => void): boolean; end(): void }>;
}

/**
 * Runs `COPY ... FROM STDIN` on a transaction, sending `parts` as they are produced (a generator
 * encodes the next part while the server reads the last one). Nothing else may be sent on the
 * transaction until this returns. Returns once the server has applied the whole COPY; rejects
 * if it failed: postgres.js reports a failure after the end of the data to the next query only,
 * so a last statement (`SELECT 1`) carries it.
 */
export async function copyIn(tx: Queryable, sql: string, parts: Iterable<Uint8Array>): Promise<void> {
  const stream = await (tx.unsafe(sql) as unknown as CopyQuery).writable();
  for (const part of parts) {
    await new Promise<void>((resolve, reject) => stream.write(part, (err) => (err ? reject(err) : resolve())));
  }
  stream.end();
  await tx.unsafe("SELECT 1");
}

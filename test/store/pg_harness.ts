/**
 * The PostgreSQL test server (127.0.0.1:5432, trust auth, user postgres or root): finds it, makes
 * one database per test run (dropped at the end) and a fresh schema per store in it.
 */
import { after } from "node:test";
import process from "node:process";
import postgres from "postgres";

// Overridable only to exercise the skip path (e.g. WA_TEST_PG_HOST=127.0.0.1:1).
const HOST = process.env.WA_TEST_PG_HOST ?? "127.0.0.1:5432";

async function findServer(): Promise<{ user: string } | { error: string }> {
  let last = "";
  for (const user of ["postgres", "root"]) {
    const sql = postgres(`postgres://${user}@${HOST}/postgres`, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`SELECT 1`;
      return { user };
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  return { error: last };
}

/** A test database on the server, or why there is none (`skip`: the reason, or false). */
export interface PgTestServer {
  skip: string | false;
  /** The server's maintenance database URL (postgres://user@host/postgres). */
  serverUrl: string;
  /** A URL of a fresh schema in this run's database. */
  freshSchemaUrl(): Promise<string>;
}

/** Connects to the test server and creates this run's database (dropped when the file's tests end). */
export async function pgTestServer(prefix: string): Promise<PgTestServer> {
  const server = await findServer();
  if ("error" in server) {
    const skip = `no PostgreSQL server answers on ${HOST} (${server.error})`;
    return { skip, serverUrl: "", freshSchemaUrl: () => Promise.reject(new Error(skip)) };
  }
  // Unique per file even when files share a process (deno test --parallel runs them in workers).
  const dbName = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(`postgres://${server.user}@${HOST}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  after(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end({ timeout: 5 });
  });
  let schemas = 0;
  return {
    skip: false,
    serverUrl: `postgres://${server.user}@${HOST}/postgres`,
    async freshSchemaUrl() {
      const schema = `s${++schemas}`;
      const sql = postgres(`postgres://${server.user}@${HOST}/${dbName}`, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`CREATE SCHEMA ${schema}`);
      } finally {
        await sql.end({ timeout: 5 });
      }
      return `postgres://${server.user}@${HOST}/${dbName}?search_path=${schema}`;
    },
  };
}

/**
 * The repository suite on PostgreSQL (127.0.0.1:5432, trust auth, user postgres or root). Each run
 * creates a fresh database, each store a fresh schema in it; all dropped at the end. Without a
 * server the suite is skipped with a message, except under CI (CI set), where that is a failure.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import postgres from "postgres";
import { migrationsFor } from "../../src/store/migrations.ts";
import { DatabaseInUseError } from "../../src/store/postgres/client.ts";
import { openPostgresRepository } from "../../src/store/postgres/repository.ts";
import { repositorySuite } from "./repository_suite.ts";

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

const server = await findServer();
const dbName = `wa_test_${process.pid}_${Date.now().toString(36)}`;
let admin: ReturnType<typeof postgres> | null = null;
let schemas = 0;

if ("user" in server) {
  admin = postgres(`postgres://${server.user}@${HOST}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  after(async () => {
    await admin!.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin!.end({ timeout: 5 });
  });
}

/** A URL of a fresh schema in this run's database. */
async function freshSchemaUrl(): Promise<string> {
  const user = (server as { user: string }).user;
  const schema = `s${++schemas}`;
  const sql = postgres(`postgres://${user}@${HOST}/${dbName}`, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`CREATE SCHEMA ${schema}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return `postgres://${user}@${HOST}/${dbName}?search_path=${schema}`;
}

const why = "error" in server ? `no PostgreSQL server answers on ${HOST} (${server.error})` : false;
if (why && process.env.CI) {
  test("PostgreSQL is available under CI", () => {
    assert.fail(`CI is set but ${why}: the PostgreSQL backend cannot be tested`);
  });
} else if (why) {
  console.error(`postgres.test: skipped: ${why}`);
}

repositorySuite("PostgreSQL", async () => {
  const url = await freshSchemaUrl();
  return { repo: await openPostgresRepository({ url }), reopen: () => openPostgresRepository({ url }) };
}, why);

describe("PostgreSQL store specifics", { skip: why }, () => {
  test("a second instance on the same schema gets a clear error; after close it can open", async () => {
    const url = await freshSchemaUrl();
    const first = await openPostgresRepository({ url });
    try {
      await assert.rejects(openPostgresRepository({ url }), (err: unknown) => {
        assert.ok(err instanceof DatabaseInUseError);
        assert.match((err as Error).message, /in use by another whatsapp-mcp instance/);
        return true;
      });
    } finally {
      await first.close();
    }
    const second = await openPostgresRepository({ url });
    await second.close();
  });

  test("migrations are recorded once and not re-run on reopen", async () => {
    const url = await freshSchemaUrl();
    await (await openPostgresRepository({ url })).close();
    await (await openPostgresRepository({ url })).close();
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql`SELECT version, name FROM schema_migrations ORDER BY version`;
      assert.deepEqual(rows.map((r) => [r.version, r.name]), migrationsFor("postgres").map((m) => [m.version, m.name]));
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  test("with a session database, auth and meta live there and nowhere else", async () => {
    const url = await freshSchemaUrl();
    const sessionUrl = await freshSchemaUrl();
    const repo = await openPostgresRepository({ url, sessionUrl });
    try {
      await repo.commit([
        { op: "setAuth", category: "creds", id: "main", value: '{"x":1}' },
        { op: "setMeta", key: "k", value: "v" },
        { op: "upsertChat", chat: { jid: "120363000000000001@g.us", name: "G" } },
      ]);
      assert.deepEqual(await repo.authGet("creds", ["main"]), { main: '{"x":1}' });
      assert.equal(await repo.metaGet("k"), "v");
      assert.equal((await repo.getChat("120363000000000001@g.us", false))?.name, "G");
      const main = postgres(url, { max: 1, onnotice: () => {} });
      const sess = postgres(sessionUrl, { max: 1, onnotice: () => {} });
      try {
        assert.equal((await main`SELECT count(*)::int AS n FROM auth`)[0]!.n, 0);
        assert.equal((await main`SELECT count(*)::int AS n FROM meta`)[0]!.n, 0);
        assert.equal((await sess`SELECT count(*)::int AS n FROM auth`)[0]!.n, 1);
        assert.equal((await sess`SELECT count(*)::int AS n FROM chats`)[0]!.n, 0);
      } finally {
        await main.end({ timeout: 5 });
        await sess.end({ timeout: 5 });
      }
      await repo.commit([{ op: "clearAuth" }]);
      assert.deepEqual(await repo.authGet("creds", ["main"]), {});
    } finally {
      await repo.close();
    }
  });
});

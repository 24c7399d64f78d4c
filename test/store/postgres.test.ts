/**
 * The repository suite on PostgreSQL (127.0.0.1:5432, trust auth, user postgres or root). Each run
 * creates a fresh database, each store a fresh schema in it; all dropped at the end. Without a
 * server the suite is skipped with a message, except under CI (CI set), where that is a failure.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import postgres from "postgres";
import { migrationsFor } from "../../src/store/migrations.ts";
import { connectPg, DatabaseInUseError } from "../../src/store/postgres/client.ts";
import { migratePostgres } from "../../src/store/postgres/migrate.ts";
import { openPostgresRepository } from "../../src/store/postgres/repository.ts";
import { pgTestServer } from "./pg_harness.ts";
import { repositorySuite } from "./repository_suite.ts";

const pgServer = await pgTestServer("wa_test");
const freshSchemaUrl = () => pgServer.freshSchemaUrl();

const why = pgServer.skip;
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

  test("a store written before text and file name were kept apart gets its vectors recomputed at open", async () => {
    const url = await freshSchemaUrl();
    const pg = connectPg(url, { max: 1 });
    try {
      const gap = migrationsFor("postgres").find((m) => m.sql.includes("search_refresh"))!.version;
      await migratePostgres(pg, { migrations: migrationsFor("postgres").filter((m) => m.version < gap) });
      // A caption and a file name in one vector with no gap: the phrase "quarterly report" matched across them.
      await pg.unsafe(`INSERT INTO chats (jid, kind) VALUES ('4915112345678@s.whatsapp.net', 'person')`);
      await pg.unsafe(`INSERT INTO messages (chat_jid, id, pk, sender_id, ts, type, text, has_media, media_file_name, search)
        VALUES ('4915112345678@s.whatsapp.net', 'CAP', 5120000, '4915112345678@s.whatsapp.net', 5000, 'document',
                'here is the quarterly', TRUE, 'report final.pdf', $1::tsvector)`, [
        "'here':1 'is':2 'the':3 'quarterly':4 'report':5 'final':6 'pdf':7",
      ]);
    } finally {
      await pg.end({ timeout: 5 });
    }
    const repo = await openPostgresRepository({ url });
    try {
      const ids = async (query: string) => (await repo.listMessages({ query, limit: 10 })).items.map((m) => m.id);
      assert.deepEqual(await ids('"quarterly report"'), []);
      assert.deepEqual(await ids("quarterly report"), ["CAP"]);
      assert.deepEqual(await ids('"report final"'), ["CAP"]);
    } finally {
      await repo.close();
    }
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      assert.equal((await sql`SELECT count(*)::int AS n FROM search_refresh`)[0]!.n, 0, "the list is emptied");
    } finally {
      await sql.end({ timeout: 5 });
    }
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

  test("a store from before 0015 keeps its rows, and every indexed JID or message id column compares bytes (collation C)", async () => {
    const url = await freshSchemaUrl();
    const pg = connectPg(url, { max: 1 });
    const chat = "120363000000000001@g.us";
    const who = "4915112345678@s.whatsapp.net";
    try {
      const byteOrder = migrationsFor("postgres").find((m) => m.name.includes("byte_order_keys"))!.version;
      await migratePostgres(pg, { migrations: migrationsFor("postgres").filter((m) => m.version < byteOrder) });
      await pg.unsafe(`INSERT INTO chats (jid, kind) VALUES ('${chat}', 'group')`);
      await pg.unsafe(`INSERT INTO people (id, pn_jid) VALUES ('${who}', '${who}')`);
      await pg.unsafe(`INSERT INTO messages (chat_jid, id, pk, sender_id, ts, type, text, search)
        VALUES ('${chat}', 'M1', 5120000, '${who}', 5000, 'text', 'hello there', $1::tsvector)`, ["'hello':1 'there':2"]);
    } finally {
      await pg.end({ timeout: 5 });
    }
    const repo = await openPostgresRepository({ url });
    try {
      const page = await repo.listMessages({ query: "hello", limit: 10 });
      assert.deepEqual(page.items.map((m) => [m.chatJid, m.id, m.senderId]), [[chat, "M1", who]]);
    } finally {
      await repo.close();
    }
    // Every indexed JID or message id column compares bytes, whatever table it is in (the ids of
    // auth rows, held and scheduled sends and cluster members are not JIDs nor message ids).
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql.unsafe(`SELECT DISTINCT c.relname AS t, a.attname AS col, coalesce(co.collname, '') AS coll
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE c.relnamespace = current_schema()::regnamespace AND a.atttypid = 'text'::regtype
          AND (a.attname ~ '(jid|_id|^lid)$' OR a.attname IN ('id', 'author'))
          AND c.relname NOT IN ('auth', 'held_sends', 'scheduled_sends', 'cluster_members')`);
      assert.ok(rows.length >= 20, `indexed key columns found: ${rows.length}`);
      const other = rows.filter((r) => r.coll !== "C").map((r) => `${r.t}.${r.col} (${r.coll})`);
      assert.deepEqual(other, []);
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

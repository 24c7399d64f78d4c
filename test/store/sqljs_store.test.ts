/**
 * What is specific to the sql.js store: its migrations (embedded copy in step with the .sql
 * files, recorded, forward-only, atomic), the full-text index staying consistent with the
 * messages through every kind of write, and every list query running on indexes.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { findRepoRoot, readMigrationFiles, renderEmbeddedMigrations } from "../../src/store/gen_migrations.ts";
import { migrationsFor, pendingMigrations, SchemaTooNewError } from "../../src/store/migrations.ts";
import { applySqlite } from "../../src/store/sqljs/apply.ts";
import { openDurable } from "../../src/store/sqljs/durable.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import * as Q from "../../src/store/sqljs/read_sql.ts";
import { createSqljsRepository, openSqljsRepository, withStoreSetup } from "../../src/store/sqljs/repository.ts";
import type { MessageRow, WriteOp } from "../../src/store/types.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-store-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function msg(chatJid: string, id: string, ts: number, text: string | null, extra: Partial<MessageRow> = {}): WriteOp {
  return {
    op: "upsertMessage",
    message: {
      chatJid, id, senderId: chatJid, fromMe: false, ts, type: "text", text, quotedId: null, editedText: null, editedAt: null,
      revoked: false, viewOnce: false, status: null, media: null, raw: null, ...extra,
    },
  };
}

describe("sql.js migrations", () => {
  test("the embedded copy is exactly what the generator makes from migrations/*.sql", async () => {
    const repo = await findRepoRoot();
    const expected = renderEmbeddedMigrations(await readMigrationFiles(repo));
    const actual = readFileSync(join(repo, "src/store/migrations_embedded.ts"), "utf8");
    assert.equal(actual, expected, "run: deno run -A src/store/gen_migrations.ts");
    assert.deepEqual(migrationsFor("sqlite").map((m) => m.version), [1]);
    assert.deepEqual(migrationsFor("postgres").map((m) => m.version), [1]);
  });

  test("a new store is migrated at open and records the version once, however often it is reopened", async () => {
    const dir = join(root, `m${++n}`);
    await (await openSqljsRepository({ dir })).close();
    await (await openSqljsRepository({ dir })).close();
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(join(dir, "store.sqlite")));
    try {
      const rows = db.exec("SELECT version, name FROM schema_migrations")[0]?.values;
      assert.deepEqual(rows, [[1, "0001_initial.sql"]]);
    } finally {
      db.close();
    }
  });

  test("migrations are forward-only: a newer database is refused untouched", async () => {
    assert.throws(() => pendingMigrations(migrationsFor("sqlite"), [1, 2]), SchemaTooNewError);
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    migrateSqlite(db, { now: () => 1 });
    db.run("INSERT INTO schema_migrations VALUES (7, '0007_future.sql', 2)");
    assert.throws(() => migrateSqlite(db), (err: unknown) => err instanceof SchemaTooNewError && /version 7/.test((err as Error).message));
    db.close();
  });

  test("a failing migration is rolled back whole and not recorded", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    const migrations = [
      ...migrationsFor("sqlite"),
      { version: 2, name: "0002_broken.sql", sql: "CREATE TABLE half_done (x INTEGER); CREATE TABLE oops (" },
    ];
    assert.throws(() => migrateSqlite(db, { migrations }), /Migration 0002_broken.sql failed/);
    assert.deepEqual(db.exec("SELECT version FROM schema_migrations")[0]?.values, [[1]]);
    assert.equal(db.exec("SELECT name FROM sqlite_master WHERE name = 'half_done'").length, 0);
    db.close();
  });
});

describe("sql.js full-text index", () => {
  test("stays consistent with the messages through upserts, edits, revokes, deletes, LID merges and reopen", async () => {
    const dir = join(root, `f${++n}`);
    const sql = withStoreSetup(await initSqlJs());
    const open = () => openDurable<WriteOp>({ dir, sql, migrate: (db) => void migrateSqlite(db), apply: applySqlite });
    const durable = await open();
    const repo = createSqljsRepository(durable);
    const lid = "201234567890123@lid";
    const pn = "4915112345678@s.whatsapp.net";
    const image = { mimetype: "image/jpeg", fileName: null, fileLength: 1, durationSec: null, directPath: "/x", url: null, mediaKey: null, fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: null };
    await repo.commit([
      msg(lid, "a", 1000, "first words"),
      msg(lid, "b", 1000, null, { type: "image", media: image }), // no searchable text: no index row
      msg(pn, "c", 2000, "other words"),
      msg(pn, "d", 3000, "to be revoked"),
      msg(pn, "e", 4000, "to be deleted"),
      msg("120363000000000001@g.us", "g", 5000, "group words", { senderId: lid }),
    ]);
    await repo.commit([
      { op: "editMessage", chatJid: lid, id: "a", text: "edited words", editedAt: 9000 },
      { op: "revokeMessage", chatJid: pn, id: "d" },
      { op: "deleteMessage", chatJid: pn, id: "e" },
      msg(lid, "b", 1000, "late caption", { type: "image", media: image }),
      { op: "linkLid", lid, pnJid: pn },
    ]);
    // Inserts and changes of the same messages inside one batch (index rows are written in bulk).
    await repo.commit([
      msg(pn, "x", 6000, "fresh words"),
      { op: "editMessage", chatJid: pn, id: "x", text: "fresh edited words", editedAt: 9500 },
      msg(pn, "y", 7000, "short lived"),
      msg(pn, "y", 7000, "short lived words", { editedText: "changed again", editedAt: 9600 }),
      msg(pn, "z", 8000, "last words"),
      { op: "deleteMessage", chatJid: pn, id: "z" },
      msg(pn, "w", 8500, "kept words"),
    ]);
    const check = (db: typeof durable.db) => {
      assert.deepEqual(db.exec("PRAGMA integrity_check")[0]?.values, [["ok"]]);
      db.exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"); // throws if the index is corrupt
    };
    check(durable.db);
    const words = await repo.listMessages({ query: "words", chatJid: pn, limit: 10 });
    assert.deepEqual(words.items.map((m) => m.id), ["w", "x", "c", "a"]);
    assert.deepEqual((await repo.listMessages({ query: "changed", limit: 10 })).items.map((m) => m.id), ["y"]);
    assert.deepEqual((await repo.listMessages({ query: "words", senderId: pn, limit: 10 })).items.map((m) => m.id), ["w", "x", "g", "c", "a"]);
    await repo.close();
    const again = await open(); // the engine checks the snapshot (PRAGMA integrity_check) while loading
    try {
      check(again.db);
    } finally {
      await again.close();
    }
  });
});

describe("sql.js query plans", () => {
  test("every list query is one statement on indexes (no full scan of messages)", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    migrateSqlite(db);
    const none = { chat: false, sender: false, after: false, before: false, types: false, hasMedia: false };
    const queries: Record<string, string> = {
      chat: Q.listMessagesSql({ ...none, chat: true }, { keyset: true, exclude: false }),
      sender: Q.listMessagesSql({ ...none, sender: true, types: true }, { keyset: false, exclude: false }),
      dates: Q.listMessagesSql({ ...none, after: true, before: true }, { keyset: true, exclude: false }),
      search: Q.searchNewestSql({ ...none, chat: true, after: true }, { keyset: true }),
      relevance: Q.searchRelevanceSql({ ...none, sender: true }),
      context: Q.CONTEXT_AFTER,
      lastInteraction: Q.LAST_INTERACTION,
      chats: Q.chatPageSql("1", "last_active", true),
      chatsByName: Q.chatPageSql(Q.CHAT_QUERY_WHERE, "name", true),
      contactChats: Q.chatPageSql(Q.CONTACT_CHATS_WHERE, "last_active", true),
      message: Q.GET_MESSAGE,
    };
    for (const [name, sql] of Object.entries(queries)) {
      const plan = (db.exec(`EXPLAIN QUERY PLAN ${sql}`)[0]?.values ?? []).map((r) => String(r[3]));
      const fullScans = plan.filter((l) => /^SCAN (m|m2|lm|messages|reactions|r)\b(?! USING)/.test(l));
      assert.deepEqual(fullScans, [], `${name}: ${plan.join(" | ")}`);
    }
    db.close();
  });
});

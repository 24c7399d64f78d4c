/**
 * Migration 0012 (compact message pks): a store written with the per-millisecond pk (ts * 1024 +
 * slot) reads exactly the same afterwards, pages and their cursors included. The data is written
 * once by the current code; a 0011-era copy holds the same rows under the old pks (and its
 * full-text index built on them); opening that copy migrates it, and every read, every pk and the
 * index are compared with the original's. Old stores with what the old pk allowed (bursts past a
 * millisecond's slots, negative instants) keep their order.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs, { type Database } from "sql.js";
import { migrationsFor } from "../../src/store/migrations.ts";
import { indexQueued } from "../../src/store/sqljs/fts_queue.ts";
import { registerSqlFunctions } from "../../src/store/sqljs/functions.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { compactPkBase, COMPACT_PK_RANGE } from "../../src/store/sqljs/pk.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { WriteOp } from "../../src/store/types.ts";
import { msg } from "./sqljs_fixtures.ts";
import { copyRows, dataset, GROUP, LID, PN, PN2, readAll, sameAfterWrites, saveOldEra, writtenStore } from "./sqljs_migrate_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-0012-"));
after(() => rmSync(root, { recursive: true, force: true }));

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
const rowsOf = (db: Database, sql: string): unknown[][] => db.exec(sql)[0]?.values ?? [];

/** A 0011-era database (schema up to 0011) with `fill` run on it, its queue indexed. */
function oldEra(SQL: SqlJs, fill: (old: Database) => void): Database {
  const old = new SQL.Database();
  migrateSqlite(old, { migrations: migrationsFor("sqlite").filter((m) => m.version <= 11) });
  fill(old);
  // The old index, on the old docids, built from the old schema's view (its scope tokens are the
  // JID hashes that indexQueued no longer writes).
  old.exec("DELETE FROM fts_pending; INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')");
  return old;
}

/** Copies `db`'s rows into a 0011-era database, the messages under their per-millisecond pks. */
function oldEraCopy(SQL: SqlJs, db: Database): Database {
  return oldEra(SQL, (old) => {
    // A per-millisecond pk: ts * 2048 + the message's place among those of its millisecond (the
    // old pk had 1024 slots a millisecond and spilled past the highest pk; the burst needs more).
    const tables = copyRows(db, old, (table, list) => table === "message_rows"
      ? `SELECT ${list.replace(/^pk,/, "ts * 2048 + row_number() OVER (PARTITION BY ts ORDER BY pk) - 1,")} FROM message_rows`
      : `SELECT ${list} FROM ${table}`);
    assert.ok(tables.includes("message_rows"));
  });
}

/** More messages: out of time order across seconds, a burst in one second past its own slots, milliseconds inside it. */
function burst(): WriteOp[] {
  const ops: WriteOp[] = [];
  for (let k = 0; k < 1100; k++) ops.push(msg(k % 2 ? PN : GROUP, `B${k}`, 1_500_000, `burst common ${k}`, { senderId: PN2 }));
  ops.push(msg(PN, "MS1", 1_500_001, "first millisecond common"), msg(PN, "MS2", 1_500_999, "last millisecond common"));
  ops.push(msg(PN2, "LATE", 1_004_000, "late arrival common"), msg(PN2, "NEG", -5_500, "before the epoch common"));
  return ops;
}

describe("sql.js migration 0012 (compact message pks)", () => {
  test("a 0011-era store reads exactly the same after the migration (cursors too), and keeps taking writes alike", async () => {
    const SQL = await initSqlJs();
    const [first, later] = dataset();
    const srcDir = join(root, "src");
    const expected = await writtenStore(srcDir, [first!, burst(), later!]);

    const image = new SQL.Database(readFileSync(join(srcDir, "store.sqlite")));
    const srcPks = rowsOf(image, "SELECT pk, chat, id FROM message_rows ORDER BY pk");
    const old = oldEraCopy(SQL, image);
    assert.deepEqual(rowsOf(old, "SELECT chat, id FROM message_rows ORDER BY pk"), srcPks.map((r) => r.slice(1)), "the old pks are in the same order");
    assert.ok(Number(rowsOf(old, "SELECT count(*) FROM messages_fts_docsize")[0]![0]) > 1000, "the old index is built");
    const oldDir = join(root, "old");
    saveOldEra(oldDir, old, image);

    const migrated = await openSqljsRepository({ dir: oldDir });
    try {
      const got = await readAll(migrated) as Record<string, unknown>;
      for (const key of Object.keys(expected)) assert.deepEqual(got[key], expected[key], key);
      const more: WriteOp[] = [
        msg(GROUP, "N1", 1_500_000, "new common words in the burst second", { senderId: LID }),
        msg(PN, "N2", 1_500_001, "new common words, a taken millisecond"),
        { op: "linkLid", lid: LID, pnJid: PN },
        { op: "editMessage", chatJid: GROUP, id: "B7", text: "changed common", editedAt: 3_100_000, by: { fromMe: false, id: PN2 } },
        { op: "deleteMessage", chatJid: PN, id: "B9" },
      ];
      await sameAfterWrites(srcDir, migrated, more);
    } finally {
      await migrated.close();
    }
    const after = new SQL.Database(readFileSync(join(oldDir, "store.sqlite")));
    try {
      registerSqlFunctions(after); // the index's content view calls them
      const srcAfter = new SQL.Database(readFileSync(join(srcDir, "store.sqlite")));
      assert.deepEqual(rowsOf(after, "SELECT pk, chat, id FROM message_rows ORDER BY pk"), rowsOf(srcAfter, "SELECT pk, chat, id FROM message_rows ORDER BY pk"), "the same pks");
      srcAfter.close();
      assert.deepEqual(rowsOf(after, "PRAGMA integrity_check"), [["ok"]]);
      while (indexQueued(after, 1000) > 0);
      after.exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
    } finally {
      after.close();
    }
  });

  test("old pks the per-millisecond scheme allowed keep their order, each at or above its instant's base", async () => {
    const SQL = await initSqlJs();
    const chat = "4915112345678@s.whatsapp.net";
    // [old pk, ts]: negative and zero instants, a millisecond with more messages than its slots (the last
    // spilled past a later one, as the old pk did), a whole second's burst spilled past a later
    // millisecond's message, milliseconds inside that second.
    const rows: Array<[number, number]> = [[-7_000 * 1024, -7_000], [-6_999 * 1024, -6_999], [0, 0], [1, 0]];
    for (let k = 0; k < 1024; k++) rows.push([5_000_123 * 1024 + k, 5_000_123]);
    rows.push([5_000_124 * 1024, 5_000_124], [5_000_124 * 1024 + 1, 5_000_123]);
    for (let k = 0; k < 1024; k++) rows.push([6_000_000 * 1024 + k, 6_000_000]);
    rows.push([6_000_001 * 1024, 6_000_001]);
    for (let k = 0; k < 176; k++) rows.push([6_000_001 * 1024 + 1 + k, 6_000_000]);
    rows.push([6_000_500 * 1024, 6_000_500], [7_000_000 * 1024, 7_000_000]);
    const db = oldEra(SQL, (old) => {
      old.run("INSERT INTO jids (key, jid) VALUES (1, ?)", [chat]);
      for (const [i, [pk, ts]] of rows.entries()) {
        old.run("INSERT INTO message_rows (pk, chat, id, sender, ts, type, text) VALUES (?, 1, ?, 1, ?, 'text', ?)", [pk, `I${i}`, ts, `word${i % 7} common`]);
      }
    });
    try {
      migrateSqlite(db);
      const got = rowsOf(db, "SELECT pk, id, ts FROM message_rows ORDER BY pk");
      assert.deepEqual(got.map((r) => r[1]), rows.map((_, i) => `I${i}`), "the old order");
      for (const [pk, , ts] of got) assert.ok((pk as number) >= compactPkBase(ts as number), `pk ${pk} >= base of ${ts}`);
      // Pks stay inside their second, but in the second that held more messages than it has slots (and after).
      const inSecond = got.filter((r) => Math.floor((r[2] as number) / 1000) !== 5_000);
      for (const [pk, , ts] of inSecond) assert.ok((pk as number) < COMPACT_PK_RANGE.until((ts as number) + 1), `pk ${pk} inside the second of ${ts}`);
      assert.deepEqual(got.slice(0, 4).map((r) => r[0]), [-7 * 2048, -7 * 2048 + 1049, 0, 1]);
      assert.equal(rowsOf(db, "SELECT count(*) FROM fts_pending")[0]![0], rows.length, "every message queued for the index");
      while (indexQueued(db, 1000) > 0);
      db.exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
      assert.equal(rowsOf(db, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'common'")[0]![0], rows.length);
      assert.deepEqual(rowsOf(db, "PRAGMA integrity_check"), [["ok"]]);
    } finally {
      db.close();
    }
  });
});

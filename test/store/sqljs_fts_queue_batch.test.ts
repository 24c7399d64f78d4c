/**
 * The full-text queue written by apply, one statement per batch (migration 0015 dropped the
 * trigger that queued each inserted row): a batch mixing new messages with edits, revokes,
 * deletes, re-deliveries and a LID merge of those same messages queues and indexes exactly what
 * the trigger queued, and what one op per batch gives; and a store upgraded from 0014 keeps its
 * queue and searches as a new one.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "sql.js";
import { migrationsFor } from "../../src/store/migrations.ts";
import { applySqlite } from "../../src/store/sqljs/apply.ts";
import { indexQueued } from "../../src/store/sqljs/fts_queue.ts";
import { settleKnownRows } from "../../src/store/sqljs/known_rows.ts";
import { loadSqlJs } from "../../src/store/sqljs/load.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { openSqljsRepository, withStoreSetup } from "../../src/store/sqljs/repository.ts";
import type { WriteOp } from "../../src/store/types.ts";
import { msg } from "./sqljs_fixtures.ts";
import { copyRows, dataset, GROUP, LID, PN, PN2, readAll, sameAfterWrites, saveOldEra, writtenStore } from "./sqljs_migrate_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-0015-"));
after(() => rmSync(root, { recursive: true, force: true }));

const rowsOf = (db: Database, sql: string): unknown[][] => db.exec(sql)[0]?.values ?? [];

/** The trigger of migrations 0002-0014, as it was. */
const OLD_TRIGGER = `CREATE TRIGGER messages_fts_queue AFTER INSERT ON message_rows
WHEN new.revoked = 0 AND (new.text IS NOT NULL OR new.edited_text IS NOT NULL OR new.media_file_name IS NOT NULL)
BEGIN
  INSERT OR IGNORE INTO fts_pending (docid) VALUES (new.pk);
END`;

const t0 = 1_700_000_000_000;
const doc = { mimetype: "application/pdf", fileName: "budget plan.pdf", fileLength: 10, durationSec: null, directPath: "/d", url: null,
  mediaKey: null, fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: null };

/** New messages and, in the same batch, changes to them: each kind of step that may touch a queued row. */
function mixedBatch(): WriteOp[] {
  return [
    { op: "upsertPerson", person: { lid: LID, pushName: "Lid" } },
    msg(PN, "A1", t0, "alpha first words"),
    msg(PN, "A2", t0, "alpha second"),
    msg(PN, "A3", t0 + 1000, null), // no words: not queued
    msg(PN, "A4", t0 + 1000, null, { type: "document", media: doc }), // a file name only
    msg(PN, "A5", t0 + 2000, "born revoked", { revoked: true }), // revoked: not queued
    msg(PN, "A6", t0 + 2000, null, { editedText: "edited before stored" }),
    { op: "editMessage", chatJid: PN, id: "A1", text: "alpha edited words", editedAt: t0 + 5000, by: { fromMe: false, id: PN } },
    { op: "revokeMessage", chatJid: PN, id: "A2", by: { fromMe: false, id: PN } },
    msg(PN, "A3", t0 + 1000, "late text alpha"), // a re-delivery merges text into a row without words
    msg(LID, "L1", t0 + 3000, "alpha from the lid", { senderId: LID }),
    msg(GROUP, "G1", t0 + 3000, "alpha in the group", { senderId: LID }),
    msg(GROUP, "G2", t0 + 4000, "gone soon", { senderId: PN2 }),
    { op: "deleteMessage", chatJid: GROUP, id: "G2" },
    { op: "linkLid", lid: LID, pnJid: PN2 },
    msg(PN2, "B1", t0 + 6000, "alpha after the merge"),
    { op: "clearChat", jid: PN, before: t0 + 1500 },
    msg(PN, "C1", t0 + 7000, "alpha last"),
    msg(PN, "C1", t0 + 7000, "alpha last again"), // a re-delivery in the batch that stored it
  ];
}

async function freshDb(trigger: boolean): Promise<Database> {
  const db = new (withStoreSetup(await loadSqlJs())).Database();
  migrateSqlite(db);
  if (trigger) db.exec(OLD_TRIGGER);
  settleKnownRows(db, false);
  return db;
}

function applyAll(db: Database, batches: WriteOp[][]): void {
  for (const ops of batches) {
    db.exec("BEGIN");
    applySqlite(db, ops);
    db.exec("COMMIT");
    settleKnownRows(db, true);
  }
}

const queue = (db: Database) => rowsOf(db, "SELECT docid FROM fts_pending ORDER BY docid");
const rows = (db: Database) => rowsOf(db, "SELECT pk, chat, id, sender, text, edited_text, revoked FROM message_rows ORDER BY pk");

function indexAll(db: Database): void {
  db.exec("BEGIN");
  while (indexQueued(db, 3) > 0);
  db.exec("COMMIT");
  // FTS4 compares the index with its content view: a row indexed twice, or removed without being indexed, fails it.
  db.exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
}

const search = (db: Database, q: string) => rowsOf(db, `SELECT docid FROM messages_fts WHERE messages_fts MATCH '${q}' ORDER BY docid`);

describe("sql.js full-text queue written per batch (migration 0015)", () => {
  test("the schema has no queue trigger left", async () => {
    const db = await freshDb(false);
    assert.deepEqual(rowsOf(db, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name = 'messages_fts_queue'"), []);
    db.close();
  });

  test("one mixed batch queues and indexes what the old trigger did, and what one op per batch does", async () => {
    const oneBatch = await freshDb(false);
    const byOp = await freshDb(false);
    const withTrigger = await freshDb(true);
    applyAll(oneBatch, [mixedBatch()]);
    applyAll(byOp, mixedBatch().map((op) => [op]));
    applyAll(withTrigger, [mixedBatch()]);
    assert.deepEqual(rows(oneBatch), rows(byOp), "the same rows");
    assert.ok(queue(oneBatch).length >= 5, "messages are queued");
    assert.deepEqual(queue(oneBatch), queue(byOp), "the same queue as one op per batch");
    assert.deepEqual(queue(oneBatch), queue(withTrigger), "the same queue as the trigger's");
    for (const db of [oneBatch, byOp, withTrigger]) indexAll(db);
    const alpha = search(oneBatch, "alpha");
    assert.ok(alpha.length >= 4, "indexed");
    assert.equal(search(oneBatch, "edited").length, 1, "the edit before the message");
    for (const q of ["alpha", "edited", "budget", "revoked", "gone", "late", "again"]) {
      assert.deepEqual(search(oneBatch, q), search(byOp, q), q);
      assert.deepEqual(search(oneBatch, q), search(withTrigger, q), q);
    }
    // Edits of indexed messages re-index them (the triggers that stay).
    const more: WriteOp[] = [
      { op: "editMessage", chatJid: PN, id: "C1", text: "omega now", editedAt: t0 + 9000, by: { fromMe: false, id: PN } },
      msg(PN, "D1", t0 + 9000, "omega new"),
      { op: "deleteMessage", chatJid: PN2, id: "B1" },
    ];
    for (const db of [oneBatch, byOp]) {
      applyAll(db, [more]);
      indexAll(db);
    }
    assert.equal(search(oneBatch, "omega").length, 2);
    assert.deepEqual(search(oneBatch, "omega"), search(byOp, "omega"));
    assert.deepEqual(search(oneBatch, "alpha"), search(byOp, "alpha"));
    for (const db of [oneBatch, byOp, withTrigger]) db.close();
  });

  test("a batch rolled back queues nothing", async () => {
    const db = await freshDb(false);
    db.exec("BEGIN");
    assert.throws(() => applySqlite(db, [msg(PN, "X1", t0, "words"), { op: "nope" } as unknown as WriteOp]));
    db.exec("COMMIT");
    assert.deepEqual(queue(db), []);
    applyAll(db, [[msg(PN, "X2", t0, "words")]]);
    assert.equal(queue(db).length, 1);
    db.close();
  });

  test("a store of the schema before 0015 keeps its queue, searches the same and queues new messages", async () => {
    const SQL = await loadSqlJs();
    const [first, later] = dataset();
    const srcDir = join(root, "src");
    const expected = await writtenStore(srcDir, [first!, later!]);
    const image = new SQL.Database(readFileSync(join(srcDir, "store.sqlite")));
    const old = new (withStoreSetup(SQL)).Database();
    migrateSqlite(old, { migrations: migrationsFor("sqlite").filter((m) => m.version < 15) });
    copyRows(image, old); // the trigger of 0014 queues the rows copied in
    // Half the searchable messages indexed, the rest still queued.
    const queued = queue(old).length;
    assert.ok(queued >= 4, "messages to index");
    old.exec("BEGIN");
    indexQueued(old, Math.floor(queued / 2));
    old.exec("COMMIT");
    const left = queue(old);
    assert.ok(left.length > 0 && left.length < queued);
    assert.equal(rowsOf(old, "SELECT count(*) FROM sqlite_master WHERE name = 'messages_fts_queue'")[0]![0], 1);
    const oldDir = join(root, "old");
    saveOldEra(oldDir, old, image);

    const upgraded = new (withStoreSetup(SQL)).Database(readFileSync(join(oldDir, "store.sqlite")));
    assert.deepEqual(migrateSqlite(upgraded), [15, 16]);
    assert.deepEqual(queue(upgraded), left, "the queue is kept");
    assert.equal(rowsOf(upgraded, "SELECT count(*) FROM fts_pending WHERE text_tokens IS NULL")[0]![0], left.length, "uncounted (0016): each search counts them");
    upgraded.close();

    const migrated = await openSqljsRepository({ dir: oldDir });
    try {
      const got = await readAll(migrated) as Record<string, unknown>;
      for (const key of Object.keys(expected)) assert.deepEqual(got[key], expected[key], key);
      await sameAfterWrites(srcDir, migrated, [
        msg(GROUP, "N1", 3_000_000, "new common words", { senderId: LID }),
        msg(PN, "N2", 3_100_000, "another new one"),
        { op: "editMessage", chatJid: PN, id: "N2", text: "another edited", editedAt: 3_200_000, by: { fromMe: false, id: PN } },
      ]);
      const hits = await migrated.listMessages({ query: "another", limit: 10 });
      assert.equal(hits.items.length, 1);
    } finally {
      await migrated.close();
    }
  });
});

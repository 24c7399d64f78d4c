/**
 * Migration 0014 (full-text index without document sizes, scope tokens from the jids keys): a
 * store whose index was built by the schema before it (JID-hash scope tokens, document sizes)
 * searches exactly the same afterwards, relevance ranks included; and the row length wa_bm25
 * counts is the one FTS4 stored (matchinfo 'l'), marks that unicode61 splits on included.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs, { type Database } from "sql.js";
import { migrationsFor } from "../../src/store/migrations.ts";
import { searchFields } from "../../src/store/search/text.ts";
import { indexQueued } from "../../src/store/sqljs/fts_queue.ts";
import { indexedLength } from "../../src/store/sqljs/fts_length.ts";
import { registerSqlFunctions } from "../../src/store/sqljs/functions.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { WriteOp } from "../../src/store/types.ts";
import { msg } from "./sqljs_fixtures.ts";
import { copyRows, dataset, GROUP, LID, PN, PN2, readAll, sameAfterWrites, saveOldEra, writtenStore } from "./sqljs_migrate_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-0014-"));
after(() => rmSync(root, { recursive: true, force: true }));

const rowsOf = (db: Database, sql: string): unknown[][] => db.exec(sql)[0]?.values ?? [];

/** Texts whose tokens unicode61 counts otherwise than one each (U+0483, Syriac marks), and others. */
const TEXTS = [
  "a\u0483b titlo words", "\u0710\u0711\u0730\u0712 syriac words", "x\u0489y\u0488 words", "Приве́т мир words", "東京タワー words",
  "naïve ångström words", "ελληνικά λέξη words", "हिन्दी शब्द words", "crème brûlée words", "plain words only", "ctl\u0010chars\u0019 9x@Y[z`q words",
];

function extra(): WriteOp[] {
  return TEXTS.map((t, i) => msg(i % 2 ? GROUP : PN, `X${i}`, 2_000_000 + i * 1000, `${t} ${"common ".repeat(i % 4)}`, { senderId: i % 2 ? PN2 : PN }));
}

describe("sql.js migration 0014 (compact full-text index)", () => {
  test("a store indexed by the schema before 0014 searches exactly the same after it, and keeps taking writes alike", async () => {
    const SQL = await initSqlJs();
    const [first, later] = dataset();
    const srcDir = join(root, "src");
    const expected = await writtenStore(srcDir, [first!, extra(), later!]);
    const image = new SQL.Database(readFileSync(join(srcDir, "store.sqlite")));
    const old = new SQL.Database();
    registerSqlFunctions(old);
    migrateSqlite(old, { migrations: migrationsFor("sqlite").filter((m) => m.version < 14) });
    copyRows(image, old);
    // The old index, from the old view (JID-hash scope tokens), with its document sizes.
    old.exec("DELETE FROM fts_pending; INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')");
    assert.ok(Number(rowsOf(old, "SELECT count(*) FROM messages_fts_docsize")[0]![0]) >= TEXTS.length, "the old index is built");
    const oldDir = join(root, "old");
    saveOldEra(oldDir, old, image);

    const migrated = await openSqljsRepository({ dir: oldDir });
    try {
      const got = await readAll(migrated) as Record<string, unknown>;
      for (const key of Object.keys(expected)) assert.deepEqual(got[key], expected[key], key);
      for (const [q, order] of [["words", "relevance"], ["titlo", "relevance"], ["common", "relevance"], ["words", "newest"]] as const) {
        const again = await openSqljsRepository({ dir: srcDir });
        try {
          assert.deepEqual(await migrated.listMessages({ query: q, order, limit: 50 }), await again.listMessages({ query: q, order, limit: 50 }), `${q} ${order}`);
        } finally {
          await again.close();
        }
      }
      await sameAfterWrites(srcDir, migrated, [
        msg(GROUP, "N1", 3_000_000, "new common words", { senderId: LID }),
        { op: "linkLid", lid: LID, pnJid: PN },
        { op: "editMessage", chatJid: GROUP, id: "X1", text: "changed common a\u0483b", editedAt: 3_100_000, by: { fromMe: false, id: PN2 } },
        { op: "deleteMessage", chatJid: PN, id: "X0" },
      ]);
    } finally {
      await migrated.close();
    }
    const afterDb = new SQL.Database(readFileSync(join(oldDir, "store.sqlite")));
    try {
      registerSqlFunctions(afterDb);
      assert.deepEqual(rowsOf(afterDb, "SELECT name FROM sqlite_master WHERE name = 'messages_fts_docsize'"), [], "no document sizes");
      while (indexQueued(afterDb, 1000) > 0);
      afterDb.exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')");
    } finally {
      afterDb.close();
    }
  });

  test("the length wa_bm25 counts is FTS4's own 'l' (word columns), whatever the script", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    try {
      registerSqlFunctions(db);
      migrateSqlite(db);
      db.exec(`CREATE VIRTUAL TABLE ref USING fts4 (body, file_name, scope, tokenize=unicode61 "remove_diacritics=2" "tokenchars=_")`);
      const texts: Array<[string, string | null]> = TEXTS.map((t, i) => [t, i % 3 ? null : `${t}.pdf`]);
      // Every code point of some blocks rich in marks, inside and at the edges of words.
      for (const [from, to] of [[0x300, 0x36f], [0x483, 0x489], [0x591, 0x5c7], [0x610, 0x65f], [0x6d6, 0x6ed], [0x700, 0x74f], [0x900, 0x97f], [0xe00, 0xe7f], [0x1ab0, 0x1aff], [0x1dc0, 0x1dff], [0x20d0, 0x20ff], [0xfe20, 0xfe2f]]) {
        for (let c = from!; c <= to!; c++) texts.push([`ab${String.fromCodePoint(c)}cd x${String.fromCodePoint(c)} ${String.fromCodePoint(c)}y`, null]);
      }
      const length = indexedLength(db);
      let split = 0;
      texts.forEach(([text, file], i) => {
        const f = searchFields(text, null, file, false);
        db.run("INSERT INTO ref (docid, body, file_name, scope) VALUES (?, ?, ?, '_all')", [i + 1, f.text, f.file]);
        const l = db.exec("SELECT matchinfo(ref, 'l') FROM ref WHERE ref MATCH '_all' AND docid = ?", [i + 1])[0]!.values[0]![0] as Uint8Array;
        const v = new DataView(l.buffer, l.byteOffset, l.byteLength);
        const want = v.getUint32(0, true) + v.getUint32(4, true);
        assert.equal(length(text, file), want, JSON.stringify(text));
        if (want !== f.text.split(" ").length + (f.file ? f.file.split(" ").length : 0)) split++;
      });
      assert.ok(split > 10, `some texts have tokens unicode61 splits (${split})`);
    } finally {
      db.close();
    }
  });
});

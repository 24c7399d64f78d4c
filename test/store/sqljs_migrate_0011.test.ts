/**
 * Migration 0011 (integer chat and sender keys, `messages` becomes a view): a store written by
 * the schema before it reads exactly the same afterwards. The data is written once by the
 * current code; a 0010-era copy holds the same rows in the old table (as that schema stored
 * them); opening that copy migrates it, and every read is compared with the original's.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs, { type Database } from "sql.js";
import { migrationsFor } from "../../src/store/migrations.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { WriteOp } from "../../src/store/types.ts";
import { msg } from "./sqljs_fixtures.ts";
import { copyRows, dataset, GROUP, LID, PN, PN2, readAll, sameAfterWrites, saveOldEra, writtenStore } from "./sqljs_migrate_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-0011-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A 0010-era copy of `db`: the same rows, the messages in the old table (the new view's columns). */
function oldEraCopy(SQL: Awaited<ReturnType<typeof initSqlJs>>, db: Database): Database {
  const old = new SQL.Database();
  migrateSqlite(old, { migrations: migrationsFor("sqlite").filter((m) => m.version <= 10) });
  assert.ok(copyRows(db, old).includes("messages"));
  return old;
}

describe("sql.js migration 0011 (integer chat and sender keys)", () => {
  test("a 0010-era store with data reads exactly the same after the migration, and keeps taking writes alike", async () => {
    const SQL = await initSqlJs();
    const [first, later] = dataset();
    const srcDir = join(root, "src");
    const expected = await writtenStore(srcDir, [first!, later!]);

    // The original's image, then its 0010-era copy (the old schema's triggers queue its words for the index).
    const image = new SQL.Database(readFileSync(join(srcDir, "store.sqlite")));
    const old = oldEraCopy(SQL, image);
    assert.equal(old.exec("SELECT count(*) FROM messages")[0]?.values[0]?.[0], image.exec("SELECT count(*) FROM messages")[0]?.values[0]?.[0]);
    const oldDir = join(root, "old");
    saveOldEra(oldDir, old, image);

    const migrated = await openSqljsRepository({ dir: oldDir });
    try {
      const got = await readAll(migrated);
      for (const key of Object.keys(expected as object)) {
        assert.deepEqual((got as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], key);
      }
      // Writes after the migration, including a LID merge that moves messages between chats and senders.
      const more: WriteOp[] = [
        msg(GROUP, "N1", 3_000_000, "new common words", { senderId: LID }),
        { op: "linkLid", lid: LID, pnJid: PN },
        { op: "editMessage", chatJid: GROUP, id: "M1", text: "changed common", editedAt: 3_100_000, by: { fromMe: false, id: PN2 } },
      ];
      const a = await sameAfterWrites(srcDir, migrated, more);
      assert.ok(JSON.stringify(a[`newest ${PN}`]).includes("N1") === false && JSON.stringify(a[`sender ${PN}`]).includes("N1"), "the merge moved the sender");
    } finally {
      await migrated.close();
    }
  });
});

/**
 * Free pages out of the store image (snapshot_compact.ts): new stores use incremental
 * auto-vacuum; the last snapshot at close and every open give the free pages back, without a
 * copy of the image and without ending the copy-free tracking of sql.js's file; an older store
 * is converted once at open when enough of it is free.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Database } from "sql.js";
import { openDurable } from "../../src/store/sqljs/durable.ts";
import { readSnapshotFile } from "../../src/store/sqljs/snapshot.ts";
import { withStoreSetup } from "../../src/store/sqljs/repository.ts";
import { nodeFs } from "../../src/runtime/fs.ts";
import { cleanup, crashImage, loadSql, range, rows, storeOptions, type TOp, tempDir } from "./helpers.ts";

const put = (n: number): TOp => ({ op: "put", n, v: `v${n}`.padEnd(2000, "x") });
const del = (n: number): TOp => ({ op: "del", n });

function pragma(db: Database, name: string): number {
  return Number(db.exec(`PRAGMA ${name}`)[0]!.values[0]![0]);
}

/** The snapshot file's page count, free pages and auto-vacuum mode, as SQLite reads the file. */
async function fileStats(dir: string): Promise<{ pages: number; free: number; mode: number; ok: string }> {
  const read = await readSnapshotFile(nodeFs, join(dir, "store.sqlite"));
  assert.equal(read?.checked.kind, "verified");
  const sql = await loadSql();
  const db = new sql.Database(read!.checked.kind === "verified" ? read!.checked.image.slice() : undefined);
  try {
    const ok = String(db.exec("PRAGMA integrity_check")[0]!.values[0]![0]);
    return { pages: pragma(db, "page_count"), free: pragma(db, "freelist_count"), mode: pragma(db, "auto_vacuum"), ok };
  } finally {
    db.close();
  }
}

/** Makes whole copies of the image fail loudly: the snapshot must come from the tracked file. */
function forbidExport(db: Database): () => void {
  db.export = () => {
    throw new Error("db.export() was called: the snapshot made a whole copy");
  };
  return () => delete (db as { export?: unknown }).export;
}

/** 1..600 stored, then 1..400 deleted: about two thirds of the rows' pages are free. */
async function fillAndDelete(store: { commit(ops: TOp[]): Promise<number> }): Promise<void> {
  for (const i of range(0, 5)) await store.commit(range(i * 100 + 1, i * 100 + 100).map(put));
  for (const i of range(0, 3)) await store.commit(range(i * 100 + 1, i * 100 + 100).map(del));
}

describe("free pages out of the store image", () => {
  test("a new store gives its free pages back in the snapshot written at close, without a whole copy", async () => {
    const dir = tempDir();
    try {
      const sql = withStoreSetup(await loadSql());
      const store = await openDurable({ ...(await storeOptions(dir)), sql });
      assert.equal(pragma(store.db, "auto_vacuum"), 2, "incremental auto-vacuum from the first page");
      await fillAndDelete(store);
      const free = pragma(store.db, "freelist_count");
      const pages = pragma(store.db, "page_count");
      assert.ok(free > 100, `rows deleted left free pages (${free})`);
      forbidExport(store.db);
      await store.close();
      const file = await fileStats(dir);
      assert.deepEqual({ free: file.free, mode: file.mode, ok: file.ok }, { free: 0, mode: 2, ok: "ok" });
      assert.equal(file.pages, pages - free);
      const again = await openDurable({ ...(await storeOptions(dir)), sql });
      assert.deepEqual(rows(again.db), range(401, 600));
      await again.close();
    } finally {
      cleanup(dir);
    }
  });

  test("free pages in a snapshot written while running are given back at the next open, and its snapshots stay copy-free", async () => {
    const dir = tempDir();
    let crashed: string | null = null;
    try {
      const sql = withStoreSetup(await loadSql());
      const store = await openDurable({ ...(await storeOptions(dir)), sql });
      await fillAndDelete(store);
      await store.snapshot(); // a running store's snapshot keeps its free pages (it is not compacted)
      crashed = crashImage(dir); // as if the process stopped here: no snapshot at close
      await store.close();
      const before = await fileStats(crashed);
      assert.ok(before.free > 100, `free pages in the running store's snapshot (${before.free})`);

      const warnings: string[] = [];
      const again = await openDurable({ ...(await storeOptions(crashed)), sql, onWarning: (m) => warnings.push(m) });
      assert.equal(pragma(again.db, "freelist_count"), 0, "given back at open");
      assert.equal(pragma(again.db, "page_count"), before.pages - before.free);
      assert.equal(String(again.db.exec("PRAGMA integrity_check")[0]!.values[0]![0]), "ok");
      assert.deepEqual(rows(again.db), range(401, 600));
      assert.deepEqual(warnings, []);
      // The reopened database's file is tracked: commits and a snapshot need no whole copy.
      const allow = forbidExport(again.db);
      await again.commit(range(601, 700).map(put));
      await again.snapshot();
      allow();
      await again.close();
      const third = await openDurable({ ...(await storeOptions(crashed)), sql });
      assert.deepEqual(rows(third.db), range(401, 700));
      await third.close();
    } finally {
      cleanup(dir, ...(crashed ? [crashed] : []));
    }
  });

  test("a store made before incremental auto-vacuum is converted once at open when enough of it is free", async () => {
    const dir = tempDir();
    try {
      // The engine's plain sql.js (no repository setup): the database starts without auto-vacuum.
      const store = await openDurable(await storeOptions(dir));
      assert.equal(pragma(store.db, "auto_vacuum"), 0);
      await fillAndDelete(store);
      await store.close();
      const before = await fileStats(dir);
      assert.equal(before.mode, 0);
      assert.ok(before.free > 100, `the file keeps its free pages (${before.free})`);

      const warnings: string[] = [];
      const again = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
      assert.match(warnings.join("\n"), /compacted once/);
      assert.equal(pragma(again.db, "auto_vacuum"), 2);
      assert.equal(pragma(again.db, "freelist_count"), 0);
      assert.deepEqual(rows(again.db), range(401, 600));
      const converted = await fileStats(dir); // written at open: a start cut short would redo the conversion
      assert.deepEqual({ free: converted.free, mode: converted.mode, ok: converted.ok }, { free: 0, mode: 2, ok: "ok" });
      // The pages in use, and a pointer-map page per ~800 pages that incremental auto-vacuum keeps.
      assert.ok(converted.pages <= before.pages - before.free + 2, `${converted.pages} pages after, ${before.pages - before.free} used before`);
      const allow = forbidExport(again.db);
      await again.commit(range(601, 650).map(put));
      await again.snapshot();
      allow();
      await again.close();

      const third = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
      assert.equal(warnings.length, 1, "converted once");
      assert.deepEqual(rows(third.db), range(401, 650));
      await third.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a conversion that fails at open leaves the store as it was on disk and opens it as it is", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      await fillAndDelete(store);
      await store.snapshot();
      await store.commit(range(601, 610).map(put)); // in the journal only: replayed after the snapshot
      const journaled = crashImage(dir);
      await store.close();
      cleanup(dir);
      const before = await fileStats(journaled);
      // sql.js whose VACUUM fails after overwriting part of the image in memory.
      const base = await loadSql();
      class Failing extends base.Database {
        override exec(text: string, params?: Parameters<Database["exec"]>[1]) {
          if (text === "VACUUM") {
            this.run("DELETE FROM t WHERE n > 500");
            throw new Error("out of memory (injected)");
          }
          return super.exec(text, params);
        }
      }
      const warnings: string[] = [];
      const again = await openDurable(
        await storeOptions(journaled, { sql: { ...base, Database: Failing } as typeof base, onWarning: (m) => warnings.push(m) }),
      );
      assert.match(warnings.join("\n"), /could not be compacted at open \(out of memory \(injected\)\); it was opened as it is/);
      assert.deepEqual(rows(again.db), range(401, 610), "the snapshot as on disk, and the journal after it");
      assert.equal(pragma(again.db, "auto_vacuum"), 0);
      await again.close();
      const after = await fileStats(journaled);
      assert.deepEqual({ mode: after.mode, ok: after.ok }, { mode: before.mode, ok: "ok" });
    } finally {
      cleanup(dir);
    }
  });

  test("a store made before incremental auto-vacuum with few free pages is left as it is", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      for (const i of range(0, 5)) await store.commit(range(i * 100 + 1, i * 100 + 100).map(put));
      await store.commit([del(1)]);
      await store.close();
      const warnings: string[] = [];
      const again = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
      assert.deepEqual(warnings, []);
      assert.equal(pragma(again.db, "auto_vacuum"), 0);
      assert.deepEqual(rows(again.db), range(2, 600));
      await again.close();
    } finally {
      cleanup(dir);
    }
  });
});

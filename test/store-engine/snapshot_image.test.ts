/**
 * Snapshots written straight from sql.js's own file (snapshot_image.ts): no whole copy, the image
 * as it was when frozen even while commits change it, the fallback to db.export() when the file
 * moved, and the checksum of what was written.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Database } from "sql.js";
import { join } from "node:path";
import { openDurable } from "../../src/store/sqljs/durable.ts";
import { captureImage, ensureMetaTable, openSnapshot, readSnapshotFile, stampSnapshotMeta } from "../../src/store/sqljs/snapshot.ts";
import { trackImage } from "../../src/store/sqljs/snapshot_image.ts";
import { withStoreSetup } from "../../src/store/sqljs/repository.ts";
import { collectGarbage } from "../../src/runtime/gc.ts";
import { nodeFs, type FsPort } from "../../src/runtime/fs.ts";
import { cleanup, loadSql, range, rows, storeOptions, type TOp, tempDir } from "./helpers.ts";

const put = (n: number, v = `v${n}`.padEnd(300, "x")): TOp => ({ op: "put", n, v });

/** The image without the header fields SQLite's backup (db.export()) sets on its own: change counter, schema cookie, version-valid-for. */
function content(image: Uint8Array): Uint8Array {
  const out = image.slice();
  out.fill(0, 24, 28);
  out.fill(0, 40, 44);
  out.fill(0, 92, 96);
  return out;
}

/** A database of `n` rows opened through trackImage with `room` bytes to grow. */
async function trackedDb(n: number, room: number) {
  const sql = await loadSql();
  const seed = new sql.Database();
  seed.run("CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT)");
  for (const i of range(1, n)) seed.run("INSERT INTO t VALUES (?, ?)", [i, "y".repeat(200)]);
  const bytes = seed.export();
  seed.close();
  const buffer = new Uint8Array(bytes.length + room);
  buffer.set(bytes);
  const { data, image } = trackImage(buffer.subarray(0, bytes.length));
  return { db: new sql.Database(data), image, buffer };
}

function fill(db: Database, from: number, to: number): void {
  db.run("BEGIN");
  for (const i of range(from, to)) db.run("INSERT OR REPLACE INTO t VALUES (?, ?)", [i, "z".repeat(300)]);
  db.run("COMMIT");
}

describe("snapshot image", () => {
  test("sql.js writes in place into the loaded buffer, and a frozen image stays as it was while writes go on", async () => {
    const { db, image, buffer } = await trackedDb(500, 4 << 20);
    fill(db, 1, 10);
    assert.ok(image.writes > 0, "the writes were seen");
    const live = Uint8Array.prototype.subarray.call(buffer, 0, 65536); // its whole chunks are used in place
    assert.deepEqual(content(live), content(db.export()).subarray(0, 65536), "the buffer is sql.js's file");
    assert.deepEqual(content(image.pages.read(0, image.length)), content(db.export()), "the pages are sql.js's file");
    const atFreeze = db.export();
    const frozen = image.freeze(image.length)!;
    const piece = new Uint8Array(8192);
    const out = new Uint8Array(frozen.length);
    out.set(frozen.copy(piece, 0), 0);
    fill(db, 1, 3000); // rewrites copied and not yet copied pages, and grows the file
    db.run("DELETE FROM t WHERE n < 100");
    for (let off = 8192; off < frozen.length; off += 8192) out.set(frozen.copy(piece, off), off);
    frozen.release();
    assert.ok(image.alive);
    assert.deepEqual(content(out), content(atFreeze));
    db.close();
  });

  test("a file that outgrows its room stays tracked; a file MEMFS replaced (truncated by VACUUM) is exported whole", async () => {
    const sql = await loadSql();
    const seed = new sql.Database();
    seed.run("CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT)");
    const image = seed.export();
    seed.close();
    for (const shrink of [false, true]) {
      const buffer = new Uint8Array(image.length); // no room at all
      buffer.set(image);
      const { db } = await openSnapshot(sql, buffer, { kind: "verified", image: buffer });
      ensureMetaTable(db);
      fill(db, 1, 2000);
      if (shrink) {
        db.run("DELETE FROM t WHERE n > 10");
        db.run("VACUUM");
      }
      const source = captureImage(db, () => stampSnapshotMeta(db, 7, 1));
      assert.equal(source.wholeCopy, shrink, `shrink ${shrink}`);
      const out = new Uint8Array(source.length);
      const piece = new Uint8Array(8192);
      for (let off = 0; off < source.length; off += 8192) out.set(source.copy(piece, off), off);
      source.release();
      assert.deepEqual(content(out), content(db.export()));
      fill(db, 1, 3000); // still writable, whatever happened to the file
      assert.equal(db.exec("SELECT count(*) FROM t")[0]!.values[0]![0], 3000);
      db.close();
    }
  });

  test("a snapshot written while commits go on holds exactly what was acknowledged when it began, without db.export()", async () => {
    const dir = tempDir();
    try {
      // A store opened from a snapshot, so its file is tracked; over 8 MiB, so it is written in several pieces.
      const first = await openDurable(await storeOptions(dir));
      for (const i of range(0, 9)) await first.commit(range(i * 100 + 1, i * 100 + 100).map((n) => put(n, "w".repeat(10_000))));
      await first.close();

      // Writes of the snapshot wait at a gate, so that commits run while it is half written.
      let gate: (() => void) | null = null;
      let writesStarted = 0;
      const fs: FsPort = {
        ...nodeFs,
        async write(f, data, position) {
          if (f.path.includes(".sqlite.tmp") && writesStarted++ === 0) await new Promise<void>((r) => (gate = r));
          return nodeFs.write(f, data, position);
        },
      };
      const store = await openDurable(await storeOptions(dir, { fs }));
      store.db.export = () => {
        throw new Error("db.export() was called: the snapshot made a whole copy");
      };
      const snap = store.snapshot();
      while (gate === null) await new Promise((r) => setTimeout(r, 1));
      // Rewrite every row and add more while the snapshot is half written.
      for (const i of range(0, 9)) await store.commit(range(i * 100 + 1, i * 100 + 100).map((n) => put(n, "changed")));
      await store.commit(range(1001, 3000).map((n) => put(n)));
      (gate as unknown as () => void)();
      await snap;

      const read = await readSnapshotFile(nodeFs, join(dir, "store.sqlite"));
      assert.equal(read?.checked.kind, "verified", "the checksum written matches the bytes written");
      const sql = await loadSql();
      const copy = new sql.Database(read!.checked.kind === "verified" ? read!.checked.image.slice() : undefined);
      assert.deepEqual(rows(copy), range(1, 1000));
      assert.equal(copy.exec("SELECT count(*) FROM t WHERE v = 'changed'")[0]!.values[0]![0], 0);
      assert.equal(copy.exec("PRAGMA integrity_check")[0]!.values[0]![0], "ok");
      copy.close();
      assert.deepEqual(rows(store.db), range(1, 3000));
      delete (store.db as { export?: unknown }).export;
      await store.close();

      // Reopened: the snapshot plus the journal past it give everything.
      const again = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(again.db), range(1, 3000));
      assert.equal(again.db.exec("SELECT count(*) FROM t WHERE v = 'changed'")[0]!.values[0]![0], 1000);
      await again.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a new store's database (the repository's setup) is tracked from the start: its snapshots need no db.export()", async () => {
    const dir = tempDir();
    try {
      const sql = withStoreSetup(await loadSql());
      const store = await openDurable({ ...(await storeOptions(dir)), sql });
      store.db.export = () => {
        throw new Error("db.export() was called: the snapshot made a whole copy");
      };
      for (const i of range(0, 4)) await store.commit(range(i * 100 + 1, i * 100 + 100).map((n) => put(n)));
      await store.snapshot();
      delete (store.db as { export?: unknown }).export;
      await store.close();
      const again = await openDurable({ ...(await storeOptions(dir)), sql });
      assert.deepEqual(rows(again.db), range(1, 500));
      await again.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a closed database, even if still referenced, no longer holds its image", async () => {
    const sql = await loadSql();
    const keep: Database[] = [];
    const ref = await (async () => {
      const seed = new sql.Database();
      seed.run("CREATE TABLE t (n INTEGER PRIMARY KEY, v TEXT)");
      const image = seed.export();
      seed.close();
      const buffer = new Uint8Array(image.length + 8 * 1024 * 1024);
      buffer.set(image);
      const { db } = await openSnapshot(sql, buffer.subarray(0, image.length), { kind: "verified", image: buffer.subarray(0, image.length) });
      keep.push(db);
      return new WeakRef(buffer.buffer); // the memory itself, whichever view holds it
    })();
    keep[0]!.close();
    for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      collectGarbage();
    }
    assert.ok(ref.deref() === undefined, "the image was collected");
    assert.equal(keep.length, 1);
  });
});

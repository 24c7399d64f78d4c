import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { openDurable, StoreClosedError, StoreFailedError } from "../../src/store/sqljs/durable.ts";
import { openSnapshot } from "../../src/store/sqljs/snapshot.ts";
import { argPath, cleanup, crashImage, instrumentedFs, loadSql, range, rows, storeOptions, type TOp, tempDir } from "./helpers.ts";

const put = (n: number, v = `v${n}`): TOp => ({ op: "put", n, v });

describe("durable store: commits", () => {
  test("commit() resolves with increasing seqs and the rows are readable through db", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      assert.equal(await store.commit([put(1)]), 1);
      assert.equal(await store.commit([put(2), put(3)]), 2);
      assert.deepEqual(rows(store.db), [1, 2, 3]);
      const s = store.stats();
      assert.equal(s.lastSeq, 2);
      assert.equal(s.journalEntries, 2);
      assert.ok(s.journalBytes > 0);
      assert.equal(s.lastError, null);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("maintain() changes derived data between commits without a journal record; a failing one is rolled back alone", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      await store.commit([put(1)]);
      const entries = store.stats().journalEntries;
      const bytes = store.stats().journalBytes;
      // Queued behind a commit: runs after it, in order, on the same lane.
      const later = store.commit([put(2)]);
      const seen = await store.maintain((db) => {
        db.run("UPDATE t SET v = 'derived' WHERE n = 1");
        return rows(db);
      });
      await later;
      assert.deepEqual(seen, [1, 2], "ran after the commit queued before it");
      assert.equal(store.stats().journalEntries, entries + 1, "only the commit was journaled");
      assert.ok(store.stats().journalBytes > bytes);
      await assert.rejects(
        store.maintain((db) => {
          db.run("UPDATE t SET v = 'half' WHERE n = 2");
          throw new Error("no");
        }),
        /no/,
      );
      assert.deepEqual(store.db.exec("SELECT v FROM t ORDER BY n")[0]?.values, [["derived"], ["v2"]], "the failed one left nothing");
      assert.equal(await store.commit([put(3)]), 3, "commits go on");
      // Not journaled, but in the next snapshot (memory differs from the file: the close snapshots it).
      await store.close();
      const again = await openDurable(await storeOptions(dir));
      assert.deepEqual(again.db.exec("SELECT v FROM t WHERE n = 1")[0]?.values, [["derived"]]);
      await again.close();
      await assert.rejects(again.maintain(() => 1), StoreClosedError);
    } finally {
      cleanup(dir);
    }
  });

  test("group commit: 64 concurrent commits share far fewer than 64 fsyncs", async () => {
    const dir = tempDir();
    try {
      const io = instrumentedFs();
      const store = await openDurable(await storeOptions(dir, { fs: io.fs }));
      const before = io.calls.fsync ?? 0;
      const seqs = await Promise.all(range(1, 64).map((n) => store.commit([put(n)])));
      const fsyncs = (io.calls.fsync ?? 0) - before;
      assert.deepEqual([...seqs].sort((a, b) => a - b), range(1, 64), "every batch has its own seq");
      assert.ok(fsyncs < 64, `expected fewer fsyncs than commits, got ${fsyncs}`);
      assert.ok(fsyncs <= 2, `commits issued in one turn form one group (fsyncs: ${fsyncs})`);
      assert.deepEqual(rows(store.db), range(1, 64));
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("commits arriving while an fsync is in flight are written together in the next group", async () => {
    const dir = tempDir();
    try {
      const io = instrumentedFs();
      let release!: () => void;
      let reached!: () => void;
      let held = false;
      const gate = new Promise<void>((r) => (release = r));
      const inFsync = new Promise<void>((r) => (reached = r));
      const inner = io.fs.fsync;
      const store = await openDurable(await storeOptions(dir, {
        fs: {
          ...io.fs,
          async fsync(f) {
            // Hold the first journal fsync until the test has queued more commits.
            if (!held && argPath(f).endsWith("store.journal")) {
              held = true;
              reached();
              await gate;
            }
            return inner(f);
          },
        },
      }));
      const first = store.commit([put(1)]);
      await inFsync; // the first group is now waiting in its fsync
      const writesBefore = io.calls.write ?? 0;
      const later = range(2, 21).map((n) => store.commit([put(n)]));
      release();
      await Promise.all([first, ...later]);
      assert.equal((io.calls.write ?? 0) - writesBefore, 1, "the 20 queued batches went out in one write");
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a batch whose apply throws is rejected alone and never reaches the journal", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      const results = await Promise.allSettled([
        store.commit([put(1)]),
        store.commit([put(2), { op: "boom" }]),
        store.commit([put(3)]),
      ]);
      assert.equal(results[0]!.status, "fulfilled");
      assert.equal(results[1]!.status, "rejected");
      assert.match(String((results[1] as PromiseRejectedResult).reason), /boom/);
      assert.equal(results[2]!.status, "fulfilled");
      assert.deepEqual(rows(store.db), [1, 3], "the half-applied row 2 was rolled back");
      assert.equal(store.stats().journalEntries, 2);
      assert.deepEqual(
        [(results[0] as PromiseFulfilledResult<number>).value, (results[2] as PromiseFulfilledResult<number>).value],
        [1, 2],
        "seqs stay gapless",
      );
      const image = crashImage(dir);
      await store.close();
      const again = await openDurable(await storeOptions(image));
      assert.deepEqual(rows(again.db), [1, 3]);
      await again.close();
      cleanup(image);
    } finally {
      cleanup(dir);
    }
  });

  test("ops are applied as the journal will replay them: bytes arrive as Uint8Array", async () => {
    const dir = tempDir();
    try {
      const seen: unknown[] = [];
      const opts = await storeOptions(dir);
      const store = await openDurable<TOp>({
        ...opts,
        apply(db, ops) {
          for (const o of ops) if (o.op === "put") seen.push(o.b);
          opts.apply(db, ops);
        },
      });
      await store.commit([{ op: "put", n: 1, b: new Uint8Array([1, 2, 3]) }]);
      assert.ok(seen[0] instanceof Uint8Array);
      const image = crashImage(dir);
      await store.close();
      const again = await openDurable(await storeOptions(image));
      const b = again.db.exec("SELECT b FROM t WHERE n = 1")[0]!.values[0]![0] as Uint8Array;
      assert.deepEqual([...b], [1, 2, 3]);
      await again.close();
      cleanup(image);
    } finally {
      cleanup(dir);
    }
  });

  test("an empty commit waits for earlier batches and returns the last seq", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      const a = store.commit([put(1)]);
      const b = store.commit([]);
      assert.equal(await b, 1);
      assert.equal(await a, 1);
      assert.equal(store.stats().journalEntries, 1);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a batch the codec cannot encode is refused at once", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      await assert.rejects(store.commit([{ op: "put", n: NaN }]), TypeError);
      assert.equal(store.stats().lastSeq, 0);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("replay after a crash without any snapshot restores every acknowledged batch", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      for (let i = 1; i <= 30; i++) await store.commit([put(i), { op: "del", n: i - 1 }]);
      const image = crashImage(dir);
      assert.equal(statSync(join(image, "store.sqlite"), { throwIfNoEntry: false }), undefined, "no snapshot was ever written");
      await store.close();
      const again = await openDurable(await storeOptions(image));
      assert.deepEqual(rows(again.db), [30]);
      assert.equal(again.stats().lastSeq, 30);
      assert.equal(await again.commit([put(31)]), 31, "seqs continue after replay");
      await again.close();
      cleanup(image);
    } finally {
      cleanup(dir);
    }
  });

  test("snapshot then journal cut, more commits, reopen: all present and the snapshot holds its seq", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      for (let i = 1; i <= 10; i++) await store.commit([put(i)]);
      await store.snapshot();
      let s = store.stats();
      assert.equal(s.snapshotSeq, 10);
      assert.equal(s.journalEntries, 0);
      assert.equal(s.journalBytes, 0);
      assert.ok(s.snapshotBytes > 0);
      assert.equal(s.snapshotAt !== null, true);
      for (let i = 11; i <= 15; i++) await store.commit([put(i)]);
      s = store.stats();
      assert.equal(s.journalEntries, 5);
      const image = crashImage(dir);
      const snap = await openSnapshot(await loadSql(), new Uint8Array(readFileSync(join(image, "store.sqlite"))));
      assert.equal(snap.checksum, true, "written with its checksum");
      assert.equal(snap.seq, 10);
      assert.deepEqual(rows(snap.db), range(1, 10));
      snap.db.close();
      await store.close();
      const again = await openDurable(await storeOptions(image));
      assert.deepEqual(rows(again.db), range(1, 15));
      assert.equal(again.stats().snapshotSeq, 10);
      assert.equal(again.stats().lastSeq, 15);
      await again.close();
      cleanup(image);
    } finally {
      cleanup(dir);
    }
  });

  test("a snapshot taken during a storm of commits holds exactly the batches up to its seq", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      const commits: Promise<number>[] = [];
      for (let i = 1; i <= 200; i++) {
        commits.push(store.commit([put(i)]));
        if (i === 50 || i === 120) commits.push(store.snapshot().then(() => 0));
      }
      await Promise.all(commits);
      const image = crashImage(dir);
      const snap = await openSnapshot(await loadSql(), new Uint8Array(readFileSync(join(image, "store.sqlite"))));
      assert.ok(snap.seq >= 1);
      assert.deepEqual(rows(snap.db), range(1, snap.seq), "image and recorded seq agree");
      snap.db.close();
      await store.close();
      const again = await openDurable(await storeOptions(image));
      assert.deepEqual(rows(again.db), range(1, 200));
      await again.close();
      cleanup(image);
    } finally {
      cleanup(dir);
    }
  });

  test("close() writes a final snapshot and empties the journal; reopening needs no replay", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      for (let i = 1; i <= 5; i++) await store.commit([put(i)]);
      await store.close();
      assert.equal(statSync(join(dir, "store.journal")).size, 0);
      assert.equal(statSync(join(dir, "store.lock"), { throwIfNoEntry: false }), undefined, "lock released");
      const io = instrumentedFs();
      const again = await openDurable(await storeOptions(dir, { fs: io.fs }));
      assert.deepEqual(rows(again.db), range(1, 5));
      assert.equal(again.stats().snapshotSeq, 5);
      assert.equal(again.stats().journalEntries, 0);
      await again.close();
      assert.equal(io.calls.rename ?? 0, 0, "nothing changed: no new snapshot at close");
      await again.close(); // idempotent
      await assert.rejects(again.commit([put(9)]), StoreClosedError);
    } finally {
      cleanup(dir);
    }
  });

  test("a transaction left open on db by a reader makes commits fail clearly, and they work once it is closed", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      store.db.exec("BEGIN");
      await assert.rejects(store.commit([put(1)]), /a transaction is already open on the store's db/);
      store.db.exec("ROLLBACK");
      assert.equal(await store.commit([put(2)]), 1);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("an apply that ends the engine's transaction itself stops the store (memory can no longer be trusted)", async () => {
    const dir = tempDir();
    try {
      const opts = await storeOptions(dir);
      const store = await openDurable<TOp>({
        ...opts,
        apply(db, ops) {
          opts.apply(db, ops);
          if (ops.some((o) => o.op === "put" && o.n === 2)) db.exec("COMMIT");
        },
      });
      await store.commit([put(1)]);
      await assert.rejects(store.commit([put(2)]), (e: Error) => e.name !== "StoreFailedError");
      await assert.rejects(store.commit([put(3)]), StoreFailedError);
      await store.close();
      const again = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(again.db), [1], "only the acknowledged batch");
      await again.close();
    } finally {
      cleanup(dir);
    }
  });

  test("prepared statements keep working across a snapshot (sql.js 1.16 export keeps them)", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      await store.commit([put(1)]);
      const stmt = store.db.prepare("SELECT count(*) FROM t");
      await store.snapshot();
      await store.commit([put(2)]);
      stmt.step();
      assert.equal(stmt.get()[0], 2);
      stmt.free();
      await store.close();
    } finally {
      cleanup(dir);
    }
  });
});

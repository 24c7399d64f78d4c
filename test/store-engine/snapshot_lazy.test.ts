import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openDurable, StoreCorruptError, StoreFailedError } from "../../src/store/sqljs/durable.ts";
import { openSnapshot, pagesOf } from "../../src/store/sqljs/snapshot.ts";
import { createChunkedChecksum, parseTrailer, snapshotTrailer, TRAILER_BYTES } from "../../src/store/sqljs/snapshot_checksum.ts";
import { lazySnapshot, shareOf, SnapshotDamagedError } from "../../src/store/sqljs/snapshot_lazy.ts";
import { CHUNK } from "../../src/store/sqljs/image_pages.ts";
import { prefetchSnapshot, releaseSnapshotFill } from "../../src/store/sqljs/snapshot_prefetch.ts";
import { nodeFs } from "../../src/runtime/fs.ts";
import { cleanup, crashImage, imageOf, loadSql, range, rows, storeOptions, tempDir } from "./helpers.ts";

const ROWS = 600;
const text = (n: number) => `row ${n} `.repeat(120); // ~1 KB a row: the image spans ~10 chunks of 64 KiB

/** A closed store of ROWS rows (a format-2 snapshot): its snapshot's path and bytes. */
async function bigStore(dir: string): Promise<{ spath: string; good: Uint8Array }> {
  const store = await openDurable(await storeOptions(dir));
  for (let from = 1; from <= ROWS; from += 100) {
    await store.commit(range(from, from + 99).map((n) => ({ op: "put" as const, n, v: text(n) })));
  }
  await store.close();
  const spath = join(dir, "store.sqlite");
  return { spath, good: new Uint8Array(readFileSync(spath)) };
}

/** Where `row n`'s text starts in the file. */
function rowAt(file: Uint8Array, n: number): number {
  const needle = new TextEncoder().encode(`row ${n} row ${n} `);
  outer: for (let i = 0; i + needle.length <= file.length; i++) {
    for (let j = 0; j < needle.length; j++) if (file[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error(`row ${n} not found`);
}

/** Writes the snapshot at `spath` again with chunks of 2^log2 bytes (as an earlier version wrote them); returns the file. */
function rechunk(spath: string, log2: number): Uint8Array {
  const file = new Uint8Array(readFileSync(spath));
  const { imageLength } = parseTrailer(file.subarray(file.length - TRAILER_BYTES), file.length)!;
  const sum = createChunkedChecksum(imageLength, log2);
  sum.update(file.subarray(0, imageLength));
  const suffix = sum.suffix();
  const out = new Uint8Array(imageLength + suffix.length);
  out.set(file.subarray(0, imageLength));
  out.set(suffix, imageLength);
  writeFileSync(spath, out);
  return out;
}

const everything = (db: { exec(sql: string): Array<{ values: unknown[][] }> }) => db.exec("SELECT n, v FROM t ORDER BY n")[0]?.values;
const aside = (dir: string) => readdirSync(dir).filter((f) => f.startsWith("store.sqlite.corrupt-")).map((f) => join(dir, f));

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
}

describe("snapshot read on demand (format 2, snapshot_lazy.ts)", () => {
  test("a store opened before its snapshot is read answers exactly as one read whole", async () => {
    const dir = tempDir();
    try {
      const { spath } = await bigStore(dir);
      const full = await openDurable(await storeOptions(dir));
      const expected = everything(full.db);
      await full.close();
      assert.equal(expected?.length, ROWS);
      prefetchSnapshot(nodeFs, spath, { lazyFrom: 0 });
      const lazy = await openDurable(await storeOptions(dir));
      assert.deepEqual(lazy.db.exec("SELECT v FROM t WHERE n = 7")[0]?.values, [[text(7)]], "a first query");
      assert.deepEqual(everything(lazy.db), expected);
      await lazy.close();
    } finally {
      cleanup(dir);
    }
  });

  test("without the worker: only the chunks a query reads are read; a damaged one fails that query, never served", async () => {
    const dir = tempDir();
    try {
      const { spath, good } = await bigStore(dir);
      const bad = good.slice();
      bad[rowAt(good, 500) + 2]! ^= 0x20;
      writeFileSync(spath, bad);
      const share = shareOf(spath);
      assert.ok(share !== null, "a format-2 file");
      const lazy = lazySnapshot(share, { checkAtOpen: false }); // no worker checks it: every chunk is read on demand
      const { db } = await openSnapshot(await loadSql(), new Uint8Array(0), { kind: "lazy", lazy });
      const pages = pagesOf(db)!;
      const heard: string[] = [];
      pages.onDamage((r) => heard.push(r));
      assert.deepEqual(db.exec("SELECT v FROM t WHERE n = 3")[0]?.values, [[text(3)]]);
      assert.equal(pages.damage, null, "the damaged chunk was not read");
      assert.throws(() => db.exec("SELECT v FROM t WHERE n = 500"), (e: unknown) => e instanceof SnapshotDamagedError && /checksum mismatch/.test(e.message));
      assert.match(pages.damage ?? "", /checksum mismatch.*\(bytes \d+-\d+ of the image\)/);
      assert.throws(() => db.exec("SELECT v FROM t WHERE n = 3"), SnapshotDamagedError, "nothing more is served");
      await Promise.resolve();
      assert.equal(heard.length, 1, "the listener heard it once");
      try {
        db.close();
      } catch {
        // a read of damaged bytes may leave it unusable
      }
    } finally {
      cleanup(dir);
    }
  });

  test("a snapshot with 64 KiB chunks (written before) is read on demand as it is; damage in it is found; the next snapshot has 4 KiB chunks", async () => {
    const dir = tempDir();
    try {
      const { spath } = await bigStore(dir);
      const full = await openDurable(await storeOptions(dir));
      const expected = everything(full.db);
      await full.close();
      const old = rechunk(spath, 16);
      const opened = async () => {
        const share = shareOf(spath);
        assert.equal(share?.log2, 16, "opened by its chunk table, not read whole");
        const lazy = lazySnapshot(share!, { checkAtOpen: false });
        return (await openSnapshot(await loadSql(), new Uint8Array(0), { kind: "lazy", lazy })).db;
      };
      const db = await opened();
      assert.deepEqual(everything(db), expected);
      const pages = pagesOf(db)!;
      assert.ok(pages.counts.sourceReads <= Math.ceil(pages.length / 65536), `each 64 KiB read once (${pages.counts.sourceReads} reads)`);
      db.close();

      const bad = old.slice();
      bad[rowAt(old, 500) + 2]! ^= 0x20;
      writeFileSync(spath, bad);
      const damaged = await opened();
      assert.deepEqual(damaged.exec("SELECT v FROM t WHERE n = 3")[0]?.values, [[text(3)]]);
      assert.throws(() => damaged.exec("SELECT v FROM t WHERE n = 500"), SnapshotDamagedError);
      const [, from, to] = /\(bytes (\d+)-(\d+) of the image\)/.exec(pagesOf(damaged)!.damage ?? "") ?? [];
      assert.equal(Number(to) - Number(from) + 1, 65536, "named by its 64 KiB unit");
      try {
        damaged.close();
      } catch {
        // a read of damaged bytes may leave it unusable
      }

      writeFileSync(spath, old);
      const store = await openDurable(await storeOptions(dir));
      await store.commit([{ op: "put", n: ROWS + 1, v: text(ROWS + 1) }]);
      await store.snapshot();
      const file = new Uint8Array(readFileSync(spath));
      assert.equal(parseTrailer(file.subarray(file.length - TRAILER_BYTES), file.length)?.chunks?.log2, 12, "the next snapshot: 4 KiB chunks");
      assert.deepEqual(everything(store.db), [...expected!, [ROWS + 1, text(ROWS + 1)]]);
      await store.close();
      const again = await openDurable(await storeOptions(dir));
      assert.deepEqual(everything(again.db), [...expected!, [ROWS + 1, text(ROWS + 1)]]);
      await again.close();
    } finally {
      cleanup(dir);
    }
  });

  test("damage in the chunk the open reads: StoreCorruptError at open, the file kept aside unchanged", async () => {
    const dir = tempDir();
    try {
      const { spath, good } = await bigStore(dir);
      const bad = good.slice();
      bad[200]! ^= 0x01; // page 1, the first chunk
      writeFileSync(spath, bad);
      prefetchSnapshot(nodeFs, spath, { lazyFrom: 0 });
      const err = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreCorruptError, String(err));
      assert.match(err.message, /checksum mismatch/);
      assert.deepEqual(new Uint8Array(readFileSync(err.keptAt[0]!)), bad, "kept aside unchanged");
      assert.ok(existsSync(join(dir, "store.recovery-needed")));
    } finally {
      cleanup(dir);
    }
  });

  test("damage in a chunk the open does not read: the store opens; the worker, once let go, finds it: file kept aside, writes refused", async () => {
    const dir = tempDir();
    try {
      const { spath, good } = await bigStore(dir);
      const bad = good.slice();
      bad[rowAt(good, 550) + 5]! ^= 0x20;
      writeFileSync(spath, bad);
      prefetchSnapshot(nodeFs, spath, { lazyFrom: 0, holdFillMs: 60_000 }); // the worker waits for the go
      const store = await openDurable(await storeOptions(dir));
      assert.deepEqual(store.db.exec("SELECT v FROM t WHERE n = 1")[0]?.values, [[text(1)]], "the first query is answered");
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(aside(dir).length, 0, "nothing found while the worker is held");
      releaseSnapshotFill();
      await until("the file is kept aside", () => aside(dir).length === 1);
      const err = await store.commit([{ op: "put", n: 9999, v: "x" }]).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreFailedError, String(err));
      assert.match(err.message, /damaged/);
      assert.throws(() => store.db.exec("SELECT v FROM t WHERE n = 550"), /damaged/);
      await store.close();
      assert.deepEqual(new Uint8Array(readFileSync(aside(dir)[0]!)), bad, "kept aside unchanged");
      assert.ok(!existsSync(spath), "never overwritten by a snapshot");
      assert.ok(existsSync(join(dir, "store.recovery-needed")));
      const again = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
      assert.ok(again instanceof StoreCorruptError, "the next start refuses until the user decides");
    } finally {
      cleanup(dir);
    }
  });

  test("older snapshots (format 1, bare image) still open with the early read; the next snapshot is format 2", async () => {
    const dir = tempDir();
    try {
      const { spath, good } = await bigStore(dir);
      const image = imageOf(good);
      const format1 = new Uint8Array(image.length + TRAILER_BYTES);
      format1.set(image);
      format1.set(snapshotTrailer(image), image.length);
      for (const old of [format1, image]) {
        writeFileSync(spath, old);
        assert.equal(parseTrailer(old.subarray(old.length - TRAILER_BYTES), old.length)?.chunks, undefined);
        prefetchSnapshot(nodeFs, spath, { lazyFrom: 0 });
        const store = await openDurable(await storeOptions(dir));
        assert.deepEqual(rows(store.db), range(1, ROWS));
        await store.commit([{ op: "put", n: ROWS + 1, v: "new" }]);
        await store.close();
        const now = new Uint8Array(readFileSync(spath));
        assert.ok(parseTrailer(now.subarray(now.length - TRAILER_BYTES), now.length)?.chunks, "rewritten in format 2");
        await openDurable(await storeOptions(dir)).then(async (s) => {
          await s.commit([{ op: "del", n: ROWS + 1 }]);
          await s.close();
        });
      }
    } finally {
      cleanup(dir);
    }
  });

  test("free pages in a snapshot taken while the store ran (then a crash): given back at open without reading it whole", async () => {
    const dir = tempDir();
    const copies: string[] = [];
    try {
      const puts = (from: number, to: number) => range(from, to).map((n) => ({ op: "put" as const, n, v: text(n) }));
      const first = await openDurable(await storeOptions(dir));
      await first.commit(puts(1, ROWS));
      await first.commit(range(1, 300).map((n) => ({ op: "del" as const, n })));
      await first.close();
      // This open converts the test store to incremental auto-vacuum, as the repository's stores are from the start.
      const store = await openDurable(await storeOptions(dir));
      assert.equal(Number(store.db.exec("PRAGMA auto_vacuum")[0]?.values[0]?.[0]), 2);
      await store.commit(puts(1, 300));
      await store.commit(range(1, 300).map((n) => ({ op: "del" as const, n })));
      await store.snapshot(); // a running store keeps its free pages (snapshot_compact.ts)
      copies.push(crashImage(dir), crashImage(dir));
      await store.close();
      const freePages = (db: { exec(sql: string): Array<{ values: unknown[][] }> }) => Number(db.exec("PRAGMA freelist_count")[0]?.values[0]?.[0]);

      // Damage in a chunk the first queries do not read: with the worker held, only a whole read at open could find it.
      const [damaged, clean] = copies as [string, string];
      const dpath = join(damaged, "store.sqlite");
      const good = new Uint8Array(readFileSync(dpath));
      const bad = good.slice();
      bad[rowAt(good, 550) + 5]! ^= 0x20;
      writeFileSync(dpath, bad);
      prefetchSnapshot(nodeFs, dpath, { lazyFrom: 0, holdFillMs: 60_000 });
      const opened = await openDurable(await storeOptions(damaged));
      assert.equal(freePages(opened.db), 0, "the free pages are given back at open");
      const reads = pagesOf(opened.db)!.counts.sourceReads;
      const chunks = Math.ceil(pagesOf(opened.db)!.length / CHUNK);
      assert.ok(reads < chunks, `not read whole for it (${reads} of ${chunks} chunks)`);
      assert.deepEqual(opened.db.exec("SELECT v FROM t WHERE n = 301")[0]?.values, [[text(301)]], "the first query is answered");
      releaseSnapshotFill();
      await until("the worker finds the damage", () => aside(damaged).length === 1);
      await opened.close();

      const cpath = join(clean, "store.sqlite");
      prefetchSnapshot(nodeFs, cpath, { lazyFrom: 0 });
      const lazy = await openDurable(await storeOptions(clean));
      assert.equal(freePages(lazy.db), 0);
      assert.deepEqual(rows(lazy.db), range(301, ROWS));
      await lazy.close();
      const full = await openDurable(await storeOptions(clean));
      assert.equal(freePages(full.db), 0, "given back in the snapshot at close");
      assert.deepEqual(rows(full.db), range(301, ROWS));
      await full.close();
    } finally {
      cleanup(dir, ...copies);
    }
  });

  test("a snapshot taken while the snapshot is still being read holds the whole image", async () => {
    const dir = tempDir();
    try {
      const { spath } = await bigStore(dir);
      prefetchSnapshot(nodeFs, spath, { lazyFrom: 0, holdFillMs: 60_000 }); // nothing filled before the snapshot
      const store = await openDurable(await storeOptions(dir));
      await store.commit([{ op: "put", n: ROWS + 1, v: "during the load" }, { op: "del", n: 2 }]);
      await store.snapshot(); // needs every chunk: those not read yet are read now
      const expected = everything(store.db);
      await store.close();
      const full = await openDurable(await storeOptions(dir));
      assert.deepEqual(everything(full.db), expected);
      assert.deepEqual(rows(full.db), [1, ...range(3, ROWS + 1)]);
      await full.close();
    } finally {
      cleanup(dir);
    }
  });
});

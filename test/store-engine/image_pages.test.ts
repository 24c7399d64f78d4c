/**
 * The database file in chunks with a bounded cache (image_pages.ts): evicted chunks read and
 * checked again, damage found on a re-read, writes pinned until a snapshot holds them, snapshots
 * taken while commits go on, a failed rename, the memory held, and the Windows rename order.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { openDurable, StoreFailedError } from "../../src/store/sqljs/durable.ts";
import { CHUNK, type ChunkSource, createPages, SnapshotDamagedError } from "../../src/store/sqljs/image_pages.ts";
import { captureImage, openSnapshot, pagesOf, stampSnapshotMeta, writeSnapshotFile } from "../../src/store/sqljs/snapshot.ts";
import { lazySnapshot, shareOf, type SyncFiles, syncFiles } from "../../src/store/sqljs/snapshot_lazy.ts";
import { nodeFs, type FsPort } from "../../src/runtime/fs.ts";
import { withStoreSetup } from "../../src/store/sqljs/repository.ts";
import { cleanup, crashImage, fsError, instrumentedFs, loadSql, range, rows, storeOptions, type TOp, tempDir } from "./helpers.ts";

const text = (n: number) => `row ${n} `.repeat(120); // ~1 KB a row
const puts = (from: number, to: number, v = text): TOp[] => range(from, to).map((n) => ({ op: "put", n, v: v(n) }));
const everything = (db: { exec(sql: string): Array<{ values: unknown[][] }> }) => db.exec("SELECT n, v FROM t ORDER BY n")[0]?.values;
const ROWS = 3000; // ~3.3 MB: ~50 chunks

/** A closed store of ROWS rows (a format-2 snapshot). */
async function bigStore(dir: string): Promise<string> {
  const store = await openDurable(await storeOptions(dir));
  for (let from = 1; from <= ROWS; from += 500) await store.commit(puts(from, from + 499));
  await store.close();
  return join(dir, "store.sqlite");
}

/** Flips one bit of the file at `at` in place (the same file the store holds open). */
function flipAt(path: string, at: number): void {
  const b = readFileSync(path).subarray(at, at + 1);
  b[0]! ^= 0x20;
  const fd = openSync(path, "r+");
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

/** Where `row n`'s text starts in the file. */
function rowAt(file: Uint8Array, n: number): number {
  const at = Buffer.from(file).indexOf(`row ${n} row ${n} `);
  assert.ok(at >= 0, `row ${n} found`);
  return at;
}

/** An in-memory source of `image` in checksum units of 2^log2 bytes (`bad` units fail their check). */
function memorySource(image: Uint8Array, bad = new Set<number>(), log2 = Math.log2(CHUNK)): ChunkSource & { reads: number } {
  return {
    length: image.length,
    log2,
    reads: 0,
    read(from, into) {
      this.reads++;
      assert.equal(from % 2 ** log2, 0, "reads start at a checksum unit");
      assert.ok(into.length % 2 ** log2 === 0 || from + into.length === image.length, "reads end at a checksum unit or the image's end");
      into.set(image.subarray(from, from + into.length));
      for (let u = from / 2 ** log2; u * 2 ** log2 < from + into.length; u++) if (bad.has(u)) return u;
      return -1;
    },
    close() {},
  };
}

describe("image pages (image_pages.ts)", () => {
  test("reads across chunks, eviction within the budget, re-reads, truncation, a frozen copy while writing", () => {
    const image = new Uint8Array(10 * CHUNK + 4096).map((_, i) => (i * 7 + (i >> 16)) & 0xff);
    const source = memorySource(image);
    const pages = createPages({ source, cacheBytes: 3 * CHUNK });
    for (let c = 0; c < 11; c++) assert.deepEqual(pages.read(c * CHUNK, c * CHUNK + 4096), image.subarray(c * CHUNK, c * CHUNK + 4096));
    assert.ok(pages.counts.cachedBytes <= 3 * CHUNK, `within the budget (${pages.counts.cachedBytes})`);
    assert.ok(pages.counts.evictions >= 8);
    assert.deepEqual(pages.read(CHUNK - 100, CHUNK + 100), image.subarray(CHUNK - 100, CHUNK + 100), "a read across two chunks");
    const before = source.reads;
    assert.deepEqual(pages.read(4 * CHUNK, 4 * CHUNK + 4096), image.subarray(4 * CHUNK, 4 * CHUNK + 4096), "an evicted chunk read again");
    assert.ok(source.reads > before);
    // Writes: pinned, never evicted; a freeze copies the old bytes while writes go on.
    const page = new Uint8Array(4096).fill(9);
    pages.write(page, 5 * CHUNK);
    assert.equal(pages.counts.pinnedBytes, CHUNK);
    const frozen = pages.freeze(pages.length)!;
    const out = new Uint8Array(pages.length);
    const piece = new Uint8Array(3 * CHUNK);
    out.set(frozen.copy(piece, 0), 0);
    pages.write(new Uint8Array(4096).fill(1), 6 * CHUNK); // not copied yet: its old bytes are saved
    pages.write(new Uint8Array(4096).fill(2), 11 * CHUNK); // past the frozen length
    for (let off = piece.length; off < frozen.length; off += piece.length) out.set(frozen.copy(piece, off), off);
    const expected = image.slice();
    expected.set(page, 5 * CHUNK);
    assert.deepEqual(out, expected, "the frozen image as it was at the freeze");
    frozen.release();
    assert.equal(pages.counts.savedBytes, 0);
    // Truncation drops the chunks past it; growing again shows zeros, not the file's old bytes.
    pages.truncate(2 * CHUNK + 4096);
    assert.equal(pages.length, 2 * CHUNK + 4096);
    pages.write(new Uint8Array(4096).fill(3), 4 * CHUNK);
    assert.deepEqual(pages.read(3 * CHUNK, 3 * CHUNK + 4096), new Uint8Array(4096), "zeros where the file was cut");
    assert.deepEqual(pages.read(2 * CHUNK + 4096, 2 * CHUNK + 8192), new Uint8Array(4096));
  });

  test("chunks let go at once give their memory back: the chunks in use move to new slabs, same bytes", () => {
    const n = 8192; // 32 MiB written: pinned until a snapshot holds them
    const pages = createPages({ cacheBytes: 256 * CHUNK });
    for (let c = 0; c < n; c++) pages.write(new Uint8Array(CHUNK).fill(c & 0xff), c * CHUNK);
    assert.ok(pages.counts.slabBytes >= n * CHUNK, `every written chunk has memory (${pages.counts.slabBytes})`);
    const frozen = pages.freeze(pages.length)!;
    const piece = new Uint8Array(1024 * 1024);
    for (let off = 0; off < frozen.length; off += piece.length) frozen.copy(piece, off);
    // The snapshot is in place: all clean, evicted down to the budget (a source reads them back).
    pages.swapSource(memorySource(new Uint8Array(n * CHUNK).map((_, i) => Math.floor(i / CHUNK) & 0xff)));
    frozen.durable();
    frozen.release();
    assert.equal(pages.counts.pinnedBytes, 0);
    assert.ok(pages.counts.cachedBytes <= 256 * CHUNK);
    assert.ok(
      pages.counts.slabBytes <= pages.counts.cachedBytes + 64 * CHUNK,
      `only the kept chunks' slabs are held (${pages.counts.slabBytes} bytes of slabs for ${pages.counts.cachedBytes} cached)`,
    );
    for (let c = 0; c < n; c += 97) assert.equal(pages.read(c * CHUNK + 5, c * CHUNK + 6)[0], c & 0xff, `chunk ${c} reads the same`);
  });

  test("reads in order read ahead in one call, never over a chunk in memory; what is read ahead is the file's bytes", () => {
    const image = new Uint8Array(40 * CHUNK).map((_, i) => (i * 13 + (i >> 12)) & 0xff);
    const source = memorySource(image);
    const pages = createPages({ source, cacheBytes: 64 * CHUNK });
    const written = new Uint8Array(CHUNK).fill(7);
    pages.write(written, 20 * CHUNK); // in memory, newer than the file (read once, as written over)
    const r0 = source.reads;
    pages.read(0, 16);
    assert.equal(source.reads, r0 + 1);
    pages.read(CHUNK, CHUNK + 16); // the next chunk: a run from it
    assert.equal(source.reads, r0 + 2);
    for (let c = 2; c < 17; c++) assert.deepEqual(pages.read(c * CHUNK, (c + 1) * CHUNK), image.subarray(c * CHUNK, (c + 1) * CHUNK), `chunk ${c}`);
    assert.equal(source.reads, r0 + 2, "chunks 2-16 came with chunk 1's read");
    pages.read(18 * CHUNK, 18 * CHUNK + 16); // not the next one: alone
    pages.read(19 * CHUNK, 19 * CHUNK + 16); // the next: a run that stops before chunk 20 (in memory)
    assert.equal(source.reads, r0 + 4);
    assert.deepEqual(pages.read(20 * CHUNK, 21 * CHUNK), written, "a chunk in memory is not read over");
    assert.deepEqual(pages.read(21 * CHUNK, 22 * CHUNK), image.subarray(21 * CHUNK, 22 * CHUNK));
    assert.equal(source.reads, r0 + 5);
  });

  test("a chunk that fails its checksum is never served, and nothing is after it", () => {
    const image = new Uint8Array(4 * CHUNK).fill(5);
    const pages = createPages({ source: memorySource(image, new Set([2])), cacheBytes: CHUNK });
    const heard: string[] = [];
    pages.onDamage((r) => heard.push(r));
    assert.deepEqual(pages.read(0, 16), new Uint8Array(16).fill(5));
    assert.throws(() => pages.read(2 * CHUNK, 2 * CHUNK + 16), SnapshotDamagedError);
    assert.throws(() => pages.read(0, 16), SnapshotDamagedError, "nothing more is served");
    assert.match(pages.damage ?? "", /checksum mismatch/);
  });

  test("a file checked in 64 KiB units (written before): a unit is read and checked whole once, its chunks kept; copies and cuts read whole units", () => {
    const unit = 65536;
    const image = new Uint8Array(3 * unit + 8192).map((_, i) => (i * 13 + (i >> 12)) & 0xff);
    const source = memorySource(image, new Set(), 16); // it fails any read that does not start and end at units
    const pages = createPages({ source, cacheBytes: 64 * CHUNK });
    const at = (c: number) => image.subarray(c * CHUNK, (c + 1) * CHUNK);
    assert.deepEqual(pages.read(21 * CHUNK, 22 * CHUNK), at(21));
    assert.equal(source.reads, 1);
    for (let c = 16; c < 32; c++) assert.deepEqual(pages.read(c * CHUNK, (c + 1) * CHUNK), at(c), `chunk ${c}`);
    assert.equal(source.reads, 1, "the unit's other chunks were kept");
    assert.deepEqual(pages.read(3 * unit + 4096, 3 * unit + 8192), image.subarray(3 * unit + 4096), "the last unit, shorter");
    assert.equal(source.reads, 2);
    // A snapshot's copy: chunks not in memory from the file, in whole units.
    pages.budget = 4 * CHUNK;
    pages.write(new Uint8Array(100).fill(7), 40 * CHUNK + 10);
    const frozen = pages.freeze(pages.length)!;
    const out = new Uint8Array(pages.length);
    const piece = new Uint8Array(3 * CHUNK);
    for (let off = 0; off < frozen.length; off += piece.length) out.set(frozen.copy(piece, off), off);
    frozen.release();
    const expected = image.slice();
    expected.fill(7, 40 * CHUNK + 10, 40 * CHUNK + 110);
    assert.deepEqual(out, expected);
    // Cut inside a unit: the unit is still read whole (its checksum covers all of it), zeros past the cut.
    pages.truncate(unit + 5 * CHUNK);
    pages.budget = 0;
    assert.deepEqual(pages.read(unit + 4 * CHUNK, unit + 5 * CHUNK), at(20));
    pages.write(new Uint8Array(4096).fill(1), 2 * unit);
    assert.deepEqual(pages.read(unit + 5 * CHUNK, unit + 6 * CHUNK), new Uint8Array(CHUNK), "zeros where the file was cut");
    // A damaged unit: never served, named by its bytes.
    const bad = createPages({ source: memorySource(image, new Set([2]), 16) });
    assert.deepEqual(pages.read(0, 16), image.subarray(0, 16));
    assert.throws(() => bad.read(2 * unit + 5 * CHUNK, 2 * unit + 5 * CHUNK + 16), SnapshotDamagedError);
    assert.match(bad.damage ?? "", /\(bytes 131072-196607 of the image\)/);
  });

  test("evicted chunks read again give identical query results", async () => {
    const dir = tempDir();
    try {
      await bigStore(dir);
      const whole = await openDurable(await storeOptions(dir));
      const expected = everything(whole.db);
      const some = whole.db.exec("SELECT count(*), sum(length(v)) FROM t WHERE n % 7 = 3")[0]?.values;
      await whole.close();
      const store = await openDurable(await storeOptions(dir, { cacheBytes: 4 * CHUNK }));
      const pages = pagesOf(store.db)!;
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(everything(store.db), expected);
        assert.deepEqual(store.db.exec("SELECT count(*), sum(length(v)) FROM t WHERE n % 7 = 3")[0]?.values, some);
      }
      assert.ok(pages.counts.evictions > 50, `chunks were evicted (${pages.counts.evictions}) and read again`);
      assert.ok(pages.counts.cachedBytes <= 4 * CHUNK, `the cache stays within its budget (${pages.counts.cachedBytes})`);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a flipped byte in an evicted chunk is found when it is read again: not served, writes stop, the file kept aside", async () => {
    const dir = tempDir();
    try {
      const spath = await bigStore(dir);
      const store = await openDurable(await storeOptions(dir, { cacheBytes: 2 * CHUNK }));
      const pages = pagesOf(store.db)!;
      store.db.exec("PRAGMA cache_size = 10"); // SQLite's own page cache (checked bytes too) must not keep the page
      assert.deepEqual(store.db.exec("SELECT v FROM t WHERE n = 2500")[0]?.values, [[text(2500)]], "read and checked once");
      assert.equal(pages.damage, null);
      for (let n = 1; n < 2000; n += 50) store.db.exec(`SELECT v FROM t WHERE n = ${n}`); // its chunk is evicted
      const good = new Uint8Array(readFileSync(spath));
      flipAt(spath, rowAt(good, 2500) + 3);
      assert.throws(() => store.db.exec("SELECT v FROM t WHERE n = 2500"), SnapshotDamagedError, "not served from the damaged bytes");
      await new Promise((r) => setTimeout(r, 100));
      const aside = readdirSync(dir).filter((f) => f.startsWith("store.sqlite.corrupt-"));
      assert.equal(aside.length, 1, "the file is kept aside");
      assert.ok(existsSync(join(dir, "store.recovery-needed")));
      const err = await store.commit(puts(9000, 9000)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreFailedError, String(err));
      await store.close();
      assert.ok(!existsSync(spath), "never overwritten by a snapshot");
    } finally {
      cleanup(dir);
    }
  });

  test("written chunks are pinned until a snapshot holding them is in place, then evictable; later writes stay pinned", async () => {
    const dir = tempDir();
    try {
      await bigStore(dir);
      let gate: (() => void) | null = null;
      let renames = 0;
      const fs: FsPort = {
        ...nodeFs,
        async rename(from, to) {
          if (from.includes(".sqlite.tmp") && renames++ === 0) await new Promise<void>((r) => (gate = r));
          return nodeFs.rename(from, to);
        },
      };
      const budget = 2 * CHUNK;
      const store = await openDurable(await storeOptions(dir, { fs, cacheBytes: budget }));
      const pages = pagesOf(store.db)!;
      await store.commit(puts(1, ROWS, (n) => `new ${n} `.repeat(100)));
      const written = pages.counts.pinnedBytes;
      assert.ok(written > 20 * CHUNK, `rewritten chunks are pinned (${written} bytes)`);
      const snap = store.snapshot();
      while (gate === null) await new Promise((r) => setTimeout(r, 1));
      // (The snapshot's stamp of its seq wrote a page or two more.)
      assert.ok(pages.counts.pinnedBytes >= written, `still pinned while the snapshot is not in place (${pages.counts.pinnedBytes} of ${written})`);
      await store.commit(puts(ROWS + 1, ROWS + 10)); // written after the freeze
      (gate as unknown as () => void)();
      await snap;
      assert.ok(pages.counts.pinnedBytes > 0 && pages.counts.pinnedBytes <= 8 * CHUNK, `only the later writes (10 rows: a few pages) stay pinned (${pages.counts.pinnedBytes})`);
      assert.ok(pages.counts.cachedBytes <= budget, `the rest became clean and was evicted down to the budget (${pages.counts.cachedBytes})`);
      assert.deepEqual(rows(store.db), range(1, ROWS + 10), "read back from the new file");
      assert.equal(store.db.exec("SELECT v FROM t WHERE n = 77")[0]?.values[0]?.[0], `new 77 `.repeat(100));
      await store.snapshot();
      assert.equal(pages.counts.pinnedBytes, 0, "clean after the next snapshot");
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a snapshot written while commits go on, with most chunks evicted, equals the database", async () => {
    const dir = tempDir();
    try {
      await bigStore(dir);
      const grow = await openDurable(await storeOptions(dir)); // over 8 MiB: written in several pieces, the first held at a gate
      for (let from = ROWS + 1; from <= 3 * ROWS; from += 500) await grow.commit(puts(from, from + 499));
      await grow.close();
      let gate: (() => void) | null = null;
      let writes = 0;
      const fs: FsPort = {
        ...nodeFs,
        async write(f, data, position) {
          if (f.path.includes(".sqlite.tmp") && writes++ === 0) await new Promise<void>((r) => (gate = r));
          return nodeFs.write(f, data, position);
        },
      };
      const store = await openDurable(await storeOptions(dir, { fs, cacheBytes: CHUNK, snapshotEveryBytes: 1 << 30 }));
      await store.commit(puts(1, 100, (n) => `first ${n}`));
      const snap = store.snapshot();
      while (gate === null) await new Promise((r) => setTimeout(r, 1));
      const atFreeze = everything(store.db);
      for (let from = 1; from <= 3 * ROWS; from += 500) await store.commit(puts(from, from + 499, (n) => `during ${n} `.repeat(50)));
      await store.commit(range(1, 50).map((n) => ({ op: "del", n })));
      (gate as unknown as () => void)();
      await snap;
      const expected = everything(store.db);
      // The file written holds exactly the image at the freeze.
      const copy = crashImage(dir);
      try {
        const sql = await loadSql();
        const share = shareOf(join(copy, "store.sqlite"))!;
        const { db } = await openSnapshot(sql, new Uint8Array(0), { kind: "lazy", lazy: lazySnapshot(share, { checkAtOpen: true }) });
        assert.deepEqual(everything(db), atFreeze, "the snapshot is the database as it was frozen");
        assert.equal(db.exec("PRAGMA integrity_check")[0]!.values[0]![0], "ok");
        db.close();
      } finally {
        cleanup(copy);
      }
      await store.close();
      const again = await openDurable(await storeOptions(dir));
      assert.deepEqual(everything(again.db), expected);
      await again.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a crash between the snapshot write and its rename loses nothing; a failed rename reads from the old file again", async () => {
    const dir = tempDir();
    try {
      await bigStore(dir);
      const { fs, faults } = instrumentedFs();
      const store = await openDurable(await storeOptions(dir, { fs, cacheBytes: CHUNK }));
      await store.commit(puts(1, 1000, (n) => `changed ${n}`));
      faults.rename = (args) => (String(args[0]).includes(".sqlite.tmp") ? fsError("EIO", "rename") : undefined);
      await assert.rejects(store.snapshot(), /EIO/);
      const crashed = crashImage(dir); // what a crash right after the failed rename leaves
      delete faults.rename;
      const expected = everything(store.db);
      assert.equal(expected?.length, ROWS);
      await store.commit(puts(ROWS + 1, ROWS + 5));
      assert.deepEqual(rows(store.db), range(1, ROWS + 5), "evicted chunks read from the old file again");
      await store.close();
      try {
        const again = await openDurable(await storeOptions(crashed));
        assert.deepEqual(everything(again.db), expected, "the journal gives back what the snapshot did not");
        await again.close();
      } finally {
        cleanup(crashed);
      }
      const last = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(last.db), range(1, ROWS + 5));
      await last.close();
    } finally {
      cleanup(dir);
    }
  });

  test("the memory held stays bounded while a new store grows through its snapshots", async () => {
    const dir = tempDir();
    try {
      const budget = 4 * CHUNK;
      const sql = withStoreSetup(await loadSql()); // a new store's file is tracked from the start
      const store = await openDurable(await storeOptions(dir, { sql, cacheBytes: budget, snapshotEveryBytes: 512 * 1024 }));
      const pages = pagesOf(store.db)!;
      let peak = 0;
      for (let from = 1; from <= 6000; from += 250) {
        await store.commit(puts(from, from + 249));
        peak = Math.max(peak, pages.counts.cachedBytes);
        await new Promise((r) => setTimeout(r, 0)); // lets the background snapshot run
      }
      await store.snapshot();
      const held = pages.counts.cachedBytes + pages.counts.pinnedBytes;
      assert.ok(pages.length > 40 * budget / 4, `the file grew (${pages.length} bytes)`);
      assert.ok(peak <= budget, `the cache never went over its budget (${peak})`);
      assert.ok(held <= budget, `after a snapshot, the store holds its budget at most (${held} of a ${pages.length}-byte file)`);
      assert.deepEqual(rows(store.db), range(1, 6000));
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("the new file is opened and the old one closed before the rename (a file held open cannot be renamed over on Windows)", async () => {
    const dir = tempDir();
    try {
      const spath = await bigStore(dir);
      // Files as Windows treats them: the target of a rename must not be open.
      const open = new Map<number, string>();
      const files: SyncFiles = {
        open(path) {
          const fd = syncFiles.open(path);
          open.set(fd, path);
          return fd;
        },
        read: syncFiles.read,
        size: syncFiles.size,
        close(fd) {
          open.delete(fd);
          syncFiles.close(fd);
        },
      };
      const isOpen = (path: string) => [...open.values()].includes(path);
      const fs: FsPort = {
        ...nodeFs,
        async rename(from, to) {
          if (isOpen(to)) throw Object.assign(new Error(`EPERM: ${to} is open`), { code: "EPERM" });
          await nodeFs.rename(from, to);
          for (const [fd, p] of open) if (p === from) open.set(fd, to);
        },
      };
      const sql = await loadSql();
      const lazy = lazySnapshot(shareOf(spath, files)!, { checkAtOpen: false, files });
      const { db } = await openSnapshot(sql, new Uint8Array(0), { kind: "lazy", lazy });
      const pages = pagesOf(db)!;
      pages.budget = 0; // every clean chunk is read from the file
      db.run("UPDATE t SET v = 'x' WHERE n = 5");
      assert.ok(isOpen(spath));
      const source = captureImage(db, () => stampSnapshotMeta(db, 1, 1));
      try {
        await writeSnapshotFile({ fs, dir, path: spath, tempPath: `${spath}.tmp-test`, sleep: async () => {}, files }, source);
      } finally {
        source.release();
      }
      assert.deepEqual([...open.values()], [spath], "only the new file is open, under its new name");
      const reads = pages.counts.sourceReads;
      assert.equal(db.exec("SELECT count(*) FROM t WHERE v = 'x'")[0]?.values[0]?.[0], 1);
      assert.equal(db.exec("SELECT count(*) FROM t")[0]?.values[0]?.[0], ROWS);
      assert.ok(pages.counts.sourceReads > reads, "read from the new file");
      db.close();
      assert.equal(open.size, 0, "closed with the database");
    } finally {
      cleanup(dir);
    }
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { FsPort } from "../../src/runtime/fs.ts";
import { openDurable, StoreCorruptError, StoreFailedError } from "../../src/store/sqljs/durable.ts";
import {
  argPath,
  cleanup,
  crashImage,
  fsError,
  instrumentedFs,
  manualClock,
  range,
  rows,
  storeOptions,
  type TOp,
  tempDir,
  waitUntil,
} from "./helpers.ts";

const put = (n: number): TOp => ({ op: "put", n, v: `v${n}` });
const isSnapshotTemp = (a: unknown) => argPath(a).includes("store.sqlite.tmp-");
const isJournal = (a: unknown) => argPath(a).endsWith("store.journal");

describe("durable store: faults", () => {
  test("a failed snapshot (ENOSPC) keeps the previous snapshot and the journal, reports it, and a later one succeeds", async () => {
    const dir = tempDir();
    try {
      const io = instrumentedFs();
      const store = await openDurable(await storeOptions(dir, { fs: io.fs }));
      for (const n of range(1, 5)) await store.commit([put(n)]);
      await store.snapshot();
      const previous = readFileSync(join(dir, "store.sqlite"));
      for (const n of range(6, 10)) await store.commit([put(n)]);

      io.faults.write = (args) => (isSnapshotTemp(args[0]) ? fsError("ENOSPC") : undefined);
      await assert.rejects(store.snapshot(), /ENOSPC/);
      let s = store.stats();
      assert.match(s.lastError ?? "", /Snapshot failed: .*ENOSPC/);
      assert.equal(s.snapshotSeq, 5);
      assert.equal(s.journalEntries, 5, "journal untouched");
      assert.deepEqual(readFileSync(join(dir, "store.sqlite")), previous, "previous snapshot byte-identical");
      assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), [], "temp file removed");
      assert.equal(await store.commit([put(11)]), 11, "writes go on while snapshots fail");

      const image = crashImage(dir);
      const fromImage = await openDurable(await storeOptions(image));
      assert.deepEqual(rows(fromImage.db), range(1, 11), "old snapshot + journal = everything");
      await fromImage.close();
      cleanup(image);

      delete io.faults.write;
      await store.snapshot();
      s = store.stats();
      assert.equal(s.lastError, null);
      assert.equal(s.snapshotSeq, 11);
      assert.equal(s.journalEntries, 0);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a background snapshot that fails is retried after a backoff and then succeeds", async () => {
    const dir = tempDir();
    try {
      const io = instrumentedFs();
      const clock = manualClock();
      const warnings: string[] = [];
      const store = await openDurable(await storeOptions(dir, {
        fs: io.fs,
        clock,
        snapshotEveryBytes: 1, // every group triggers one
        onWarning: (m) => warnings.push(m),
      }));
      io.faults.fsync = (args) => (isSnapshotTemp(args[0]) ? fsError("ENOSPC", "fsync") : undefined);
      await store.commit([put(1)]);
      await waitUntil(() => warnings.some((w) => w.startsWith("Background snapshot failed")), "the background failure");
      assert.match(store.stats().lastError ?? "", /ENOSPC/);
      assert.equal(store.stats().snapshotSeq, 0);

      delete io.faults.fsync;
      clock.advance(1000); // past the first backoff step
      await store.commit([put(2)]);
      await waitUntil(() => store.stats().snapshotSeq === 2 && store.stats().lastError === null, "the retried snapshot");
      await store.close();
      const again = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(again.db), [1, 2]);
      await again.close();
    } finally {
      cleanup(dir);
    }
  });

  test("the periodic timer snapshots a non-empty journal, and does nothing when there is nothing new", async () => {
    const dir = tempDir();
    try {
      const io = instrumentedFs();
      const clock = manualClock();
      const store = await openDurable(await storeOptions(dir, { fs: io.fs, clock, snapshotEveryMs: 60_000 }));
      await store.commit([put(1)]);
      clock.advance(59_999);
      await store.commit([]);
      assert.equal(store.stats().snapshotSeq, 0, "not yet");
      clock.advance(1);
      await waitUntil(() => store.stats().snapshotSeq === 1, "the timed snapshot");
      await waitUntil(() => store.stats().journalEntries === 0, "the journal cut");
      const renames = io.calls.rename ?? 0;
      clock.advance(60_000);
      await store.commit([]);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(io.calls.rename ?? 0, renames, "no snapshot of an unchanged store");
      assert.equal(clock.pending(), 1, "the timer is re-armed");
      await store.close();
      assert.equal(clock.pending(), 0, "close() clears the timer");
    } finally {
      cleanup(dir);
    }
  });

  test("a rename refused with EPERM (Windows antivirus) is retried and the snapshot succeeds", async () => {
    const dir = tempDir();
    try {
      const io = instrumentedFs();
      let refusals = 0;
      io.faults.rename = (args) => (isSnapshotTemp(args[0]) && refusals++ < 2 ? fsError("EPERM", "rename") : undefined);
      const store = await openDurable(await storeOptions(dir, { fs: io.fs }));
      await store.commit([put(1)]);
      const before = io.calls.rename ?? 0;
      await store.snapshot();
      assert.equal((io.calls.rename ?? 0) - before, 3, "two refusals, then success");
      assert.equal(store.stats().snapshotSeq, 1);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a corrupt snapshot is moved aside and a crash's temp file removed although Windows refuses each twice (EPERM, EBUSY)", async () => {
    const dir = tempDir();
    try {
      const first = await openDurable(await storeOptions(dir));
      await first.commit([put(1)]);
      await first.close();
      const spath = join(dir, "store.sqlite");
      writeFileSync(spath, new Uint8Array(8192).map((_, i) => (i * 151 + 7) & 0xff));
      writeFileSync(join(dir, "store.sqlite.tmp-crashed"), "left by a crash");
      const io = instrumentedFs();
      const refused = { rename: 0, unlink: 0 };
      const codes = ["EPERM", "EBUSY"];
      io.faults.rename = (args) => (argPath(args[0]) === spath && refused.rename < 2 ? fsError(codes[refused.rename++]!, "rename") : undefined);
      io.faults.unlink = (args) => (argPath(args[0]).includes(".tmp-crashed") && refused.unlink < 2 ? fsError(codes[refused.unlink++]!, "unlink") : undefined);
      const err = await openDurable(await storeOptions(dir, { fs: io.fs })).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreCorruptError, String(err));
      assert.deepEqual(refused, { rename: 2, unlink: 2 });
      assert.ok(err.keptAt[0]?.startsWith(`${spath}.corrupt-`));
      assert.ok(existsSync(err.keptAt[0]!), "the corrupt file was not kept aside");
      assert.equal(existsSync(spath), false);
      assert.equal(existsSync(join(dir, "store.sqlite.tmp-crashed")), false, "the temp file was not removed");
    } finally {
      cleanup(dir);
    }
  });

  test("a rename that keeps failing gives up, leaving the previous snapshot and no temp file", async () => {
    const dir = tempDir();
    try {
      const io = instrumentedFs();
      const store = await openDurable(await storeOptions(dir, { fs: io.fs }));
      await store.commit([put(1)]);
      await store.snapshot();
      const previous = readFileSync(join(dir, "store.sqlite"));
      await store.commit([put(2)]);
      io.faults.rename = (args) => (isSnapshotTemp(args[0]) ? fsError("EBUSY", "rename") : undefined);
      const before = io.calls.rename ?? 0;
      await assert.rejects(store.snapshot(), /EBUSY/);
      assert.equal((io.calls.rename ?? 0) - before, 6, "six attempts");
      assert.deepEqual(readFileSync(join(dir, "store.sqlite")), previous);
      assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
      delete io.faults.rename;
      await store.close();
      const again = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(again.db), [1, 2]);
      await again.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a journal write that fails half-way (ENOSPC) is undone and rejected; the store carries on", async () => {
    const dir = tempDir();
    try {
      const io = instrumentedFs();
      let failNext = false;
      const base = io.fs;
      const fs: FsPort = {
        ...base,
        async write(f, data, pos) {
          if (failNext && isJournal(f)) {
            failNext = false;
            await base.write(f, data.subarray(0, Math.ceil(data.length / 2)), pos); // a torn write on disk
            throw fsError("ENOSPC");
          }
          return base.write(f, data, pos);
        },
      };
      const store = await openDurable(await storeOptions(dir, { fs }));
      await store.commit([put(1)]);
      const size = store.stats().journalBytes;
      failNext = true;
      const err = await store.commit([put(2)]).then(() => null, (e: unknown) => e as Error & { code?: string });
      assert.ok(err, "the batch was rejected");
      assert.equal(err.code, "ENOSPC");
      assert.match(err.message, /Cannot write the store journal/);
      assert.deepEqual(rows(store.db), [1], "memory rolled back");
      assert.equal(statSync(join(dir, "store.journal")).size, size, "the torn bytes were cut off");
      assert.match(store.stats().lastError ?? "", /ENOSPC/);
      assert.equal(await store.commit([put(3)]), 2, "the next batch takes the freed seq");
      assert.equal(store.stats().lastError, null);
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

  test("a failed journal fsync (EIO) stops the store; acknowledged batches survive", async () => {
    const dir = tempDir();
    try {
      const io = instrumentedFs();
      const store = await openDurable(await storeOptions(dir, { fs: io.fs }));
      for (const n of range(1, 3)) await store.commit([put(n)]);
      io.faults.fsync = (args) => (isJournal(args[0]) ? fsError("EIO", "fdatasync") : undefined);
      await assert.rejects(store.commit([put(4)]), StoreFailedError);
      delete io.faults.fsync;
      await assert.rejects(store.commit([put(5)]), StoreFailedError, "no write is accepted after a failed fsync");
      assert.match(store.stats().lastError ?? "", /fsync of the journal failed/);
      assert.deepEqual(rows(store.db), [1, 2, 3]);
      const image = crashImage(dir);
      await store.close();
      const again = await openDurable(await storeOptions(image));
      assert.deepEqual(rows(again.db), [1, 2, 3]);
      await again.close();
      cleanup(image);
    } finally {
      cleanup(dir);
    }
  });

  test("a failed write whose undo also fails stops the store", async () => {
    const dir = tempDir();
    try {
      const io = instrumentedFs();
      const store = await openDurable(await storeOptions(dir, { fs: io.fs }));
      await store.commit([put(1)]);
      io.faults.write = (args) => (isJournal(args[0]) ? fsError("EIO") : undefined);
      io.faults.truncate = (args) => (isJournal(args[0]) ? fsError("EIO", "ftruncate") : undefined);
      await assert.rejects(store.commit([put(2)]), StoreFailedError);
      delete io.faults.write;
      delete io.faults.truncate;
      await assert.rejects(store.commit([put(3)]), StoreFailedError);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("files are created 0600 and a new store folder 0700", { skip: process.platform === "win32" }, async () => {
    const root = tempDir();
    try {
      const dir = join(root, "nested", "store");
      const store = await openDurable(await storeOptions(dir));
      await store.commit([put(1)]);
      await store.snapshot();
      const mode = (p: string) => statSync(p).mode & 0o777;
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(join(dir, "store.sqlite")), 0o600);
      assert.equal(mode(join(dir, "store.journal")), 0o600);
      assert.equal(mode(join(dir, "store.lock")), 0o600);
      await store.close();
    } finally {
      cleanup(root);
    }
  });

  test("an existing store folder readable by others gets a warning", { skip: process.platform === "win32" }, async () => {
    const root = tempDir();
    try {
      const dir = join(root, "open");
      mkdirSync(dir);
      chmodSync(dir, 0o755);
      const warnings: string[] = [];
      const store = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
      assert.ok(warnings.some((w) => w.includes("chmod 700")), warnings.join("\n"));
      await store.close();
    } finally {
      cleanup(root);
    }
  });
});

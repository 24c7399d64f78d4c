import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openDurable, StoreCorruptError, StoreLockedError } from "../../src/store/sqljs/durable.ts";
import { encodeOps } from "../../src/store/codec.ts";
import { encodeFrames, FRAME_HEADER } from "../../src/store/sqljs/journal_format.ts";
import { TRAILER_BYTES } from "../../src/store/sqljs/snapshot_checksum.ts";
import { prefetchSnapshot, takePrefetchedSnapshot } from "../../src/store/sqljs/snapshot_prefetch.ts";
import { nodeFs } from "../../src/runtime/fs.ts";
import { cleanup, crashImage, imageOf, range, rows, storeOptions, type TOp, tempDir } from "./helpers.ts";

const put = (n: number): TOp => ({ op: "put", n, v: `value ${n}` });

/** A store folder holding a journal of `n` one-row batches and no snapshot, as a crash leaves it. */
async function crashedStore(n: number): Promise<string> {
  const dir = tempDir();
  const store = await openDurable(await storeOptions(dir));
  for (const i of range(1, n)) await store.commit([put(i)]);
  const image = crashImage(dir);
  await store.close();
  cleanup(dir);
  return image;
}

/** Byte offsets where each journal record starts. */
function recordOffsets(journal: Uint8Array): number[] {
  const view = new DataView(journal.buffer, journal.byteOffset, journal.byteLength);
  const out: number[] = [];
  for (let at = 0; at < journal.length; at += FRAME_HEADER + view.getUint32(at, true)) out.push(at);
  return out;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const asidePaths = (dir: string, prefix: string) => readdirSync(dir).filter((f) => f.startsWith(prefix)).map((f) => join(dir, f));

/** A store of 40 rows of text, closed: its snapshot's path and bytes. */
async function fortyRowSnapshot(dir: string): Promise<{ spath: string; good: Uint8Array }> {
  const store = await openDurable(await storeOptions(dir));
  for (const i of range(1, 40)) await store.commit([{ op: "put", n: i, v: `row ${i} `.repeat(40) }]);
  await store.close();
  const spath = join(dir, "store.sqlite");
  return { spath, good: new Uint8Array(readFileSync(spath)) };
}

describe("durable store: recovery", () => {
  test("a torn journal tail (file cut mid-record) is dropped with a warning; earlier batches stay", async () => {
    const dir = await crashedStore(3);
    try {
      const jpath = join(dir, "store.journal");
      const full = readFileSync(jpath);
      const third = recordOffsets(full)[2]!;
      truncateSync(jpath, third + FRAME_HEADER + 3);
      const warnings: string[] = [];
      const store = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
      assert.deepEqual(rows(store.db), [1, 2]);
      assert.ok(warnings.some((w) => /incomplete record.*19 bytes were dropped/.test(w)), warnings.join("\n"));
      assert.equal(statSync(jpath).size, third, "journal cut back to the last good record");
      assert.equal(await store.commit([put(4)]), 3, "the dropped seq is reused: it was never acknowledged");
      const image = crashImage(dir);
      await store.close();
      const again = await openDurable(await storeOptions(image));
      assert.deepEqual(rows(again.db), [1, 2, 4]);
      await again.close();
      cleanup(image);
    } finally {
      cleanup(dir);
    }
  });

  test("a flipped bit in the LAST complete record is corruption, not a torn tail: start refused, copy kept, option named", async () => {
    const dir = await crashedStore(4);
    try {
      const jpath = join(dir, "store.journal");
      const good = readFileSync(jpath);
      const last = recordOffsets(good).at(-1)!;
      // A payload byte, the seq, the checksum and the length field of the last record.
      for (const at of [last + FRAME_HEADER + 2, last + 9, last + 5, last + 1]) {
        const bytes = Buffer.from(good);
        bytes[at]! ^= 0x10;
        writeFileSync(jpath, bytes);
        const warnings: string[] = [];
        const err = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) })).then(() => null, (e: unknown) => e);
        assert.ok(err instanceof StoreCorruptError, `byte ${at - last}: ${String(err)} ${warnings.join("\n")}`);
        assert.match(err.message, /journal .* is damaged \((checksum mismatch in a complete record|damaged length field).*the last one/);
        assert.match(err.message, /--on-corrupt start-fresh \(or WHATSAPP_MCP_ON_CORRUPT=start-fresh\)/, "names the real option");
        assert.doesNotMatch(err.message, /onCorrupt "start-fresh"|never acknowledged/);
        const [kept] = err.keptAt;
        assert.deepEqual(readFileSync(kept!), bytes, "a copy kept aside, identical");
        assert.deepEqual(readFileSync(jpath), bytes, "the journal itself left unchanged");
        assert.equal(warnings.length, 0, "no torn-tail warning");
        cleanup(...asidePaths(dir, "store.journal.corrupt-"), join(dir, "store.recovery-needed"));
      }
      writeFileSync(jpath, good);
      const intact = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(intact.db), [1, 2, 3, 4], "the undamaged journal still replays");
      await intact.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a flipped bit in the last record, then the user's start-fresh: the records before it are kept, the journal aside", async () => {
    const dir = await crashedStore(3);
    try {
      const jpath = join(dir, "store.journal");
      const bytes = readFileSync(jpath);
      bytes[recordOffsets(bytes).at(-1)! + FRAME_HEADER]! ^= 0x01;
      writeFileSync(jpath, bytes);
      await assert.rejects(openDurable(await storeOptions(dir)), StoreCorruptError);
      const fresh = await openDurable(await storeOptions(dir, { onCorrupt: "start-fresh" }));
      assert.deepEqual(rows(fresh.db), [1, 2]);
      await fresh.close();
      assert.equal(asidePaths(dir, "store.journal.corrupt-").length, 2, "the first refusal's copy and the moved journal");
      for (const p of asidePaths(dir, "store.journal.corrupt-")) assert.deepEqual(readFileSync(p), bytes);
    } finally {
      cleanup(dir);
    }
  });

  test("a last record whose payload was never written (zeros after a whole header) stays a torn tail", async () => {
    const dir = await crashedStore(3);
    try {
      const jpath = join(dir, "store.journal");
      const bytes = readFileSync(jpath);
      const last = recordOffsets(bytes).at(-1)!;
      bytes.fill(0, last + FRAME_HEADER);
      writeFileSync(jpath, bytes);
      const warnings: string[] = [];
      const store = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
      assert.deepEqual(rows(store.db), [1, 2]);
      assert.ok(warnings.some((w) => /incomplete record.*had not been confirmed/.test(w)), warnings.join("\n"));
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a journal written before the binary format (JSON payloads) still replays, and new records follow it", async () => {
    const dir = tempDir();
    try {
      const old = [[put(1), put(2)], [{ op: "put", n: 3, v: "bytes", b: new Uint8Array([1, 2, 3]) }, { op: "del", n: 1 }]] as TOp[][];
      const frames = encodeFrames(old.map((ops, i) => ({ seq: i + 1, payload: new TextEncoder().encode(encodeOps(ops)) })));
      writeFileSync(join(dir, "store.journal"), frames);
      const store = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(store.db), [2, 3]);
      assert.deepEqual(store.db.exec("SELECT b FROM t WHERE n = 3")[0]?.values[0]?.[0], new Uint8Array([1, 2, 3]));
      assert.equal(await store.commit([put(4)]), 3);
      const image = crashImage(dir);
      await store.close();
      const again = await openDurable(await storeOptions(image));
      assert.deepEqual(rows(again.db), [2, 3, 4], "a journal mixing both forms replays");
      await again.close();
      cleanup(image);
    } finally {
      cleanup(dir);
    }
  });

  test("zeros after the last record (a file extended by a crash) are dropped as a torn tail", async () => {
    const dir = await crashedStore(2);
    try {
      appendFileSync(join(dir, "store.journal"), new Uint8Array(4096));
      const warnings: string[] = [];
      const store = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
      assert.deepEqual(rows(store.db), [1, 2]);
      assert.equal(warnings.length, 1);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a damaged record followed by good ones is StoreCorruptError; the journal is kept aside byte-identical", async () => {
    const dir = await crashedStore(5);
    try {
      const jpath = join(dir, "store.journal");
      const bytes = readFileSync(jpath);
      bytes[recordOffsets(bytes)[2]! + FRAME_HEADER + 1]! ^= 0xff; // flip a payload byte of record 3
      writeFileSync(jpath, bytes);
      const err = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreCorruptError, String(err));
      assert.match(err.message, /journal .* is damaged \(checksum mismatch; valid records follow/);
      const [kept] = err.keptAt;
      assert.ok(kept && err.message.includes(kept), "the message names where the file went");
      assert.deepEqual(readFileSync(kept), bytes, "a copy kept aside, identical");
      assert.deepEqual(readFileSync(jpath), bytes, "the journal itself left unchanged");

      // Later starts keep refusing until the user decides (no silent start without those batches).
      const again = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
      assert.ok(again instanceof StoreCorruptError);
      assert.match(again.message, /recovery-needed/);
      assert.equal(existsSync(join(dir, "store.lock")), false, "a failed open releases the lock");

      // Asked to start fresh: the intact prefix is kept, a snapshot is written, the marker goes.
      const warnings: string[] = [];
      const fresh = await openDurable(await storeOptions(dir, { onCorrupt: "start-fresh", onWarning: (m) => warnings.push(m) }));
      assert.deepEqual(rows(fresh.db), [1, 2], "the records before the damage are recovered");
      assert.equal(fresh.stats().snapshotSeq, 2);
      assert.ok(warnings.some((w) => w.includes("Continuing, as asked, with the 2 batches")), warnings.join("\n"));
      const moved = asidePaths(dir, "store.journal.corrupt-").filter((p) => p !== kept);
      assert.equal(moved.length, 1, "the damaged journal itself is now aside too");
      assert.deepEqual(readFileSync(moved[0]!), bytes);
      assert.equal(existsSync(join(dir, "store.recovery-needed")), false);
      assert.deepEqual(readFileSync(kept), bytes, "still kept");
      await fresh.commit([put(9)]);
      await fresh.close();
      const normal = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(normal.db), [1, 2, 9]);
      await normal.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a corrupt database file gives StoreCorruptError and is kept aside byte-identical, never overwritten", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      await store.commit([put(1)]);
      await store.close();
      const spath = join(dir, "store.sqlite");
      const garbage = new Uint8Array(8192).map((_, i) => (i * 151 + 7) & 0xff);
      writeFileSync(spath, garbage);
      const err = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreCorruptError, String(err));
      assert.match(err.message, /could not be loaded \(not a SQLite database/);
      const [kept] = err.keptAt;
      assert.ok(kept?.startsWith(`${spath}.corrupt-`), kept);
      assert.ok(err.message.includes(kept!));
      assert.deepEqual(new Uint8Array(readFileSync(kept!)), garbage);
      assert.equal(existsSync(spath), false);

      await assert.rejects(openDurable(await storeOptions(dir)), StoreCorruptError, "refused again until the user decides");
      const fresh = await openDurable(await storeOptions(dir, { onCorrupt: "start-fresh" }));
      assert.deepEqual(rows(fresh.db), []);
      await fresh.close();
      assert.deepEqual(new Uint8Array(readFileSync(kept!)), garbage, "still there, unchanged");
      assert.equal(asidePaths(dir, "store.sqlite.corrupt-").length, 1);
    } finally {
      cleanup(dir);
    }
  });

  test("a snapshot cut short (valid header, missing pages) fails the check and is kept aside", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      for (const i of range(1, 300)) await store.commit([{ op: "put", n: i, v: "y".repeat(500) }]);
      await store.close();
      const spath = join(dir, "store.sqlite");
      const size = statSync(spath).size;
      truncateSync(spath, Math.floor(size / 2));
      const cut = readFileSync(spath);
      const err = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreCorruptError, String(err));
      assert.deepEqual(readFileSync(err.keptAt[0]!), cut);
    } finally {
      cleanup(dir);
    }
  });

  test("one flipped byte anywhere in a snapshot (row data, page header, checksum) is caught at open", async () => {
    const dir = tempDir();
    try {
      const { spath, good } = await fortyRowSnapshot(dir);
      const trailerAt = good.length - TRAILER_BYTES;
      // Inside a row's text (SQLite's own checks would not notice), a page header, the chunk checksums, the trailer.
      const textAt = indexOfBytes(good, new TextEncoder().encode("row 17 "));
      assert.ok(textAt > 0);
      for (const at of [textAt + 2, 4096 + 1, imageOf(good).length + 5, trailerAt + 40, trailerAt + 3]) {
        const bad = good.slice();
        bad[at]! ^= 0x20;
        writeFileSync(spath, bad);
        const err = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
        assert.ok(err instanceof StoreCorruptError, `byte ${at}: ${String(err)}`);
        assert.match(err.message, /could not be loaded \(.*(checksum|damaged)/, `byte ${at}`);
        assert.deepEqual(new Uint8Array(readFileSync(err.keptAt[0]!)), bad, "kept aside unchanged");
        cleanup(...asidePaths(dir, "store.sqlite.corrupt-"), join(dir, "store.recovery-needed"));
      }
      writeFileSync(spath, good);
      const again = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(again.db), range(1, 40), "the intact file still opens");
      await again.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a snapshot read early (in a worker, or on this thread) gets the same verdicts: damage caught and kept aside, old format checked", async () => {
    const dir = tempDir();
    try {
      const { spath, good } = await fortyRowSnapshot(dir);
      const textAt = indexOfBytes(good, new TextEncoder().encode("row 23 "));
      for (const worker of [true, false]) {
        const bad = good.slice();
        bad[textAt + 3]! ^= 0x20;
        writeFileSync(spath, bad);
        prefetchSnapshot(nodeFs, spath, { worker });
        const err = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
        assert.ok(err instanceof StoreCorruptError, `worker ${worker}: ${String(err)}`);
        assert.match(err.message, /checksum mismatch/);
        assert.deepEqual(new Uint8Array(readFileSync(err.keptAt[0]!)), bad, "kept aside unchanged");
        cleanup(...asidePaths(dir, "store.sqlite.corrupt-"), join(dir, "store.recovery-needed"));

        writeFileSync(spath, imageOf(good)); // the format before checksums
        prefetchSnapshot(nodeFs, spath, { worker });
        const old = await openDurable(await storeOptions(dir));
        assert.equal(takePrefetchedSnapshot(spath), undefined, "the recovery took the early read");
        assert.deepEqual(rows(old.db), range(1, 40));
        await old.close();
      }
    } finally {
      cleanup(dir);
    }
  });

  test("a snapshot written before checksums opens (checked by quick_check) and the next snapshot gets one", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      for (const i of range(1, 5)) await store.commit([put(i)]);
      await store.close();
      const spath = join(dir, "store.sqlite");
      const withSum = readFileSync(spath);
      writeFileSync(spath, imageOf(withSum)); // the old format: the bare image
      const old = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(old.db), range(1, 5));
      await old.commit([put(6)]);
      await old.close();
      assert.equal(statSync(spath).size % 512, TRAILER_BYTES, "rewritten with a checksum trailer");
      const again = await openDurable(await storeOptions(dir));
      assert.deepEqual(rows(again.db), range(1, 6));
      await again.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a snapshot without a checksum whose pages are missing fails quick_check and is kept aside", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      for (const i of range(1, 300)) await store.commit([{ op: "put", n: i, v: "z".repeat(500) }]);
      await store.close();
      const spath = join(dir, "store.sqlite");
      const size = statSync(spath).size - TRAILER_BYTES;
      truncateSync(spath, Math.floor(size / 2 / 4096) * 4096); // a whole number of pages: looks like an old snapshot
      const cut = readFileSync(spath);
      const err = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreCorruptError, String(err));
      assert.deepEqual(readFileSync(err.keptAt[0]!), cut);
    } finally {
      cleanup(dir);
    }
  });

  test("a journal that does not continue the snapshot (a seq gap) is StoreCorruptError", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      for (const i of range(1, 5)) await store.commit([put(i)]);
      await store.snapshot();
      const oldSnapshot = crashImage(dir); // snapshot seq 5, empty journal
      for (const i of range(6, 9)) await store.commit([put(i)]);
      await store.snapshot(); // seq 9
      for (const i of range(10, 12)) await store.commit([put(i)]);
      const late = crashImage(dir); // journal 10..12
      await store.close();
      copyFileSync(join(late, "store.journal"), join(oldSnapshot, "store.journal"));
      const err = await openDurable(await storeOptions(oldSnapshot)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreCorruptError, String(err));
      assert.match(err.message, /continues at seq 10 but the snapshot covers only up to seq 5/);
      cleanup(oldSnapshot, late);
    } finally {
      cleanup(dir);
    }
  });

  test("journal records the snapshot already covers are skipped; later ones are replayed", async () => {
    const dir = tempDir();
    try {
      // History: 1..5 snapshotted, then 6, 7, 8 in the journal.
      const store = await openDurable(await storeOptions(dir));
      for (const i of range(1, 5)) await store.commit([put(i)]);
      await store.snapshot();
      await store.commit([put(6)]);
      await store.commit([put(7), { op: "del", n: 1 }]);
      const at7 = crashImage(dir);
      await store.commit([put(8), { op: "del", n: 2 }]);
      const journal678 = readFileSync(join(dir, "store.journal"));
      await store.close();

      // A snapshot of seq 7 next to the journal 6..8 (a crash between a snapshot and its journal cut).
      const s7 = await openDurable(await storeOptions(at7));
      await s7.snapshot();
      assert.equal(s7.stats().snapshotSeq, 7);
      await s7.close();
      writeFileSync(join(at7, "store.journal"), journal678);
      const again = await openDurable(await storeOptions(at7));
      assert.deepEqual(rows(again.db), [3, 4, 5, 6, 7, 8], "6 and 7 not applied twice, 8 applied");
      assert.equal(again.stats().lastSeq, 8);
      assert.equal(await again.commit([put(9)]), 9);
      await again.close();
      cleanup(at7);
    } finally {
      cleanup(dir);
    }
  });

  test("a journal wholly covered by the snapshot is emptied at start", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      for (const i of range(1, 3)) await store.commit([put(i)]);
      const journal = readFileSync(join(dir, "store.journal"));
      await store.snapshot();
      await store.close();
      writeFileSync(join(dir, "store.journal"), journal); // the cut never happened
      const again = await openDurable(await storeOptions(dir));
      assert.equal(again.stats().journalEntries, 0);
      assert.deepEqual(rows(again.db), [1, 2, 3]);
      await again.commit([put(4)]);
      const image = crashImage(dir);
      await again.close();
      const third = await openDurable(await storeOptions(image));
      assert.deepEqual(rows(third.db), [1, 2, 3, 4]);
      await third.close();
      cleanup(image);
    } finally {
      cleanup(dir);
    }
  });

  test("temp files of an interrupted snapshot are removed at start", async () => {
    const dir = await crashedStore(1);
    try {
      writeFileSync(join(dir, "store.sqlite.tmp-424242"), "half an image");
      const warnings: string[] = [];
      const store = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
      assert.equal(existsSync(join(dir, "store.sqlite.tmp-424242")), false);
      assert.ok(warnings.some((w) => w.includes("interrupted snapshot")));
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("a replay whose apply fails stops the open with the seq, and leaves the files alone", async () => {
    const dir = await crashedStore(3);
    try {
      const before = readFileSync(join(dir, "store.journal"));
      const opts = await storeOptions(dir);
      const err = await openDurable<TOp>({
        ...opts,
        apply(db, ops) {
          if (ops.some((o) => o.op === "put" && o.n === 2)) throw new Error("no such column: newer_field");
          opts.apply(db, ops);
        },
      }).then(() => null, (e: unknown) => e as Error);
      assert.ok(err);
      assert.match(err.message, /Cannot replay journal record seq 2 .*no such column/);
      assert.deepEqual(readFileSync(join(dir, "store.journal")), before);
      assert.equal(existsSync(join(dir, "store.recovery-needed")), false, "not corruption: no marker");
      const store = await openDurable(opts);
      assert.deepEqual(rows(store.db), [1, 2, 3]);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("opening the same store twice in one process is refused", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      const err = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreLockedError);
      assert.match(err.message, /This process already has the store/);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("an unreadable lock file (a process died while writing it) is taken over", async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, "store.lock"), "");
      const warnings: string[] = [];
      const store = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
      assert.ok(warnings.some((w) => w.includes("unreadable store lock")));
      await store.close();
    } finally {
      cleanup(dir);
    }
  });
});

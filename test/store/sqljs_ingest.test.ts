/**
 * The sql.js store's write path across batches: what apply keeps known between batches
 * (`known_rows.ts`) never outlives a rollback, and a replay of the journal (records applied
 * several at a time) gives exactly the rows the ingest wrote, also after a crash mid-record, and
 * so does the replay's own apply (`applyReplaySqlite`: multi-row inserts, pks computed in JS), and
 * the live commit's (`applyLiveSqlite`: the same multi-row inserts for big batches).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "sql.js";
import type { FsPort } from "../../src/runtime/fs.ts";
import { nodeFs } from "../../src/runtime/fs.ts";
import { applyReplaySqlite, applySqlite, replayCounts } from "../../src/store/sqljs/apply.ts";
import { applyLiveSqlite, liveCounts } from "../../src/store/sqljs/apply_live.ts";
import { type DurableDb, type DurableOptions, openDurable } from "../../src/store/sqljs/durable.ts";
import { settleKnownRows } from "../../src/store/sqljs/known_rows.ts";
import { loadSqlJs } from "../../src/store/sqljs/load.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { messageIndexReplay } from "../../src/store/sqljs/replay_indexes.ts";
import { withStoreSetup } from "../../src/store/sqljs/repository.ts";
import type { WriteOp } from "../../src/store/types.ts";
import { msg } from "./sqljs_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-ingest-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newDir = () => join(root, `s${n++}`);

/** The durable engine with the store's own apply, as `openSqljsRepository` sets it up (no text-index rounds). */
async function openStore(
  dir: string,
  fs?: FsPort,
  replayHooks?: DurableOptions<WriteOp>["replayHooks"],
  apply: DurableOptions<WriteOp>["apply"] = applySqlite,
): Promise<DurableDb<WriteOp>> {
  return await openDurable<WriteOp>({
    replayHooks,
    dir,
    fs,
    sql: withStoreSetup(await loadSqlJs()),
    migrate: (db) => {
      migrateSqlite(db);
    },
    apply,
    onTransactionEnd: settleKnownRows,
    snapshotEveryBytes: Number.MAX_SAFE_INTEGER,
  });
}

const TABLES = [
  "message_rows",
  "jids",
  "chats",
  "people",
  "reactions",
  "receipts",
  "participants",
  "pending_changes",
  "refused_changes",
  "fts_pending",
  "live_events",
];

/** Every row of the tables the write path touches, in a stable order. */
function dump(db: Database): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) {
    const values = db.exec(`SELECT * FROM ${t}`)[0]?.values ?? [];
    out[t] = values.map((row) => JSON.stringify(row.map((v) => (v instanceof Uint8Array ? Array.from(v) : v)))).sort();
  }
  return out;
}

/** The indexes of message_rows as defined (name and SQL). */
function messageIndexes(db: Database): unknown {
  return db.exec("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'message_rows' ORDER BY name")[0]?.values;
}

/** Commits `batches`, then copies the folder as a crash leaves it; with the rows and indexes the ingest left. */
async function ingestAndCrash(batches: WriteOp[][]): Promise<{ image: string; ingested: Record<string, string[]>; indexes: unknown }> {
  const dir = newDir();
  const store = await openStore(dir);
  try {
    for (const ops of batches) await store.commit(ops);
    return { ingested: dump(store.db), indexes: messageIndexes(store.db), image: crashCopy(dir) };
  } finally {
    await store.close();
  }
}

/** The store folder as a crash leaves it: its files copied while it is open (the lock left out). */
function crashCopy(dir: string): string {
  const target = newDir();
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(dir)) if (!name.endsWith(".lock")) copyFileSync(join(dir, name), join(target, name));
  return target;
}

const PEOPLE = Array.from({ length: 40 }, (_, i) => `4915100000${String(i).padStart(3, "0")}@s.whatsapp.net`);
const GROUP = "120363000000000001@g.us";
const LID = "99887766554433@lid";

/** A message's raw bytes (a small protobuf; `rawBytes` long when asked, so a journal spans several of the replay's reads). */
let rawBytes = 0;
function rawOf(k: number): Uint8Array {
  if (rawBytes === 0) return new Uint8Array([8, k & 127, 1]);
  const raw = new Uint8Array(rawBytes);
  const len = rawBytes - 5; // 128..16383: a two-byte varint
  raw.set([8, k & 127, 18, (len & 127) | 128, len >> 7]); // field 1 = k, field 2: bytes running to the end
  for (let i = 5; i < rawBytes; i++) raw[i] = (k * 31 + i) & 255;
  return raw;
}

/** Batches of a history sync with the other ops around it: people, a group, a LID merged in mid-way, held edits, deletes. */
function history(batches: number, perBatch: number): WriteOp[][] {
  const out: WriteOp[][] = [];
  const t0 = 1_700_000_000_000;
  out.push([
    ...PEOPLE.slice(0, 10).map((pnJid, i): WriteOp => ({ op: "upsertPerson", person: { pnJid, pushName: `P${i}` } })),
    { op: "upsertPerson", person: { lid: LID, pushName: "Lid only" } },
    { op: "upsertChat", chat: { jid: GROUP, name: "Group" } },
    { op: "setParticipants", groupJid: GROUP, mode: "replace", participants: PEOPLE.slice(0, 8).map((personId) => ({ personId, admin: null })) },
  ]);
  let k = 0;
  for (let b = 0; b < batches; b++) {
    const ops: WriteOp[] = [];
    if (b === 2) ops.push({ op: "editMessage", chatJid: PEOPLE[3]!, id: `M${perBatch * 5 + 3}`, text: "held edit", editedAt: t0 + 9e9, by: { fromMe: false, id: PEOPLE[3]! } });
    for (let i = 0; i < perBatch; i++, k++) {
      const group = k % 4 === 0;
      const chat = group ? GROUP : k % 7 === 0 ? LID : PEOPLE[k % 23]!;
      const sender = group ? PEOPLE[k % 8]! : chat;
      // Same-second messages (pk slots), a few re-deliveries (merges), a quoted one.
      const ts = t0 + Math.floor(k / 3) * 1000 + (k % 5 === 0 ? 7 : 0);
      const m = msg(chat, `M${k}`, ts, `text ${k} word${k % 13}`, { senderId: sender, fromMe: k % 9 === 0, raw: rawOf(k) });
      if (k % 97 === 0 && m.op === "upsertMessage") m.live = true; // a real-time delivery now and then: a live event
      ops.push(m);
      if (k % 50 === 10) ops.push(msg(chat, `M${k - 5}`, ts, null, { senderId: sender, status: 3 }));
      if (k % 31 === 0) ops.push({ op: "upsertReaction", reaction: { chatJid: chat, messageId: `M${k}`, reactorId: PEOPLE[k % 11]!, emoji: "👍", ts: ts + 1 }, live: k % 62 === 0 });
    }
    if (b === Math.floor(batches / 2)) ops.push({ op: "linkLid", lid: LID, pnJid: PEOPLE[30]! });
    if (b === batches - 2) ops.push({ op: "deleteMessage", chatJid: PEOPLE[1]!, id: `M${perBatch + 1}` });
    out.push(ops);
  }
  return out;
}

describe("sql.js ingest and replay", () => {
  test("a batch rolled back (its journal write failed) leaves no jids key or people row known behind", async () => {
    const dir = newDir();
    let failWrites = false;
    const fs: FsPort = {
      ...nodeFs,
      write: async (...args: Parameters<FsPort["write"]>) => {
        if (failWrites) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        return await nodeFs.write(...args);
      },
    };
    const store = await openStore(dir, fs);
    try {
      const [x, y] = [PEOPLE[5]!, PEOPLE[6]!];
      await store.commit([msg(PEOPLE[0]!, "A0", 1_700_000_000_000, "first")]);
      failWrites = true;
      await assert.rejects(store.commit([msg(x, "X1", 1_700_000_001_000, "lost")]), /ENOSPC/);
      failWrites = false;
      // Y takes the `jids` key X had in the rolled-back batch; X comes back in a later batch.
      await store.commit([msg(y, "Y1", 1_700_000_002_000, "why")]);
      await store.commit([msg(x, "X2", 1_700_000_003_000, "ex")]);
      const rows = store.db.exec("SELECT id, chat_jid, sender_id FROM messages ORDER BY pk")[0]!.values;
      assert.deepEqual(rows, [["A0", PEOPLE[0], PEOPLE[0]], ["Y1", y, y], ["X2", x, x]]);
      const people = store.db.exec(`SELECT id FROM people WHERE id IN ('${x}', '${y}') ORDER BY id`)[0]!.values.flat();
      assert.deepEqual(people, [x, y]);
    } finally {
      await store.close();
    }
  });

  test("a batch whose apply fails alone takes back what it learned; the next batch writes the rows again", async () => {
    const dir = newDir();
    const store = await openStore(dir);
    try {
      const x = PEOPLE[7]!;
      const bad = { op: "upsertMessage", message: null } as unknown as WriteOp;
      await assert.rejects(store.commit([msg(x, "X1", 1_700_000_001_000, "lost"), bad]));
      await store.commit([msg(PEOPLE[8]!, "Z1", 1_700_000_002_000, "zed")]);
      await store.commit([msg(x, "X2", 1_700_000_003_000, "ex")]);
      const rows = store.db.exec("SELECT id, chat_jid FROM messages ORDER BY pk")[0]!.values;
      assert.deepEqual(rows, [["Z1", PEOPLE[8]], ["X2", x]]);
      assert.equal(store.db.exec(`SELECT count(*) FROM people WHERE id = '${x}'`)[0]!.values[0]![0], 1);
    } finally {
      await store.close();
    }
  });

  test("a replay of the journal (records applied together) gives exactly the rows of the ingest", async () => {
    const dir = newDir();
    const store = await openStore(dir);
    let image: string;
    let ingested: Record<string, string[]>;
    try {
      for (const ops of history(40, 300)) await store.commit(ops);
      ingested = dump(store.db);
      image = crashCopy(dir);
    } finally {
      await store.close();
    }
    assert.ok(ingested.message_rows!.length > 11_000, "enough ops for several replay runs");
    const replayed = await openStore(image);
    try {
      assert.equal(replayed.stats().snapshotSeq, 0, "everything came from the journal");
      assert.deepEqual(dump(replayed.db), ingested);
    } finally {
      await replayed.close();
    }
  });

  test("a replay of a journal longer than one read of it gives the rows of the ingest (bytes decoded as views of each read)", async () => {
    rawBytes = 300; // 12,000 messages of ~450 bytes: the journal spans two 4 MiB reads, a run of records across the seam
    let made: Awaited<ReturnType<typeof ingestAndCrash>>;
    try {
      made = await ingestAndCrash(history(40, 300));
    } finally {
      rawBytes = 0;
    }
    assert.ok(statSync(join(made.image, "store.journal")).size > 4 * 1024 * 1024, "a journal longer than one read");
    const replayed = await openStore(made.image);
    try {
      assert.deepEqual(dump(replayed.db), made.ingested);
    } finally {
      await replayed.close();
    }
  });

  test("a long replay that builds message_rows' indexes at its end gives the rows and indexes of the ingest", async () => {
    // Two journals: one whose LID link near the end (a person upsert naming both) brings the indexes
    // back early, one without re-keying ops (person upserts naming one identity, participants: no scans).
    for (const withLink of [true, false]) {
      const batches: WriteOp[][] = history(40, 300).map((ops) => ops.filter((op) => op.op !== "linkLid"));
      if (withLink) batches[36]!.push({ op: "upsertPerson", person: { pnJid: PEOPLE[30]!, lid: LID, pushName: "Linked" } });
      const { image, ingested, indexes } = await ingestAndCrash(batches);
      const seen: boolean[] = []; // whether message_rows_by_chat was there after each beforeRun
      const replayed = await openStore(image, undefined, (db, size) => {
        const hooks = messageIndexReplay(db, size, 0);
        assert.ok(hooks, "a replay larger than the (empty) snapshot defers the indexes");
        return {
          beforeRun(db2, ops) {
            hooks.beforeRun(db2, ops);
            seen.push(JSON.stringify(messageIndexes(db2)).includes("message_rows_by_chat"));
          },
          end: (db2) => hooks.end(db2),
        };
      });
      try {
        // Runs of 5,000 ops: the first two go without them, the last has the link (if any).
        assert.deepEqual(seen, [false, false, withLink]);
        assert.deepEqual(dump(replayed.db), ingested);
        assert.deepEqual(messageIndexes(replayed.db), indexes);
        assert.deepEqual(replayed.db.exec("PRAGMA integrity_check")[0]!.values, [["ok"]]);
      } finally {
        await replayed.close();
      }
    }
  });

  test("a replay stopped while the indexes are dropped or being built changes no file: the next open has every row", async () => {
    const { image, ingested, indexes } = await ingestAndCrash(history(40, 300).map((ops) => ops.filter((op) => op.op !== "linkLid")));
    const files = () => readdirSync(image).filter((f) => !f.endsWith(".lock")).sort().map((f) => [f, readFileSync(join(image, f)).toString("base64")]);
    const before = files();
    // The third run goes without the indexes; `end` builds them: stop at each point in turn.
    for (const stopAt of ["run 3", "end"]) {
      let runs = 0;
      const stop = new Error(`stopped at ${stopAt}`);
      await assert.rejects(
        openStore(image, undefined, (db, size) => {
          const hooks = messageIndexReplay(db, size, 0)!;
          return {
            beforeRun(db2, ops) {
              hooks.beforeRun(db2, ops);
              if (++runs === 3 && stopAt === "run 3") throw stop;
            },
            end(db2) {
              hooks.end(db2);
              if (stopAt === "end") throw stop;
            },
          };
        }),
        (err: unknown) => err === stop,
      );
      assert.deepEqual(files(), before, `no file changed by a replay stopped at ${stopAt}`);
    }
    const replayed = await openStore(image, undefined, (db, size) => messageIndexReplay(db, size, 0));
    try {
      assert.deepEqual(dump(replayed.db), ingested);
      assert.deepEqual(messageIndexes(replayed.db), indexes);
    } finally {
      await replayed.close();
    }
  });

  test("the replay's own apply (multi-row inserts, pks computed in JS) gives exactly the rows of the ingest, over a snapshot too", async () => {
    const t0 = 1_700_000_000_000;
    const media = { mimetype: "image/jpeg", fileName: "f.jpg", fileLength: 10, durationSec: null, directPath: null, url: null, mediaKey: null, fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: null };
    // After the snapshot: a history sync, newest first, into seconds the snapshot's messages hold
    // (whole-second slots, a millisecond's own slot, a second filled past its whole-second range),
    // with media, a revoked one, one without words, and a re-delivery within a batch.
    const later = (redeliver: boolean): WriteOp[][] => {
      const out: WriteOp[][] = [];
      for (let b = 0; b < 12; b++) {
        const ops: WriteOp[] = [];
        for (let i = 0; i < 500; i++) {
          const k = 20_000 + b * 500 + i;
          const ts = t0 + (4000 - Math.floor(k / 7)) * 1000 + (k % 11 === 0 ? 7 : 0);
          // A tenth in a group new to the store, from senders new to it (their jids keys: sender first, as at ingest).
          const chat = k % 10 === 0 ? "120363000000000002@g.us" : PEOPLE[k % 19]!;
          // Media: a file name, or (every other one) a direct path that its URL repeats (stored as X'') or not.
          const path = `/v/t62.7118-24/${k}_n.enc`;
          const withPath = { ...media, fileName: null, directPath: path, url: `https://mmg.whatsapp.net${path}${k % 3 === 0 ? "?ccb=11-4" : ""}`, mediaKey: new Uint8Array([k & 255, 1]) };
          // Plain rows of every shape interleaved (their multi-row INSERTs are one per shape): bare ones, and ones with a
          // quote, a view-once or revoked flag, a status or an edit, each bound through messageParams' named positions.
          const shaped = {
            quotedId: k % 7 === 3 ? `N${k - 3}` : null,
            viewOnce: k % 29 === 0,
            status: k % 23 === 0 ? 2 : null,
            editedText: k % 31 === 0 ? `edited ${k}` : null,
            editedAt: k % 31 === 0 ? ts + 5000 : null,
          };
          const extra = { senderId: k % 10 === 0 ? PEOPLE[31 + (k % 6)]! : chat, raw: rawOf(k), media: k % 13 === 0 ? (k % 2 === 0 ? media : withPath) : null, revoked: k % 41 === 0, ...shaped };
          ops.push(msg(chat, `N${k}`, ts, k % 17 === 0 ? null : `later ${k}`, extra));
          // A re-delivery of a message 70 before in this batch (a multi-row INSERT or more before: written already).
          if (k % 45 === 0 && i >= 70) ops.push(msg(PEOPLE[(k - 70) % 19]!, `N${k - 70}`, ts, null, { senderId: PEOPLE[(k - 70) % 19]!, status: 2 }));
        }
        if (b === 5) ops.push(...Array.from({ length: 1100 }, (_, j) => msg(PEOPLE[2]!, `S${j}`, t0 + 3000 * 1000, `same second ${j}`)));
        if (redeliver && b === 9) ops.push(msg(PEOPLE[3]!, "M3", t0 + 1000, "again", { senderId: PEOPLE[3]! }));
        out.push(ops);
      }
      return out;
    };
    for (const redeliver of [false, true]) {
      const dir = newDir();
      let store = await openStore(dir);
      for (const ops of history(10, 300)) await store.commit(ops);
      await store.close(); // a snapshot of those
      store = await openStore(dir);
      let image: string;
      let ingested: Record<string, string[]>;
      try {
        for (const ops of later(redeliver)) await store.commit(ops);
        ingested = dump(store.db);
        image = crashCopy(dir);
      } finally {
        await store.close();
      }
      const before = { ...replayCounts };
      const replayed = await openStore(image, undefined, (db, size) => ({ ...messageIndexReplay(db, size, 0), apply: applyReplaySqlite }));
      try {
        assert.ok(replayed.stats().snapshotSeq > 0, "a snapshot under the journal");
        assert.deepEqual(dump(replayed.db), ingested);
        assert.deepEqual(replayed.db.exec("PRAGMA integrity_check")[0]!.values, [["ok"]]);
        assert.ok(replayCounts.rows - before.rows > 5000, `most messages went through the multi-row inserts (${JSON.stringify([before, replayCounts])})`);
        // A message the snapshot holds, delivered again, sends its run back to applySqlite.
        assert.equal(replayCounts.fallbacks - before.fallbacks, redeliver ? 1 : 0);
      } finally {
        await replayed.close();
      }
    }
  });

  test("a journal that re-delivers a stored message in every run gives the rows of the ingest, and stops trying the multi-row path for a while", async () => {
    const dir = newDir();
    let store = await openStore(dir);
    for (const ops of history(4, 300)) await store.commit(ops);
    await store.close(); // a snapshot of those
    store = await openStore(dir);
    let image: string;
    let ingested: Record<string, string[]>;
    try {
      for (let b = 0; b < 30; b++) {
        const ops = Array.from({ length: 1000 }, (_, i) => msg(PEOPLE[i % 19]!, `R${b}-${i}`, 1_800_000_000_000 + (b * 1000 + i) * 1000, `run ${b} ${i}`));
        ops.push(msg(PEOPLE[3]!, "M3", 1_700_000_001_000, "again", { senderId: PEOPLE[3]! })); // stored in the snapshot
        await store.commit(ops);
      }
      ingested = dump(store.db);
      image = crashCopy(dir);
    } finally {
      await store.close();
    }
    const before = { ...replayCounts };
    const replayed = await openStore(image, undefined, () => ({ apply: applyReplaySqlite }));
    try {
      assert.deepEqual(dump(replayed.db), ingested);
      // 6 runs of 5,005 ops: tried in runs 1, 3 and 6 (given back each time), applied directly in 2, 4 and 5.
      assert.equal(replayCounts.fallbacks - before.fallbacks, 3);
    } finally {
      await replayed.close();
    }
  });

  test("the live apply (multi-row inserts for big batches) gives exactly the rows of the row-by-row apply, and its journal replays to them", async () => {
    // A history sync (held edits, re-deliveries within a batch, a LID merged mid-way, a delete),
    // over a snapshot; then batches into seconds the snapshot holds (pks computed against stored
    // ones), one re-delivering a stored message (given back to the row-by-row apply), small ones.
    const t0 = 1_700_000_000_000;
    const more: WriteOp[][] = [];
    for (let b = 0; b < 6; b++) {
      const ops: WriteOp[] = [];
      for (let i = 0; i < 400; i++) {
        const k = 30_000 + b * 400 + i;
        // Texts bound as UTF-8 bytes by the multi-row INSERTs: none, empty, non-ASCII (two-, three- and four-byte characters).
        const text = k % 13 === 0 ? null : k % 19 === 0 ? "" : k % 23 === 0 ? `Привет café 日本 👍🏽 ${k}` : `live ${k}`;
        const media = k % 29 === 0
          ? { mimetype: "image/jpeg", fileName: k % 2 === 0 ? `фото ${k}.jpg` : null, fileLength: 10, durationSec: null, directPath: `/v/t62/${k}_n.enc`, url: `https://mmg.whatsapp.net/v/t62/${k}_n.enc`, mediaKey: null, fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: null }
          : null;
        ops.push(msg(PEOPLE[k % 17]!, `L${k}`, t0 + (900 - Math.floor(k / 9)) * 1000 + (k % 11 === 0 ? 3 : 0), text, {
          media,
          senderId: PEOPLE[k % 17]!,
          raw: rawOf(k),
          quotedId: k % 7 === 0 ? `L${k - 1}` : null,
          status: k % 5 === 0 ? 3 : null,
        }));
      }
      if (b === 3) ops.push(msg(PEOPLE[3]!, "M3", t0 + 1000, "again", { senderId: PEOPLE[3]! })); // stored in the snapshot
      more.push(ops);
    }
    more.push([msg(PEOPLE[4]!, "small", t0 + 5e6, "one message")]);
    const run = async (apply: DurableOptions<WriteOp>["apply"]) => {
      const dir = newDir();
      let store = await openStore(dir, undefined, undefined, apply);
      for (const ops of history(10, 300)) await store.commit(ops);
      await store.close(); // a snapshot of those
      store = await openStore(dir, undefined, undefined, apply);
      try {
        for (const ops of more) await store.commit(ops);
        return { rows: dump(store.db), image: crashCopy(dir) };
      } finally {
        await store.close();
      }
    };
    const reference = await run(applySqlite);
    const before = { ...liveCounts };
    const live = await run(applyLiveSqlite);
    assert.deepEqual(live.rows, reference.rows);
    // 10 history batches of >= 300 messages, then 6 of 400: all tried but the one after the re-delivery (backed off).
    assert.equal(liveCounts.fallbacks - before.fallbacks, 1, "the batch re-delivering a stored message went row by row");
    assert.equal(liveCounts.tried - before.tried, 15);
    const replayed = await openStore(live.image);
    try {
      assert.deepEqual(dump(replayed.db), reference.rows);
      assert.deepEqual(replayed.db.exec("PRAGMA integrity_check")[0]!.values, [["ok"]]);
    } finally {
      await replayed.close();
    }
  });

  test("a crash while a batch was being written: every acknowledged batch is replayed, the torn one is not", async () => {
    const dir = newDir();
    const store = await openStore(dir);
    const batches = history(12, 500);
    let image: string;
    let acknowledged: Record<string, string[]>;
    let size: number;
    try {
      for (const ops of batches.slice(0, -1)) await store.commit(ops);
      acknowledged = dump(store.db);
      size = statSync(join(dir, "store.journal")).size;
      await store.commit(batches[batches.length - 1]!);
      image = crashCopy(dir);
    } finally {
      await store.close();
    }
    // The last record cut short, as a crash during its write leaves it (never acknowledged).
    truncateSync(join(image, "store.journal"), size + 100);
    const replayed = await openStore(image);
    try {
      assert.deepEqual(dump(replayed.db), acknowledged);
    } finally {
      await replayed.close();
    }
  });
});

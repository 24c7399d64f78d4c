/**
 * The sql.js store's compact message pk (src/store/sqljs/pk.ts): slot ranges in time order,
 * date-filter bounds that hold every message, allocation in time order whatever the arrival
 * order, and date filters that stay exact with bounds inside a second.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { applySqlite } from "../../src/store/sqljs/apply.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { compactPkBase, COMPACT_PK_RANGE, SECOND_SLOTS, WHOLE_SECOND_SLOTS } from "../../src/store/sqljs/pk.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { WriteOp } from "../../src/store/types.ts";
import { msg } from "./sqljs_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-pk-"));
after(() => rmSync(root, { recursive: true, force: true }));

const CHAT = "4915112345678@s.whatsapp.net";
const T = 1_736_935_200_000; // a whole second

/** A deterministic shuffle. */
function shuffled<T>(items: T[], seed = 7): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("compact message pk", () => {
  test("a whole second owns its first slots, every other millisecond one, in time order", () => {
    for (const base of [-3 * 1000, 0, 7 * 1000, T]) {
      for (let t = base - 1000; t < base + 1000; t++) {
        const gap = compactPkBase(t + 1) - compactPkBase(t);
        assert.equal(gap, ((t % 1000) + 1000) % 1000 === 0 ? WHOLE_SECOND_SLOTS : 1, `after ${t}`);
      }
      assert.equal(compactPkBase(base), (base / 1000) * SECOND_SLOTS);
    }
    assert.ok(Number.isSafeInteger(compactPkBase(Number.MAX_SAFE_INTEGER)) && Number.isSafeInteger(compactPkBase(-Infinity)));
  });

  test("date bounds: a message at or after t is at or above from(t); one before t, inside its second, is below until(t)", () => {
    const instants = [-2001, -2000, -1999, -1, 0, 1, 999, 1000, 1001, T - 1, T, T + 1, T + 999];
    for (const t of instants) {
      for (const ts of instants) {
        const lowest = compactPkBase(ts);
        const highest = (Math.floor(ts / 1000) + 1) * SECOND_SLOTS - 1; // the last slot of its second
        if (ts >= t) assert.ok(lowest >= COMPACT_PK_RANGE.from(t), `${ts} >= ${t}`);
        else assert.ok(highest < COMPACT_PK_RANGE.until(t), `${ts} < ${t}`);
      }
    }
  });

  test("pks follow time, whatever the arrival order: whole-second bursts up to their slots and distinct milliseconds", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    try {
      migrateSqlite(db);
      const ops: WriteOp[] = [];
      for (let k = 0; k < WHOLE_SECOND_SLOTS; k++) ops.push(msg(CHAT, `W${k}`, T, "burst"));
      for (const ms of [1, 2, 500, 998, 999, 1000, 1001, 2000, -1000, -1]) ops.push(msg(CHAT, `MS${ms}`, T + ms, "ms"));
      const order = shuffled(ops);
      for (let at = 0; at < order.length; at += 100) applySqlite(db, order.slice(at, at + 100));
      const ts = (db.exec("SELECT ts FROM message_rows ORDER BY pk")[0]?.values ?? []).map((r) => Number(r[0]));
      assert.equal(ts.length, ops.length);
      assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
      // More than a second holds: every message is stored, the rest past the highest pk.
      applySqlite(db, Array.from({ length: SECOND_SLOTS + 10 }, (_, k) => msg(CHAT, `X${k}`, T + 5000, "many")));
      assert.equal(db.exec("SELECT count(*) FROM message_rows WHERE ts = ?", [T + 5000])[0]?.values[0]?.[0], SECOND_SLOTS + 10);
    } finally {
      db.close();
    }
  });

  test("date filters stay exact with bounds inside a second, also where messages spilled in it", async () => {
    const repo = await openSqljsRepository({ dir: join(root, "filters") });
    try {
      // A burst past the whole second's slots spills over its milliseconds, which arrive later.
      const ops: WriteOp[] = [];
      for (let k = 0; k < WHOLE_SECOND_SLOTS + 20; k++) ops.push(msg(CHAT, `W${k}`, T, "common burst"));
      for (const ms of [1, 5, 30, 999]) ops.push(msg(CHAT, `MS${ms}`, T + ms, "common ms"));
      ops.push(msg(CHAT, "PREV", T - 1, "common prev"), msg(CHAT, "NEXT", T + 1000, "common next"));
      await repo.commit(ops);
      const instants = new Map(ops.map((o) => o.op === "upsertMessage" ? [o.message.id, o.message.ts] as const : ["", 0] as const));
      for (const [after, before] of [[T, T + 1], [T + 1, T + 31], [T + 2, T + 1000], [T - 1, T], [T + 6, T + 1001], [T + 999, T + 1000]]) {
        const want = [...instants].filter(([, ts]) => ts >= after! && ts < before!).map(([id]) => id).sort();
        for (const query of [undefined, "common"]) {
          const got: string[] = [];
          let cursor: string | undefined;
          do { // pages of 500, by their cursors
            const page = await repo.listMessages({ chatJid: CHAT, after, before, query, limit: 500, cursor });
            got.push(...page.items.map((m) => m.id));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          assert.deepEqual(got.sort(), want, `${after! - T}..${before! - T} ${query ?? ""}`);
        }
      }
    } finally {
      await repo.close();
    }
  });
});

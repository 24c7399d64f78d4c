import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { jsonRows } from "../../src/store/postgres/json_rows.ts";
import type { Pg } from "../../src/store/postgres/client.ts";
import { MERGE_EVERY, MERGE_IDLE_MS, MIN_ANALYZE_ROWS, shouldAnalyze, StoreUpkeep } from "../../src/store/postgres/upkeep.ts";

describe("shouldAnalyze()", () => {
  test("analyzes after three times as many new messages as the last analysis saw, at least MIN_ANALYZE_ROWS", () => {
    assert.equal(shouldAnalyze(MIN_ANALYZE_ROWS - 1, 0), false);
    assert.equal(shouldAnalyze(MIN_ANALYZE_ROWS, 0), true);
    assert.equal(shouldAnalyze(MIN_ANALYZE_ROWS - 1, 1000), false);
    assert.equal(shouldAnalyze(470_000, 160_000), false);
    assert.equal(shouldAnalyze(480_000, 160_000), true);
  });
});

describe("jsonRows()", () => {
  test("is JSON.stringify, with lone surrogates as U+FFFD (what a text parameter would store)", () => {
    assert.equal(jsonRows([{ a: "x\"y", b: null, c: 1 }]), JSON.stringify([{ a: "x\"y", b: null, c: 1 }]));
    assert.equal(jsonRows([{ t: "ok 😀" }]), '[{"t":"ok 😀"}]', "pairs stay as they are");
    assert.deepEqual(JSON.parse(jsonRows([{ t: "cut \ud83d", u: "\udc00x" }])), [{ t: "cut \ufffd", u: "\ufffdx" }]);
    // A literal backslash before "ud83d" is text, not an escape.
    assert.deepEqual(JSON.parse(jsonRows([{ t: "\\ud83d and \\\ud83d" }])), [{ t: "\\ud83d and \\\ufffd" }]);
  });
});

describe("StoreUpkeep's pending-list merges", () => {
  /** A connection that records statements; merges wait until `finish()` is called. */
  function fakePg() {
    const sent: string[] = [];
    const waiting: Array<() => void> = [];
    const pg = {
      unsafe(sql: string) {
        sent.push(sql);
        if (sql.includes("gin_clean_pending_list")) return new Promise<unknown[]>((r) => waiting.push(() => r([])));
        return Promise.resolve(sql.includes("reltuples") ? [{ rows_then: 1_000_000, modified: 0 }] : []);
      },
    };
    const finish = async () => {
      while (waiting.length > 0) waiting.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    };
    return { pg: pg as unknown as Pg, sent, finish, merges: () => sent.filter((s) => s.includes("gin_clean_pending_list")).length };
  }

  test("merges every MERGE_EVERY messages while writes go on, not on every commit", async () => {
    const f = fakePg();
    const upkeep = await StoreUpkeep.start(f.pg, (err) => assert.fail(String(err)));
    assert.equal(f.merges(), 1, "the merge at open");
    await f.finish();
    for (let i = 0; i < MERGE_EVERY / 1000 - 1; i++) upkeep.note(1000);
    assert.equal(f.merges(), 1, "no merge before MERGE_EVERY messages");
    upkeep.note(1000);
    assert.equal(f.merges(), 2, "a merge once MERGE_EVERY messages were written, without waiting for a pause");
    await f.finish();
    await upkeep.close();
  });

  test("a merge asked for while one runs follows it (what was added meanwhile is merged too)", async () => {
    const f = fakePg();
    const upkeep = await StoreUpkeep.start(f.pg, (err) => assert.fail(String(err)));
    upkeep.note(1000); // arms the merge for when writes pause
    await new Promise((r) => setTimeout(r, MERGE_IDLE_MS + 100)); // they pause while the open's merge still runs
    assert.equal(f.merges(), 1, "one merge at a time");
    await f.finish();
    assert.equal(f.merges(), 2, "merged again after the running merge");
    await f.finish();
    await upkeep.close();
    assert.equal(f.merges(), 2);
  });
});

/**
 * The full-text index's segment merges (fts_merge.ts): the size rule, and that every search
 * answers the same before, during and after a merge, and after a store closed in the middle of
 * one (the merge goes on after the next open).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasQueued, indexQueued } from "../../src/store/sqljs/fts_queue.ts";
import { MERGE_RULE, mergeCount, mergeInProgress, mergeStep, mergeWanted, segments } from "../../src/store/sqljs/fts_merge.ts";
import { createSqljsRepository, type DurableStore, type SqljsRepositoryOptions } from "../../src/store/sqljs/repository.ts";
import type { ListMessagesQuery, Repository } from "../../src/store/types.ts";
import { prng } from "../../src/bench/store.ts";
import { BROAD_EXCLUSIONS, dataset, filters, openSearchEngine, openSearchStore, pages, query } from "./search_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-merge-"));
after(() => rmSync(root, { recursive: true, force: true }));

const MB = 1e6;

describe("mergeCount()", () => {
  test("merges fresh small segments at once and leaves a big one until the data after it is a quarter of it", () => {
    assert.equal(mergeCount([]), 0);
    assert.equal(mergeCount([54 * MB]), 0);
    assert.equal(mergeCount([54 * MB, 0.1 * MB, 0.02 * MB]), 2, "two small ones");
    assert.equal(mergeCount([54 * MB, 3 * MB, 0.02 * MB]), 0, "a fresh one alone waits");
    assert.equal(mergeCount([54 * MB, 3 * MB, 0.5 * MB, 0.3 * MB]), 3, "3 MB once the newer ones are a quarter of it");
    assert.equal(mergeCount([54 * MB, 10 * MB, 3.4 * MB]), 2, "the big one below a quarter: 10 + 3.4 MB");
    assert.equal(mergeCount([54 * MB, 10 * MB, 3.6 * MB]), 3, "the big one at a quarter");
    assert.equal(mergeCount([54 * MB, 10 * MB, 3.6 * MB], { ratio: 2, smallBytes: 0 }), 0, "a stricter rule: 10 MB waits");
    assert.equal(mergeCount([9.5 * MB, 9.5 * MB, 9.5 * MB, 0.7 * MB, 0.7 * MB, 0.06 * MB]), 6, "an import's segments all at once");
  });

  test("live use: few segments; the biggest rewritten only once the data after it is a quarter of it", () => {
    const rnd = prng(5);
    let segs = [54 * MB];
    let written = 0;
    let most = 0;
    const bigRewrites: number[] = [];
    for (let round = 0; round < 5000; round++) {
      segs.push(5_000 + rnd() * 45_000); // one index round of 50-500 messages
      const n = mergeCount(segs);
      if (n > 0) {
        const merged = segs.slice(-n).reduce((a, b) => a + b, 0);
        if (n === segs.length) {
          const added = merged - segs[0]!;
          assert.ok(added >= segs[0]! / MERGE_RULE.ratio, `rewritten after ${added} bytes added to ${segs[0]}`);
          bigRewrites.push(round);
        }
        written += merged;
        segs = [...segs.slice(0, -n), merged];
      }
      most = Math.max(most, segs.length);
      assert.equal(mergeCount(segs), 0, "one merge leaves nothing the rule wants");
    }
    const added = segs.reduce((a, b) => a + b, 0) - 54 * MB;
    assert.ok(most <= 6, `at most 6 segments (${most})`);
    assert.ok(bigRewrites.length <= 5 && bigRewrites[0]! > 400, `the biggest rewritten at rounds ${bigRewrites}`);
    assert.ok(written < 16 * added, `bytes merged ${Math.round(written / MB)} MB for ${Math.round(added / MB)} MB added`);
  });
});

function openStore(name: string, opts: SqljsRepositoryOptions) {
  return openSearchStore(root, name, opts);
}

type Store = Awaited<ReturnType<typeof openStore>>;

/** The dataset committed in slices, each indexed at once: many segments, and deletes of indexed rows in later ones. */
async function load(s: Store): Promise<void> {
  const { first, second } = dataset();
  for (const ops of [first, second]) {
    for (let i = 0; i < ops.length; i += 23) {
      await s.repo.commit(ops.slice(i, i + 23));
      await s.durable.maintain((db) => indexQueued(db, 1e9));
    }
  }
}

/** Answers of the same generated searches (all orders, filters and pages) from both stores are equal. */
async function sameAnswers(a: Repository, b: Repository, seed: number, n: number): Promise<void> {
  const { texts } = dataset();
  const rnd = prng(seed);
  for (let i = 0; i < n; i++) {
    const text = i % 10 === 0 ? BROAD_EXCLUSIONS[(i / 10) % BROAD_EXCLUSIONS.length]! : query(rnd, texts);
    const q: ListMessagesQuery = { ...filters(rnd), query: text, limit: 1 + Math.floor(rnd() * 6) };
    if (i % 5 === 1) q.order = "relevance";
    const byOffset = q.order === "relevance" || rnd() < 0.3;
    assert.deepEqual(await pages(b, q, byOffset), await pages(a, q, byOffset), `query ${JSON.stringify(q)}`);
  }
}

describe("sql.js full-text segment merges", () => {
  test("every search answers the same before, during and after a merge, and after a close in the middle of one", async () => {
    const quiet = { indexDelayMs: 1e9, mergePages: 0 };
    const ref = await openStore("ref", quiet);
    let merged: Store = await openStore("merged", quiet);
    try {
      await load(ref);
      await load(merged);
      const before = segments(merged.durable.db).length;
      assert.ok(before >= 6, `many segments (${before})`);
      await sameAnswers(ref.repo, merged.repo, 1, 60);

      assert.equal(await merged.durable.maintain((db) => mergeStep(db, 1)), "started");
      await merged.durable.maintain((db) => mergeStep(db, 1));
      assert.ok(mergeInProgress(merged.durable.db), "a merge under way");
      await sameAnswers(ref.repo, merged.repo, 2, 120);

      // Closed in the middle of the merge: the final snapshot holds it; the next open goes on with it.
      await merged.repo.close();
      merged = await openStore("merged", { indexDelayMs: 5, mergeGapMs: 0 });
      assert.ok(mergeInProgress(merged.durable.db), "still under way after the open");
      for (let i = 0; i < 500 && mergeWanted(merged.durable.db); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(mergeWanted(merged.durable.db), false, "the background finished the merge");
      const after = segments(merged.durable.db);
      assert.equal(after.length, 1, `one segment (${after.length}; every one is small)`);
      await sameAnswers(ref.repo, merged.repo, 3, 200);
    } finally {
      await ref.repo.close();
      await merged.repo.close();
    }
  });

  test("a merge is not lost when a search indexed the queue while the background's index task waited", async () => {
    const durable = await openSearchEngine(root, "raced");
    // The store as the repository sees it, holding the first lane task asked for once armed.
    let armed = false;
    let held: (() => void) | null = null;
    const store: DurableStore = {
      get db() {
        return durable.db;
      },
      commit: (ops) => durable.commit(ops),
      maintain: (fn) => {
        if (!armed || held !== null) return durable.maintain(fn);
        return new Promise<void>((go) => (held = go)).then(() => durable.maintain(fn));
      },
      stats: () => durable.stats(),
      close: () => durable.close(),
      snapshotting: () => durable.snapshotting(),
    };
    const repo = createSqljsRepository(store, { indexDelayMs: 20, indexMinRound: 1, mergeGapMs: 0 });
    const until = async (ok: () => boolean) => {
      for (let k = 0; k < 300 && !ok(); k++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      const { first } = dataset();
      await repo.commit(first.slice(0, 20));
      await until(() => !hasQueued(durable.db) && !mergeWanted(durable.db));
      assert.equal(segments(durable.db).length, 1);
      armed = true;
      await repo.commit(first.slice(20, 40));
      await until(() => held !== null); // the background's index task waits on the lane
      assert.notEqual(held, null);
      await durable.maintain((db) => indexQueued(db, 1e9)); // what a search does with a short queue
      assert.equal(mergeWanted(durable.db), true, "two segments");
      held!(); // the background task runs: nothing left to index
      await until(() => !mergeWanted(durable.db));
      assert.equal(segments(durable.db).length, 1, "merged without another commit");
    } finally {
      await repo.close();
    }
  });

  test("new segments are merged in the background once writes pause, not while they continue", async () => {
    const DELAY = 150;
    const s = await openStore("live", { indexDelayMs: DELAY, indexMinRound: 1e9, mergeGapMs: 0 });
    try {
      const { first } = dataset();
      const settle = async () => {
        for (let k = 0; k < 300 && (hasQueued(s.durable.db) || mergeWanted(s.durable.db)); k++) await new Promise((r) => setTimeout(r, 10));
      };
      // Rounds of a few new messages, each indexed once writes pause (a segment), merged away.
      for (let i = 0; i < 200; i += 20) {
        await s.repo.commit(first.slice(i, i + 20));
        await settle();
      }
      assert.equal(mergeWanted(s.durable.db), false);
      assert.equal(segments(s.durable.db).length, 1, "small segments merged into one");
      // Two more segments, then writes that keep coming (no new text: nothing to index): no merge
      // until they pause. A machine stall longer than the delay voids an attempt (up to 5).
      let premise = false;
      for (let attempt = 0; attempt < 5 && !premise; attempt++) {
        for (const at of [200 + attempt * 20, 210 + attempt * 20]) {
          await s.repo.commit(first.slice(at, at + 10));
          await s.durable.maintain((db) => indexQueued(db, 1e9));
        }
        let last = performance.now();
        let gap = 0;
        for (let k = 0; k < 40; k++) {
          await s.repo.commit([{ op: "setMeta", key: "tick", value: String(k) }]);
          await new Promise((r) => setTimeout(r, 5));
          gap = Math.max(gap, performance.now() - last);
          last = performance.now();
        }
        premise = gap < DELAY / 2;
        if (premise) assert.ok(segments(s.durable.db).length >= 3, "not merged while writes continue");
        await settle();
        assert.equal(segments(s.durable.db).length, 1, "merged once they pause");
      }
      assert.ok(premise, "writes kept coming closer together than the delay in one attempt at least");
    } finally {
      await s.repo.close();
    }
  });
});

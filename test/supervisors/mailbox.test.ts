import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createMailbox, createManualClock } from "../../supervisors/mod.ts";
import { settle } from "./kit.ts";

describe("createMailbox", () => {
  test("delivers in order, one at a time, awaiting each delivery", async () => {
    const box = createMailbox<number>();
    const seen: number[] = [];
    let active = 0;
    let maxActive = 0;
    box.start(async (n) => {
      maxActive = Math.max(maxActive, ++active);
      await settle(1);
      seen.push(n);
      active--;
    });
    for (let i = 0; i < 5; i++) box.enqueue(i);
    await settle(10);
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.equal(maxActive, 1);
  });

  test("never delivers in the sender's stack", async () => {
    const box = createMailbox<string>();
    const seen: string[] = [];
    box.start((s) => void seen.push(s));
    box.enqueue("a");
    assert.deepEqual(seen, []);
    await settle(1);
    assert.deepEqual(seen, ["a"]);
  });

  test("keeps items queued before start and delivers them once started", async () => {
    const box = createMailbox<string>();
    box.enqueue("early");
    const seen: string[] = [];
    box.start((s) => void seen.push(s));
    await settle(1);
    assert.deepEqual(seen, ["early"]);
  });

  test("close returns the queued items and refuses new ones; the current delivery finishes", async () => {
    const box = createMailbox<number>();
    const seen: number[] = [];
    let dropped: number[] = [];
    box.start(async (n) => {
      if (n === 1) dropped = box.close();
      await settle(1);
      seen.push(n);
    });
    box.enqueue(1);
    box.enqueue(2);
    box.enqueue(3);
    await settle(5);
    assert.deepEqual(seen, [1]);
    assert.deepEqual(dropped, [2, 3]);
    assert.equal(box.enqueue(4), false);
  });
});

describe("createManualClock", () => {
  test("advance runs due callbacks in time order, including ones they schedule, and lets their async work finish", async () => {
    const clock = createManualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 30);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
      void Promise.resolve().then(() => Promise.resolve()).then(() => fired.push("a's async work"));
    }, 10);
    clock.setTimeout(() => fired.push("late"), 50);
    await clock.advance(30);
    assert.deepEqual(fired, ["a@110", "a's async work", "c@115", "b@130"]);
    assert.equal(clock.now(), 130);
    assert.equal(clock.pending, 1);
  });

  test("a cleared callback never runs", async () => {
    const clock = createManualClock();
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(handle);
    await clock.advance(20);
    assert.equal(fired, false);
    assert.equal(clock.pending, 0);
  });
});

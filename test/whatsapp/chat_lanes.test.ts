import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createKeyedLanes } from "../../src/whatsapp/chat_lanes.ts";

const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
};

/** Work the test finishes by hand, recording when it starts. */
function step(log: string[], name: string) {
  let finish!: (v: string) => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<string>((res, rej) => {
    finish = res;
    fail = rej;
  });
  return {
    run: () => {
      log.push(`start:${name}`);
      return done;
    },
    finish: () => finish(name),
    fail: (e: unknown) => fail(e),
  };
}

describe("keyed lanes", () => {
  test("work under one key starts only after the earlier work of that key settled, in call order", async () => {
    const lanes = createKeyedLanes();
    const log: string[] = [];
    const a1 = step(log, "a1");
    const a2 = step(log, "a2");
    const r1 = lanes.run("a", a1.run);
    const r2 = lanes.run("a", a2.run);
    await settle();
    assert.deepEqual(log, ["start:a1"]);
    a1.finish();
    assert.equal(await r1, "a1");
    await settle();
    assert.deepEqual(log, ["start:a1", "start:a2"]);
    a2.finish();
    assert.equal(await r2, "a2");
  });

  test("different keys run side by side", async () => {
    const lanes = createKeyedLanes();
    const log: string[] = [];
    const a = step(log, "a");
    const b = step(log, "b");
    const ra = lanes.run("a", a.run);
    const rb = lanes.run("b", b.run);
    await settle();
    assert.deepEqual(log, ["start:a", "start:b"]);
    b.finish();
    assert.equal(await rb, "b");
    a.finish();
    assert.equal(await ra, "a");
  });

  test("a failure rejects only its own caller and the lane goes on", async () => {
    const lanes = createKeyedLanes();
    const log: string[] = [];
    const bad = step(log, "bad");
    const next = step(log, "next");
    const r1 = lanes.run("a", bad.run);
    const r2 = lanes.run("a", next.run);
    await settle();
    bad.fail(new Error("refused"));
    await assert.rejects(r1, /refused/);
    await settle();
    next.finish();
    assert.equal(await r2, "next");
  });

  test("drained lanes are forgotten", async () => {
    const lanes = createKeyedLanes();
    const log: string[] = [];
    const a = step(log, "a");
    const r = lanes.run("a", a.run);
    assert.equal(lanes.busy, 1);
    a.finish();
    await r;
    await settle();
    assert.equal(lanes.busy, 0);
  });
});

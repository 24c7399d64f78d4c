import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  EscalationError,
  ShutdownTimeoutError,
  StartFailedError,
  startTree,
  supervisor,
  worker,
} from "../../supervisors/mod.ts";
import { probeChild, settle, testTree } from "./kit.ts";

const crash = (tree: { registry: { tell(name: string, msg: unknown): void } }, id: string) =>
  tree.registry.tell(id, { type: "crash" });

describe("startTree: order", () => {
  test("starts children in order and stop() stops them in reverse order", async () => {
    const journal: string[] = [];
    const { tree, seen } = await testTree(["a", "b", "c"].map((id) => probeChild(journal, id)));
    assert.deepEqual(journal, ["start:a", "start:b", "start:c"]);
    await tree.stop();
    assert.deepEqual(journal.slice(3), ["stop:c:shutdown", "stop:b:shutdown", "stop:a:shutdown"]);
    assert.deepEqual(seen(), ["started:a", "started:b", "started:c", "stopped:c", "stopped:b", "stopped:a"]);
    assert.deepEqual(await tree.done, { reason: "shutdown" });
    assert.deepEqual(tree.registry.names(), []);
  });
});

describe("strategies", () => {
  test("one_for_one restarts only the crashed child; a message sent by name reaches the new incarnation", async () => {
    const journal: string[] = [];
    const { tree } = await testTree(["a", "b"].map((id) => probeChild(journal, id)), { strategy: "one_for_one" });
    crash(tree, "a");
    await settle();
    assert.deepEqual(journal.slice(2), ["stop:a:crash", "start:a"]);
    assert.equal(await tree.registry.ask("a", { type: "ping" }), "a#2");
    assert.equal(await tree.registry.ask("b", { type: "ping" }), "b#1");
    assert.deepEqual(tree.children(), [
      { id: "a", type: "worker", running: true, restarts: 1 },
      { id: "b", type: "worker", running: true, restarts: 0 },
    ]);
    await tree.stop();
  });

  test("one_for_all stops the others in reverse order, then starts all in order", async () => {
    const journal: string[] = [];
    const { tree } = await testTree(["a", "b", "c"].map((id) => probeChild(journal, id)), { strategy: "one_for_all" });
    journal.length = 0;
    crash(tree, "b");
    await settle();
    assert.deepEqual(journal, ["stop:b:crash", "stop:c:shutdown", "stop:a:shutdown", "start:a", "start:b", "start:c"]);
    await tree.stop();
  });

  test("rest_for_one restarts the crashed child and those after it, in order", async () => {
    const journal: string[] = [];
    const { tree } = await testTree(["a", "b", "c"].map((id) => probeChild(journal, id)), { strategy: "rest_for_one" });
    journal.length = 0;
    crash(tree, "b");
    await settle();
    assert.deepEqual(journal, ["stop:b:crash", "stop:c:shutdown", "start:b", "start:c"]);
    assert.equal(await tree.registry.ask("a", { type: "ping" }), "a#1");
    await tree.stop();
  });

  test("two children dying together under one_for_all cause one restart, not two", async () => {
    const journal: string[] = [];
    const { tree } = await testTree(["a", "b"].map((id) => probeChild(journal, id)), {
      strategy: "one_for_all",
      intensity: 1,
    });
    crash(tree, "a");
    crash(tree, "b");
    await settle();
    assert.equal(await tree.registry.ask("a", { type: "ping" }), "a#2");
    assert.equal(await tree.registry.ask("b", { type: "ping" }), "b#2");
    await tree.stop();
  });
});

describe("restart types", () => {
  test("a permanent child is restarted even after a normal exit", async () => {
    const { tree, seen } = await testTree([probeChild([], "p")]);
    tree.registry.tell("p", { type: "exit" });
    await settle();
    assert.equal(await tree.registry.ask("p", { type: "ping" }), "p#2");
    assert.deepEqual(seen(), ["started:p", "stopped:p", "restarted:p"]);
    await tree.stop();
  });

  test("a transient child is restarted after a crash but not after a normal exit", async () => {
    const { tree } = await testTree([probeChild([], "t", { restart: "transient" })]);
    crash(tree, "t");
    await settle();
    assert.equal(await tree.registry.ask("t", { type: "ping" }), "t#2");
    tree.registry.tell("t", { type: "exit" });
    await settle();
    assert.deepEqual(tree.children(), [{ id: "t", type: "worker", running: false, restarts: 1 }]);
    assert.equal(tree.registry.whereis("t"), undefined);
    await tree.stop();
  });

  test("a temporary child is never restarted and is forgotten", async () => {
    const journal: string[] = [];
    const { tree, seen } = await testTree([
      probeChild(journal, "tmp", { restart: "temporary" }),
      probeChild(journal, "p"),
    ]);
    crash(tree, "tmp");
    await settle();
    assert.deepEqual(tree.children().map((c) => c.id), ["p"]);
    assert.deepEqual(seen(), ["started:tmp", "started:p", "crashed:tmp"]);
    await tree.stop();
  });

  test("a temporary sibling stopped by one_for_all is not started again", async () => {
    const journal: string[] = [];
    const { tree } = await testTree([probeChild(journal, "tmp", { restart: "temporary" }), probeChild(journal, "p")], {
      strategy: "one_for_all",
    });
    crash(tree, "p");
    await settle();
    assert.deepEqual(journal.slice(2), ["stop:p:crash", "stop:tmp:shutdown", "start:p"]);
    assert.deepEqual(tree.children().map((c) => c.id), ["p"]);
    await tree.stop();
  });
});

describe("restart intensity", () => {
  test("at the root: past the intensity the tree stops every child in reverse and done settles escalated", async () => {
    const journal: string[] = [];
    const { tree, events } = await testTree(["a", "b"].map((id) => probeChild(journal, id)), {
      intensity: 1,
      periodMs: 5000,
    });
    crash(tree, "b");
    await settle();
    crash(tree, "b");
    const done = await tree.done;
    assert.equal(done.reason, "escalated");
    assert.ok(done.error instanceof EscalationError);
    assert.equal(done.error.supervisor, "root");
    assert.deepEqual(journal.slice(2), ["stop:b:crash", "start:b", "stop:b:crash", "stop:a:shutdown"]);
    const escalated = events.find((e) => e.type === "escalated");
    assert.equal(escalated?.id, "root");
    assert.equal(escalated && "error" in escalated && escalated.error, done.error);
    assert.deepEqual(tree.registry.names(), []);
  });

  test("to the parent: a nested supervisor that gives up counts as that child crashing, and is restarted fresh", async () => {
    const journal: string[] = [];
    const conn = probeChild(journal, "conn");
    const sync = probeChild(journal, "sync");
    const { tree, seen } = await testTree([
      probeChild(journal, "store"),
      supervisor(
        "whatsapp",
        () => ({ strategy: "rest_for_one", intensity: 0, periodMs: 5000, children: [conn, sync] }),
      ),
    ]);
    journal.length = 0;
    const before = seen().length;
    crash(tree, "conn");
    await settle(6);
    assert.deepEqual(journal, ["stop:conn:crash", "stop:sync:shutdown", "start:conn", "start:sync"]);
    assert.deepEqual(seen().slice(before), [
      "crashed:conn",
      "escalated:whatsapp",
      "stopped:sync",
      "crashed:whatsapp",
      "started:conn",
      "started:sync",
      "restarted:whatsapp",
    ]);
    assert.equal(await tree.registry.ask("conn", { type: "ping" }), "conn#2");
    assert.equal(await tree.registry.ask("store", { type: "ping" }), "store#1");
    assert.deepEqual(tree.children("whatsapp").map((c) => [c.id, c.running]), [["conn", true], ["sync", true]]);
    await tree.stop();
  });

  test("crashes further apart than the period never exhaust the intensity (injected clock)", async () => {
    const { tree, clock } = await testTree([probeChild([], "a")], { intensity: 1, periodMs: 1000 });
    for (let i = 0; i < 4; i++) {
      crash(tree, "a");
      await settle();
      await clock.advance(1001);
    }
    assert.equal(await tree.registry.ask("a", { type: "ping" }), "a#5");
    await tree.stop();
  });

  test("the same crashes within the period do exhaust it", async () => {
    const { tree, clock } = await testTree([probeChild([], "a")], { intensity: 1, periodMs: 1000 });
    crash(tree, "a");
    await settle();
    await clock.advance(999);
    crash(tree, "a");
    assert.equal((await tree.done).reason, "escalated");
  });
});

describe("start failures", () => {
  test("at tree start: those already started stop in reverse and startTree rejects with StartFailedError", async () => {
    const journal: string[] = [];
    const events: string[] = [];
    await assert.rejects(
      startTree({
        strategy: "one_for_one",
        intensity: 1,
        periodMs: 5000,
        children: [
          probeChild(journal, "a"),
          probeChild(journal, "b"),
          probeChild(journal, "c", { failStart: () => true }),
          probeChild(journal, "d"),
        ],
      }, { onEvent: (e) => events.push(`${e.type}:${e.id}`) }),
      (e: unknown) => e instanceof StartFailedError && e.child === "c" && /c cannot start/.test(e.message),
    );
    assert.deepEqual(journal, ["start:a", "start:b", "stop:b:shutdown", "stop:a:shutdown"]);
    assert.deepEqual(events, ["started:a", "started:b", "start_failed:c", "stopped:b", "stopped:a"]);
  });

  test("at restart: a start that fails is tried again and succeeds", async () => {
    let failures = 0;
    const { tree, seen } = await testTree([probeChild([], "a", { failStart: () => failures-- > 0 })]);
    failures = 1;
    crash(tree, "a");
    await settle();
    assert.equal(await tree.registry.ask("a", { type: "ping" }), "a#2");
    assert.deepEqual(seen(), ["started:a", "crashed:a", "start_failed:a", "restarted:a"]);
    await tree.stop();
  });

  test("at restart: each failed start counts like a crash until the supervisor gives up", async () => {
    let broken = false;
    const { tree, seen } = await testTree([probeChild([], "a", { failStart: () => broken })], { intensity: 3 });
    broken = true;
    crash(tree, "a");
    assert.equal((await tree.done).reason, "escalated");
    assert.deepEqual(seen(), [
      "started:a",
      "crashed:a",
      "start_failed:a",
      "start_failed:a",
      "start_failed:a",
      "escalated:root",
    ]);
  });
});

describe("shutdown", () => {
  test("a child that overruns its shutdownMs is abandoned (signal aborted), reported, and the stop goes on", async () => {
    const journal: string[] = [];
    let signal: AbortSignal | undefined;
    const never = new Promise<void>(() => {});
    const { tree, clock, events } = await testTree([
      probeChild(journal, "a"),
      probeChild(journal, "hang", { shutdownMs: 100, onStart: (ctx) => (signal = ctx.signal), onStop: () => never }),
    ]);
    const stopping = tree.stop();
    await settle();
    assert.equal(signal?.aborted, false);
    await clock.advance(100);
    await stopping;
    assert.equal(signal?.aborted, true);
    assert.deepEqual(journal.slice(2), ["stop:a:shutdown"]);
    const stopped = events.find((e) => e.type === "stopped" && e.id === "hang");
    assert.ok(stopped && "error" in stopped && stopped.error instanceof ShutdownTimeoutError);
    assert.equal(clock.pending, 0);
  });

  test("abandoning a supervisor abandons its children too", async () => {
    let signal: AbortSignal | undefined;
    const never = new Promise<void>(() => {});
    const { tree, clock } = await testTree([
      supervisor("sub", () => ({
        strategy: "one_for_one",
        intensity: 1,
        periodMs: 5000,
        children: [
          probeChild([], "w", { shutdownMs: Infinity, onStart: (ctx) => (signal = ctx.signal), onStop: () => never }),
        ],
      }), { shutdownMs: 50 }),
    ]);
    const stopping = tree.stop();
    await clock.advance(50);
    await stopping;
    assert.equal(signal?.aborted, true);
    assert.deepEqual(tree.registry.names(), []);
  });
});

describe("specs and paths", () => {
  test("invalid specs are refused with a TypeError that says what is wrong", async () => {
    const base = { strategy: "one_for_one" as const, intensity: 1, periodMs: 1000 };
    const a = probeChild([], "a");
    await assert.rejects(
      startTree({ ...base, intensity: -1, children: [] }),
      /intensity must be a whole number >= 0, got -1/,
    );
    await assert.rejects(startTree({ ...base, children: [a, a] }), /child id "a" appears twice/);
    await assert.rejects(startTree({ ...base, children: [{ ...a, restart: "sometimes" as "permanent" }] }), TypeError);
  });

  test("a worker whose start() returns no Behavior fails to start with a TypeError", async () => {
    const notABehavior = worker("w", () => ({}) as never);
    await assert.rejects(
      startTree({ strategy: "one_for_one", intensity: 1, periodMs: 1000, children: [notABehavior] }),
      (e: unknown) =>
        e instanceof StartFailedError && e.cause instanceof TypeError && /returned no Behavior/.test(e.message),
    );
  });

  test("worker and supervisor fill OTP's defaults", () => {
    const w = worker("w", () => ({ receive: () => {} }));
    const s = supervisor("s", () => ({ strategy: "one_for_one", intensity: 1, periodMs: 1000, children: [] }));
    assert.deepEqual([w.type, w.restart, w.shutdownMs], ["worker", "permanent", 5000]);
    assert.deepEqual([s.type, s.restart, s.shutdownMs], ["supervisor", "permanent", Infinity]);
  });

  test("children(path) walks into nested supervisors and refuses a path that is not one", async () => {
    const { tree } = await testTree([
      probeChild([], "store"),
      supervisor(
        "media",
        () => ({ strategy: "one_for_one", intensity: 1, periodMs: 1000, children: [probeChild([], "ffmpeg")] }),
      ),
    ]);
    assert.deepEqual(tree.children().map((c) => [c.id, c.type]), [["store", "worker"], ["media", "supervisor"]]);
    assert.deepEqual(tree.children("media"), [{ id: "ffmpeg", type: "worker", running: true, restarts: 0 }]);
    assert.throws(() => tree.children("store"), /"store" is not a running supervisor/);
    await tree.stop();
  });

  test("a throwing onEvent listener does not break supervision", async () => {
    const tree = await startTree(
      { strategy: "one_for_one", intensity: 1, periodMs: 1000, children: [probeChild([], "a")] },
      {
        onEvent: () => {
          throw new Error("listener bug");
        },
      },
    );
    crash(tree, "a");
    await settle();
    assert.equal(await tree.registry.ask("a", { type: "ping" }), "a#2");
    await tree.stop();
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type ActorContext,
  ActorCrashedError,
  ActorStoppedError,
  AskTimeoutError,
  ReplyError,
  worker,
} from "../../supervisors/mod.ts";
import { gate, probeChild, type ProbeMessage, settle, testTree } from "./kit.ts";

describe("actors", () => {
  test("told messages are handled in order and an ask resolves with what receive returns", async () => {
    const journal: string[] = [];
    const { tree } = await testTree([probeChild(journal, "p")]);
    tree.registry.tell("p", { type: "note", text: "one" });
    tree.registry.tell("p", { type: "note", text: "two" });
    assert.equal(await tree.registry.ask("p", { type: "ping" }), "p#1");
    assert.deepEqual(journal, ["start:p", "one", "two"]);
    await tree.stop();
  });

  test("a ReplyError rejects only that ask: the actor is not restarted", async () => {
    const { tree, seen } = await testTree([probeChild([], "p")]);
    await assert.rejects(
      tree.registry.ask("p", { type: "bad" }),
      (e: unknown) => e instanceof ReplyError && /p refuses/.test(e.message),
    );
    assert.equal(await tree.registry.ask("p", { type: "ping" }), "p#1");
    assert.deepEqual(seen(), ["started:p"]);
    await tree.stop();
  });

  test("any other throw rejects the ask with ActorCrashedError and the supervisor restarts the actor", async () => {
    const { tree, seen } = await testTree([probeChild([], "p")]);
    await assert.rejects(
      tree.registry.ask("p", { type: "crash" }),
      (e: unknown) => e instanceof ActorCrashedError && /p crashed/.test(String((e.cause as Error).message)),
    );
    await settle();
    assert.equal(await tree.registry.ask("p", { type: "ping" }), "p#2");
    assert.deepEqual(seen(), ["started:p", "crashed:p", "restarted:p"]);
    await tree.stop();
  });

  test("an ask times out on the injected clock with AskTimeoutError, leaving no timer behind", async () => {
    const { tree, clock } = await testTree([probeChild([], "p")]);
    const held = gate();
    const waiting = tree.registry.ask("p", { type: "wait", until: held.promise }, { timeoutMs: 60_000 });
    const answer = tree.registry.ask("p", { type: "ping" }, { timeoutMs: 100 });
    await clock.advance(99);
    let settled = false;
    answer.catch(() => {}).finally(() => (settled = true));
    await settle();
    assert.equal(settled, false);
    await clock.advance(1);
    await assert.rejects(
      answer,
      (e: unknown) => e instanceof AskTimeoutError && e.timeoutMs === 100 && e.actor === "p",
    );
    held.open();
    assert.equal(await waiting, "waited");
    assert.equal(clock.pending, 0);
    await tree.stop();
  });

  test("an ask whose signal aborts rejects with the signal's reason, and its message is skipped if not yet started", async () => {
    const journal: string[] = [];
    const { tree, clock } = await testTree([probeChild(journal, "p")]);
    const held = gate();
    const waiting = tree.registry.ask("p", { type: "wait", until: held.promise });
    const controller = new AbortController();
    const cancelled = tree.registry.ask("p", { type: "note", text: "should not run" }, { signal: controller.signal });
    controller.abort(new Error("client went away"));
    await assert.rejects(cancelled, /client went away/);
    held.open();
    await waiting;
    assert.equal(await tree.registry.ask("p", { type: "note", text: "runs" }), "runs");
    assert.deepEqual(journal, ["start:p", "runs"]);
    assert.equal(clock.pending, 0);
    await tree.stop();
  });

  test("an ask with an already aborted signal rejects at once", async () => {
    const { tree } = await testTree([probeChild([], "p")]);
    await assert.rejects(
      tree.registry.ask("p", { type: "ping" }, { signal: AbortSignal.abort(new Error("gone")) }),
      /gone/,
    );
    await tree.stop();
  });

  test("messages sent during start wait until start has finished", async () => {
    const order: string[] = [];
    const held = gate();
    const starting = testTree([
      worker("w", () => ({
        async start(ctx: ActorContext<string>) {
          ctx.self.tell("hello");
          await held.promise;
          order.push("started");
        },
        receive: (msg: string) => void order.push(msg),
      })),
    ]);
    await settle();
    held.open();
    const { tree } = await starting;
    await settle();
    assert.deepEqual(order, ["started", "hello"]);
    await tree.stop();
  });

  test("when an actor stops, the message in hand finishes and asks still queued reject with ActorStoppedError", async () => {
    const journal: string[] = [];
    const { tree } = await testTree([probeChild(journal, "p")]);
    const held = gate();
    const inHand = tree.registry.ask("p", { type: "wait", until: held.promise });
    const queued = tree.registry.ask("p", { type: "ping" });
    await settle();
    const stopping = tree.stop();
    await assert.rejects(queued, ActorStoppedError);
    held.open();
    assert.equal(await inHand, "waited");
    await stopping;
    assert.deepEqual(journal, ["start:p", "stop:p:shutdown"]);
  });

  test("a message told to a replaced incarnation is dropped and counted as a dead letter", async () => {
    const { tree } = await testTree([probeChild([], "p")]);
    const old = tree.registry.whereis<ProbeMessage>("p")!;
    old.tell({ type: "crash" });
    await settle();
    assert.notEqual(tree.registry.whereis("p"), old);
    const before = tree.registry.deadLetters;
    old.tell({ type: "ping" });
    assert.equal(tree.registry.deadLetters, before + 1);
    await assert.rejects(old.ask({ type: "ping" }), ActorStoppedError);
    await tree.stop();
  });

  test("tells still queued when an actor stops are counted as dead letters", async () => {
    const { tree } = await testTree([probeChild([], "p")]);
    const held = gate();
    tree.registry.tell("p", { type: "wait", until: held.promise });
    tree.registry.tell("p", { type: "note", text: "never handled" });
    tree.registry.tell("p", { type: "note", text: "never handled either" });
    await settle();
    const stopping = tree.stop();
    await settle();
    assert.equal(tree.registry.deadLetters, 2);
    held.open();
    await stopping;
  });

  test("stop hooks are told why: crash, normal, shutdown; the signal is aborted after the hook", async () => {
    const reasons: string[] = [];
    let signal: AbortSignal | undefined;
    const { tree } = await testTree([
      probeChild([], "p", {
        onStart: (ctx) => (signal = ctx.signal),
        onStop: (reason) => void reasons.push(`${reason}:${signal?.aborted}`),
      }),
    ]);
    tree.registry.tell("p", { type: "crash" });
    await settle();
    tree.registry.tell("p", { type: "exit" });
    await settle();
    const last = signal!;
    await tree.stop();
    assert.deepEqual(reasons, ["crash:false", "normal:false", "shutdown:false"]);
    assert.equal(last.aborted, true);
    assert.ok(last.reason instanceof ActorStoppedError);
  });

  test("fail() from a callback outside receive crashes the actor, which is restarted", async () => {
    let first = true;
    const { tree, clock, events, seen } = await testTree([
      probeChild([], "p", {
        onStart(ctx) {
          if (first) ctx.clock.setTimeout(() => ctx.fail(new Error("socket closed")), 1000);
          first = false;
        },
      }),
    ]);
    await clock.advance(1000);
    assert.equal(await tree.registry.ask("p", { type: "ping" }), "p#2");
    assert.deepEqual(seen(), ["started:p", "crashed:p", "restarted:p"]);
    assert.match(String((events[1] as { error: Error }).error), /socket closed/);
    await tree.stop();
  });
});

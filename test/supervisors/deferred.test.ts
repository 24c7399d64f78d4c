import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ActorCrashedError,
  ActorStoppedError,
  AskTimeoutError,
  type Behavior,
  deferReply,
  ReplyError,
  type StopReason,
  worker,
} from "../../supervisors/mod.ts";
import { settle, testTree } from "./kit.ts";

/** Work the test finishes by hand. */
function work<T = unknown>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type Msg = { type: "later"; work: Promise<unknown> } | { type: "ping" };

/** A worker that defers `later` (answered by its work) and answers `ping` at once with its incarnation. */
function deferring(opts: { onStop?: (reason: StopReason) => Promise<void> } = {}) {
  let incarnations = 0;
  return worker("d", (): Behavior<Msg> => {
    const n = ++incarnations;
    return {
      receive(msg) {
        if (msg.type === "later") return deferReply(msg.work);
        return `pong#${n}`;
      },
      stop: opts.onStop,
    };
  });
}

/** Tracks whether a promise has settled, without leaving its rejection unhandled. */
function watch(p: Promise<unknown>): { readonly settled: boolean } {
  const state = { settled: false };
  p.then(() => (state.settled = true), () => (state.settled = true));
  return state;
}

describe("deferred replies", () => {
  test("a slow deferred ask does not hold up a later ask, which is answered first", async () => {
    const { tree, clock } = await testTree([deferring()]);
    const slow = work<string>();
    const answer = tree.registry.ask("d", { type: "later", work: slow.promise }, { timeoutMs: 60_000 });
    const seen = watch(answer);
    // Given a deferred ask whose work is still running, when another ask arrives, then it is
    // answered before its timeout could fire (behind a blocked mailbox it would time out).
    const ping = tree.registry.ask("d", { type: "ping" }, { timeoutMs: 100 });
    await clock.advance(100);
    assert.equal(await ping, "pong#1");
    assert.equal(seen.settled, false);
    slow.resolve("uploaded");
    assert.equal(await answer, "uploaded");
    await tree.stop();
  });

  test("each deferred value answers its own asker, whatever order the work finishes in", async () => {
    const { tree } = await testTree([deferring()]);
    const first = work<string>();
    const second = work<string>();
    const a = tree.registry.ask("d", { type: "later", work: first.promise });
    const b = tree.registry.ask("d", { type: "later", work: second.promise });
    const seenA = watch(a);
    await settle();
    second.resolve("second");
    assert.equal(await b, "second");
    assert.equal(seenA.settled, false);
    first.resolve("first");
    assert.equal(await a, "first");
    await tree.stop();
  });

  test("deferred work that rejects with a ReplyError rejects only that ask; the actor is not restarted", async () => {
    const { tree, seen } = await testTree([deferring()]);
    const w = work();
    const answer = tree.registry.ask("d", { type: "later", work: w.promise });
    await settle();
    w.reject(new ReplyError("no such chat"));
    await assert.rejects(answer, (e: unknown) => e instanceof ReplyError && e.message === "no such chat");
    assert.equal(await tree.registry.ask("d", { type: "ping" }), "pong#1");
    assert.deepEqual(seen(), ["started:d"]);
    await tree.stop();
  });

  test("deferred work that rejects with any other error rejects the ask with ActorCrashedError and crashes the actor", async () => {
    const { tree, seen } = await testTree([deferring()]);
    const w = work();
    const answer = tree.registry.ask("d", { type: "later", work: w.promise });
    await settle();
    w.reject(new TypeError("bug in the upload code"));
    await assert.rejects(
      answer,
      (e: unknown) => e instanceof ActorCrashedError && (e.cause as Error).message === "bug in the upload code",
    );
    await settle();
    assert.equal(await tree.registry.ask("d", { type: "ping" }), "pong#2");
    assert.deepEqual(seen(), ["started:d", "crashed:d", "restarted:d"]);
    await tree.stop();
  });

  test("deferred work from a tell crashes the actor if it rejects with a non-ReplyError", async () => {
    const { tree, seen } = await testTree([deferring()]);
    const w = work();
    tree.registry.tell("d", { type: "later", work: w.promise });
    await settle();
    w.reject(new Error("lost"));
    await settle();
    assert.deepEqual(seen(), ["started:d", "crashed:d", "restarted:d"]);
    await tree.stop();
  });

  test("stopping with a deferred reply pending rejects it with ActorStoppedError; settling later changes nothing", async () => {
    const { tree, seen } = await testTree([deferring()]);
    const w = work();
    const answer = tree.registry.ask("d", { type: "later", work: w.promise });
    const seenAnswer = watch(answer);
    await settle();
    await tree.stop();
    assert.equal(seenAnswer.settled, true);
    await assert.rejects(answer, (e: unknown) => e instanceof ActorStoppedError && e.actor === "d" && e.deferred);
    w.reject(new Error("the socket went away")); // would crash a live actor
    await settle();
    assert.deepEqual(seen(), ["started:d", "stopped:d"]);
    assert.deepEqual(await tree.done, { reason: "shutdown" });
  });

  test("a deferred reply that settles while the stop hook runs still answers its asker", async () => {
    const w = work<string>();
    const { tree } = await testTree([
      deferring({
        async onStop() {
          w.resolve("flushed"); // e.g. a stop hook that lets in-flight sends finish
          await settle(1);
        },
      }),
    ]);
    const answer = tree.registry.ask("d", { type: "later", work: w.promise });
    await settle();
    await tree.stop();
    assert.equal(await answer, "flushed");
  });

  test("a deferred ask still times out on the injected clock; its later value is ignored and no timer is left", async () => {
    const { tree, clock, seen } = await testTree([deferring()]);
    const w = work<string>();
    const answer = tree.registry.ask("d", { type: "later", work: w.promise }, { timeoutMs: 5_000 });
    const seenAnswer = watch(answer);
    await clock.advance(4_999);
    assert.equal(seenAnswer.settled, false);
    await clock.advance(1);
    await assert.rejects(answer, (e: unknown) => e instanceof AskTimeoutError && e.timeoutMs === 5_000);
    w.resolve("too late");
    await settle();
    assert.equal(await tree.registry.ask("d", { type: "ping" }), "pong#1");
    assert.deepEqual(seen(), ["started:d"]);
    assert.equal(clock.pending, 0);
    await tree.stop();
  });

  test("aborting a deferred ask rejects it with the signal's reason; the actor goes on", async () => {
    const { tree, clock } = await testTree([deferring()]);
    const w = work<string>();
    const controller = new AbortController();
    const answer = tree.registry.ask("d", { type: "later", work: w.promise }, { signal: controller.signal });
    await settle();
    controller.abort(new Error("client went away"));
    await assert.rejects(answer, /client went away/);
    w.resolve("ignored");
    assert.equal(await tree.registry.ask("d", { type: "ping" }), "pong#1");
    assert.equal(clock.pending, 0);
    await tree.stop();
  });
});

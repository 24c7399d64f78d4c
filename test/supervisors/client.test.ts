import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ActorRef, actorClient, type AskOptions, createRegistry } from "../../supervisors/mod.ts";

type CounterMsg = { type: "add"; n: number } | { type: "get" } | { type: "reset" };
interface CounterReplies {
  get: { total: number };
  add: { ok: true };
}

/** A registered ref that records what reached it and with which ask options. */
function counterRef(seen: Array<{ via: "tell" | "ask"; msg: CounterMsg; opts?: AskOptions }>): ActorRef {
  let total = 0;
  return {
    name: "counter",
    tell: (msg) => void seen.push({ via: "tell", msg: msg as CounterMsg }),
    ask: (msg, opts) => {
      const m = msg as CounterMsg;
      seen.push({ via: "ask", msg: m, opts });
      if (m.type === "add") total += m.n;
      return Promise.resolve((m.type === "get" ? { total } : { ok: true }) as never);
    },
  };
}

describe("actorClient", () => {
  test("tell and ask reach the actor by its name; each ask gets the timeout its message maps to", async () => {
    const registry = createRegistry();
    const seen: Array<{ via: "tell" | "ask"; msg: CounterMsg; opts?: AskOptions }> = [];
    registry.register("counter", counterRef(seen));
    const counter = actorClient<CounterMsg, CounterReplies>(registry, "counter", (m) => (m.type === "get" ? 1_000 : 9_000));
    counter.tell({ type: "reset" });
    assert.deepEqual(await counter.ask({ type: "add", n: 2 }), { ok: true });
    const { total } = await counter.ask({ type: "get" }); // typed: no cast
    assert.equal(total, 2);
    assert.deepEqual(seen.map((s) => [s.via, s.msg.type, s.opts?.timeoutMs]), [
      ["tell", "reset", undefined],
      ["ask", "add", 9_000],
      ["ask", "get", 1_000],
    ]);
  });

  test("without a timeout rule an ask leaves the kernel's default; a tell to nobody is a dead letter", async () => {
    const registry = createRegistry();
    const seen: Array<{ via: "tell" | "ask"; msg: CounterMsg; opts?: AskOptions }> = [];
    registry.register("counter", counterRef(seen));
    await actorClient<CounterMsg, CounterReplies>(registry, "counter").ask({ type: "get" });
    assert.equal(seen[0]!.opts?.timeoutMs, undefined);
    actorClient<CounterMsg>(registry, "nobody").tell({ type: "reset" });
    assert.equal(registry.deadLetters, 1);
  });

  test("a tell-only message cannot be asked, and another actor's message cannot be told (checked by the compiler)", () => {
    const counter = actorClient<CounterMsg, CounterReplies>(createRegistry(), "counter");
    const neverRun = () => {
      // @ts-expect-error "reset" has no reply: it can only be told
      void counter.ask({ type: "reset" });
      // @ts-expect-error not a message of this actor
      counter.tell({ type: "explode" });
    };
    assert.equal(typeof neverRun, "function");
  });
});

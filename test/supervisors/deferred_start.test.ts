import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Behavior, deferReply, worker } from "../../supervisors/mod.ts";
import { deferredStart } from "../../src/app/deferred_start.ts";
import { gate, probe, type ProbeMessage, probeChild, settle, testTree } from "./kit.ts";

/** A loader that records when it runs and hands out the probe `id`. */
function loader(journal: string[], id: string, opts: { fail?: () => boolean } = {}) {
  const make = probe(journal, id);
  return async (): Promise<Behavior<ProbeMessage>> => {
    journal.push(`load:${id}`);
    await settle(1); // an import takes a turn or more
    if (opts.fail?.()) throw new Error(`${id} cannot load`);
    return make();
  };
}

describe("deferredStart", () => {
  test("with `after`: the tree goes on at once; the worker loads and starts once `after` resolves", async () => {
    const journal: string[] = [];
    const later = gate();
    const { tree } = await testTree([
      worker("heavy", () => deferredStart(loader(journal, "heavy"), { after: later.promise })),
      probeChild(journal, "mcp"),
    ]);
    // The child after it started, and answers, while the deferred one has not even loaded.
    assert.deepEqual(journal, ["start:mcp"]);
    assert.equal(await tree.registry.ask("mcp", { type: "ping" }), "mcp#1");
    assert.deepEqual(tree.registry.names(), ["heavy", "mcp"]);
    later.open();
    await settle(5);
    assert.deepEqual(journal, ["start:mcp", "load:heavy", "start:heavy"]);
    await tree.stop();
    assert.deepEqual(journal.slice(3), ["stop:mcp:shutdown", "stop:heavy:shutdown"]);
  });

  test("messages sent before it loaded are handled after its start, in order, and asks are answered", async () => {
    const journal: string[] = [];
    const later = gate();
    const { tree } = await testTree([worker("heavy", () => deferredStart(loader(journal, "heavy"), { after: later.promise }))]);
    tree.registry.tell("heavy", { type: "note", text: "first" });
    const ping = tree.registry.ask("heavy", { type: "ping" });
    tree.registry.tell("heavy", { type: "note", text: "third" });
    const refused = tree.registry.ask("heavy", { type: "bad" });
    await settle(3);
    assert.deepEqual(journal, []);
    later.open();
    assert.equal(await ping, "heavy#1");
    await assert.rejects(refused, /heavy refuses/);
    assert.deepEqual(journal, ["load:heavy", "start:heavy", "first", "third"]);
    // Once started and drained, messages go straight through.
    assert.equal(await tree.registry.ask("heavy", { type: "note", text: "direct" }), "direct");
    await tree.stop();
  });

  test("a reply the real behaviour defers does not hold up the messages held behind it", async () => {
    const later = gate();
    const slow = gate();
    const seen: string[] = [];
    const real = (): Behavior<string> => ({
      receive(msg) {
        seen.push(msg);
        return msg === "slow" ? deferReply(slow.promise.then(() => "slow done")) : `${msg} done`;
      },
    });
    const { tree } = await testTree([worker("heavy", () => deferredStart(async () => real(), { after: later.promise }))]);
    const a = tree.registry.ask("heavy", "slow");
    const b = tree.registry.ask("heavy", "quick");
    later.open();
    assert.equal(await b, "quick done");
    assert.deepEqual(seen, ["slow", "quick"]);
    slow.open();
    assert.equal(await a, "slow done");
    await tree.stop();
  });

  test("a stop before `after` resolved is immediate: nothing is loaded, waiting asks are refused", async () => {
    const journal: string[] = [];
    const later = gate();
    const { tree } = await testTree([worker("heavy", () => deferredStart(loader(journal, "heavy"), { after: later.promise }), { shutdownMs: 60_000 })]);
    const ping = tree.registry.ask("heavy", { type: "ping" });
    await settle(2);
    await tree.stop(); // the manual clock never runs the 60 s shutdown timer: only a prompt stop ends this
    await assert.rejects(ping);
    later.open();
    await settle(5);
    assert.deepEqual(journal, []);
  });

  test("a failure to load crashes the worker and the supervisor restarts it", async () => {
    const journal: string[] = [];
    let failures = 1;
    const { tree, seen } = await testTree([
      worker("heavy", () => deferredStart(loader(journal, "heavy", { fail: () => failures-- > 0 }), { after: Promise.resolve() })),
    ]);
    await settle(10);
    assert.deepEqual(journal, ["load:heavy", "load:heavy", "start:heavy"]);
    assert.ok(seen().includes("crashed:heavy"), seen().join(" "));
    assert.equal(await tree.registry.ask("heavy", { type: "ping" }), "heavy#1");
    await tree.stop();
  });

  test("without `after`: start loads and starts it before the tree goes on (a failure is a failed start)", async () => {
    const journal: string[] = [];
    const { tree } = await testTree([
      worker("heavy", () => deferredStart(loader(journal, "heavy"))),
      probeChild(journal, "next"),
    ]);
    assert.deepEqual(journal, ["load:heavy", "start:heavy", "start:next"]);
    await tree.stop();
    await assert.rejects(
      testTree([worker("heavy", () => deferredStart(loader([], "heavy", { fail: () => true })))]),
      /heavy/,
    );
  });
});

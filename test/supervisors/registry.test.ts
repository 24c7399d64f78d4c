import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ActorRef, createRegistry, NoProcError } from "../../supervisors/mod.ts";

const fakeRef = (name: string, seen: unknown[] = []): ActorRef => ({
  name,
  tell: (msg) => void seen.push(msg),
  ask: (msg) => Promise.resolve(msg as never),
});

describe("createRegistry", () => {
  test("tell and ask by name reach the registered actor", async () => {
    const registry = createRegistry();
    const seen: unknown[] = [];
    registry.register("svc", fakeRef("svc", seen));
    registry.tell("svc", "hi");
    assert.deepEqual(seen, ["hi"]);
    assert.equal(await registry.ask("svc", "echo"), "echo");
    assert.deepEqual(registry.names(), ["svc"]);
    assert.equal(registry.deadLetters, 0);
  });

  test("tell to an absent name is a counted no-op; ask rejects with NoProcError", async () => {
    const registry = createRegistry();
    registry.tell("nobody", "hi");
    assert.equal(registry.deadLetters, 1);
    await assert.rejects(
      registry.ask("nobody", "hi"),
      (e: unknown) => e instanceof NoProcError && e.actor === "nobody",
    );
  });

  test("a taken name cannot be registered again; unregister leaves a newer holder alone", () => {
    const registry = createRegistry();
    const old = fakeRef("svc");
    const current = fakeRef("svc");
    registry.register("svc", old);
    assert.throws(() => registry.register("svc", current), /Cannot register "svc"/);
    registry.unregister("svc", old);
    registry.register("svc", current);
    registry.unregister("svc", old);
    assert.equal(registry.whereis("svc"), current);
  });
});

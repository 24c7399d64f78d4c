import { NoProcError } from "./errors.ts";
import type { MutableRegistry } from "./types.ts";

export type { MutableRegistry, Registry } from "./types.ts";

/**
 * Creates an empty registry. Pass it to `startTree` to reach actors from outside the tree;
 * inside, actors get it as `ctx.registry`.
 *
 * @example
 * const registry = createRegistry();
 * const tree = await startTree(spec, { registry });
 * const rows = await registry.ask("store", { type: "recent" }, { timeoutMs: 2_000 });
 */
export function createRegistry(): MutableRegistry {
  const table = new Map<string, Parameters<MutableRegistry["register"]>[1]>();
  let deadLetters = 0;
  const registry: MutableRegistry = {
    whereis: (name) => table.get(name) as ReturnType<MutableRegistry["whereis"]>,
    tell(name, msg) {
      const ref = table.get(name);
      if (ref) ref.tell(msg);
      else deadLetters++;
    },
    ask(name, msg, opts) {
      const ref = table.get(name);
      return ref ? ref.ask(msg, opts) : Promise.reject(new NoProcError(name));
    },
    names: () => [...table.keys()],
    get deadLetters() {
      return deadLetters;
    },
    register(name, ref) {
      if (table.has(name)) throw new Error(`Cannot register "${name}": a live actor already holds that name`);
      table.set(name, ref);
    },
    unregister(name, ref) {
      if (table.get(name) === ref) table.delete(name);
    },
    deadLetter() {
      deadLetters++;
    },
  };
  return registry;
}

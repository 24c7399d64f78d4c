/**
 * Runs a function once the work of the current event-loop turn is done: after every promise
 * callback queued so far and those they queue (an MCP answer is written to stdout in such a
 * chain), before timers and before the next input is read. `node:timers`' setImmediate serves
 * Node and Deno.
 */
import { setImmediate } from "node:timers";

/** Calls `fn` after the current turn (see the module doc); its exceptions are the caller's to catch. */
export function afterTurn(fn: () => void): void {
  setImmediate(fn);
}

/**
 * A full garbage collection on request. The sql.js store holds whole database images for a
 * moment (the snapshot file read at open, the image exported for a snapshot); once dropped, such
 * a copy is only freed by the next full collection, which an idle process may not run for a long
 * time, so it stays resident: idle memory was the store's size higher than needed. V8 exposes its
 * collector only behind a flag, which Node and Deno both accept at run time (`node:v8`); where
 * that fails, this does nothing.
 */
import v8 from "node:v8";
import vm from "node:vm";

let collector: (() => void) | null | undefined;

/** Runs a full garbage collection if the runtime allows it (see the module comment). */
export function collectGarbage(): void {
  if (collector === undefined) {
    try {
      v8.setFlagsFromString("--expose-gc");
      const found: unknown = vm.runInNewContext("gc");
      collector = typeof found === "function" ? (found as () => void) : null;
    } catch {
      collector = null;
    }
  }
  collector?.();
}

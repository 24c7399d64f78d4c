/**
 * At most one call per key per interval, the first at once: a burst of changes to one resource
 * becomes one notification now and (if more came) one at the end of the interval. The kernel's
 * clock is injected so tests can drive it.
 */
import { type Clock, systemClock } from "../../supervisors/mod.ts";

/** A per-key debouncer. */
export interface Debouncer {
  /** Something changed for `key`. */
  poke(key: string): void;
  /** Cancels pending calls. */
  dispose(): void;
}

/** Calls `fire(key)` at most once per `intervalMs` per key (leading edge, plus one trailing call). */
export function createDebouncer(intervalMs: number, fire: (key: string) => void, timers: Clock = systemClock): Debouncer {
  const last = new Map<string, number>();
  const pending = new Map<string, unknown>();
  const run = (key: string) => {
    pending.delete(key);
    last.set(key, timers.now());
    fire(key);
  };
  return {
    poke(key) {
      if (pending.has(key)) return; // a trailing call is already due and will carry this change
      const at = last.get(key);
      const now = timers.now();
      if (at === undefined || now - at >= intervalMs) run(key);
      else pending.set(key, timers.setTimeout(() => run(key), at + intervalMs - now));
    },
    dispose() {
      for (const h of pending.values()) timers.clearTimeout(h);
      pending.clear();
    },
  };
}

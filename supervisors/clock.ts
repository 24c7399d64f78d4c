/**
 * Time as the kernel sees it: injected (see `startTree`'s `clock` option) so that tests drive
 * ask timeouts, shutdown timeouts and restart periods with `createManualClock` instead of waiting.
 */
export interface Clock {
  /** Milliseconds; only differences are used. */
  now(): number;
  /** Runs `fn` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a callback from `setTimeout`; a handle that already ran or was cleared is ignored. */
  clearTimeout(handle: unknown): void;
}

/** The real clock: `Date.now` and the global timer functions (the same on Deno and Node). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/** A clock that moves only when told to. */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, running each callback that falls due in time order (including
   * ones scheduled by those callbacks), and lets pending promises settle after each one, so the
   * async work a timer starts has happened when `advance` resolves.
   */
  advance(ms: number): Promise<void>;
  /** Callbacks scheduled and not yet run or cleared (to check that nothing is left behind). */
  readonly pending: number;
}

// One macrotask turn: every promise chain queued before it has run by the time it fires.
const flush = () => new Promise<void>((resolve) => globalThis.setTimeout(resolve, 0));

/**
 * Creates a manual clock starting at `startMs`.
 *
 * @example
 * const clock = createManualClock();
 * const tree = await startTree(spec, { clock });
 * await clock.advance(5_000); // ask timeouts and shutdown timeouts due by now have fired
 */
export function createManualClock(startMs = 0): ManualClock {
  let now = startMs;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    async advance(ms) {
      const target = now + ms;
      await flush();
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
        }
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
        await flush();
      }
      now = target;
    },
    get pending() {
      return timers.size;
    },
  };
}

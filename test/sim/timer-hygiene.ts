/**
 * Baileys 7.0.0-rc14 leaves timers behind after a socket ends (e.g. the 30 s pre-key upload
 * timeout in `uploadPreKeys` is never cleared), which keeps a Node test process alive for up to
 * 30 s after its last test. Imported by `preload.ts` (test processes only): it remembers timers
 * created from then on, and `unrefPendingTimers()` (called by `sim.close()`) unrefs those still
 * pending so they no longer hold the process open. Nothing is cancelled; Deno does not wait for
 * timers at the end of a test module, and its numeric timer ids are left alone.
 */
// `_destroyed` is Node's own flag on a Timeout that fired or was cleared; used only to prune.
type AnyTimer = { unref?: () => unknown; _destroyed?: boolean };

const pending = new Set<AnyTimer>();
const g = globalThis as unknown as { __simTimerHygiene?: boolean };

if (!g.__simTimerHygiene) {
  g.__simTimerHygiene = true;
  const origTimeout = globalThis.setTimeout;
  const origInterval = globalThis.setInterval;
  const track = <T>(t: T): T => {
    if (t && typeof t === "object" && typeof (t as AnyTimer).unref === "function") {
      if (pending.size > 2_000) for (const x of pending) if (x._destroyed) pending.delete(x);
      pending.add(t as AnyTimer);
    }
    return t;
  };
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => track(origTimeout(...args))) as typeof setTimeout;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => track(origInterval(...args))) as typeof setInterval;
}

/** Unrefs every tracked timer that is still pending (the process may then exit without waiting for them). */
export function unrefPendingTimers(): void {
  for (const t of pending) t.unref?.();
  pending.clear();
}

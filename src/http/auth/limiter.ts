/**
 * Caps failed credential attempts PER CLIENT (the key: an address, see client_address.ts), so
 * nobody can guess the token, and nobody can lock the owner out by failing on purpose from
 * elsewhere. Memory is bounded: at most `maxClients` entries; expired ones are swept when the table
 * is full, and while it is still full, new clients share one overflow entry (only an attacker with
 * that many addresses at once fills it; they then limit each other, not the clients already known).
 * Pure apart from the injected clock.
 */

/** Failed attempts allowed per window and client. */
export const MAX_FAILURES = 10;
/** Window length. */
export const WINDOW_MS = 60_000;
/** Clients tracked at once. */
export const MAX_CLIENTS = 10_000;

/** Fixed-window failure counters, one per client key. */
export interface FailureLimiter {
  /** Milliseconds until `key` may try again; 0 when allowed now. */
  retryAfter(key: string): number;
  /** Counts a failure of `key`. */
  fail(key: string): void;
  /** Entries held (the overflow one included): for tests and the memory bound. */
  size(): number;
}

/** Limits of a limiter. */
export interface LimiterOptions {
  max?: number;
  windowMs?: number;
  maxClients?: number;
}

interface Window {
  start: number;
  failures: number;
}

/** Creates a limiter over `now`. */
export function createFailureLimiter(now: () => number, opts: LimiterOptions = {}): FailureLimiter {
  const max = opts.max ?? MAX_FAILURES;
  const windowMs = opts.windowMs ?? WINDOW_MS;
  const maxClients = opts.maxClients ?? MAX_CLIENTS;
  const table = new Map<string, Window>();
  let overflow: Window | null = null;
  const expired = (w: Window) => now() - w.start >= windowMs;

  const sweep = () => {
    for (const [k, w] of table) if (expired(w)) table.delete(k);
    if (overflow && expired(overflow)) overflow = null;
  };
  /** The window counting `key`, or null when it has none yet (and `create` is false). */
  const windowOf = (key: string, create: boolean): Window | null => {
    let w = table.get(key);
    if (w && expired(w)) {
      table.delete(key);
      w = undefined;
    }
    if (w) return w;
    if (table.size >= maxClients) sweep();
    if (table.size >= maxClients) {
      if (overflow && expired(overflow)) overflow = null;
      if (!overflow && create) overflow = { start: now(), failures: 0 };
      return overflow;
    }
    if (!create) return null;
    w = { start: now(), failures: 0 };
    table.set(key, w);
    return w;
  };
  return {
    retryAfter(key) {
      const w = windowOf(key, false);
      return w && w.failures >= max ? w.start + windowMs - now() : 0;
    },
    fail(key) {
      windowOf(key, true)!.failures++;
    },
    size: () => table.size + (overflow ? 1 : 0),
  };
}

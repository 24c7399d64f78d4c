/**
 * Caps failed login attempts (all clients together: the server has one owner), so the login
 * form cannot be used to guess the token. Pure apart from the injected clock.
 */

/** Failed attempts allowed per window. */
export const MAX_FAILURES = 10;
/** Window length. */
export const WINDOW_MS = 60_000;

/** A fixed-window failure counter. */
export interface FailureLimiter {
  /** Milliseconds until attempts are accepted again; 0 when allowed now. */
  retryAfter(): number;
  fail(): void;
}

/** Creates a limiter over `now`. */
export function createFailureLimiter(now: () => number, max = MAX_FAILURES, windowMs = WINDOW_MS): FailureLimiter {
  let windowStart = now();
  let failures = 0;
  const roll = () => {
    if (now() - windowStart >= windowMs) {
      windowStart = now();
      failures = 0;
    }
  };
  return {
    retryAfter() {
      roll();
      return failures >= max ? windowStart + windowMs - now() : 0;
    },
    fail() {
      roll();
      failures++;
    },
  };
}

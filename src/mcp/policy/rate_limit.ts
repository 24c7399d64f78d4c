/**
 * Send rate limits as sliding windows over a log of send instants: per minute, hour and day
 * overall, and per hour for each recipient. Pure functions on an immutable state, plus a small
 * shell that keeps the state and reads an injected clock. A limit of 0 disables that window.
 */

/** The limits. 0 = no limit for that window. */
export interface RateLimits {
  perMinute: number;
  perHour: number;
  perDay: number;
  perRecipientPerHour: number;
}

/** Instants (ms) of past sends, oldest first, overall and per recipient. */
export interface RateState {
  readonly all: readonly number[];
  readonly byRecipient: ReadonlyMap<string, readonly number[]>;
}

/** Which window refused a send. */
export type RateWindow = "minute" | "hour" | "day" | "recipient_hour";

/** The outcome of a check. `retryAfterMs` is when the oldest send in the full window leaves it. */
export type RateCheck = { ok: true } | { ok: false; window: RateWindow; limit: number; retryAfterMs: number };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A state with no sends. */
export function emptyRateState(): RateState {
  return { all: [], byRecipient: new Map() };
}

/** Entries in (now - span, now], oldest first (the log is sorted, so scan from the end). */
function inWindow(log: readonly number[], now: number, span: number): number[] {
  let i = log.length;
  while (i > 0 && log[i - 1] > now - span) i--;
  return log.slice(i);
}

function window(log: readonly number[], now: number, span: number, limit: number, name: RateWindow): RateCheck | null {
  if (limit <= 0) return null;
  const recent = inWindow(log, now, span);
  if (recent.length < limit) return null;
  // One more send fits once all but (limit - 1) of the recent sends have left the window.
  const leaving = recent[recent.length - limit];
  return { ok: false, window: name, limit, retryAfterMs: Math.max(0, leaving + span - now) };
}

/** Would one more send to `recipient` at `now` stay within every limit? */
export function checkRate(state: RateState, limits: RateLimits, now: number, recipient: string): RateCheck {
  return window(state.byRecipient.get(recipient) ?? [], now, HOUR, limits.perRecipientPerHour, "recipient_hour") ??
    window(state.all, now, MINUTE, limits.perMinute, "minute") ??
    window(state.all, now, HOUR, limits.perHour, "hour") ??
    window(state.all, now, DAY, limits.perDay, "day") ??
    { ok: true };
}

/** Records a send at `now` and drops entries older than the longest window. */
export function recordSend(state: RateState, now: number, recipient: string): RateState {
  const keep = (log: readonly number[]) => log.filter((t) => t > now - DAY);
  const byRecipient = new Map<string, readonly number[]>();
  for (const [r, log] of state.byRecipient) {
    const kept = log.filter((t) => t > now - HOUR);
    if (kept.length > 0) byRecipient.set(r, kept);
  }
  byRecipient.set(recipient, [...(byRecipient.get(recipient) ?? []), now]);
  return { all: [...keep(state.all), now], byRecipient };
}

/** A rate limiter holding its state; share one between all MCP sessions. */
export interface RateLimiter {
  check(recipient: string): RateCheck;
  record(recipient: string): void;
}

/** Builds a limiter over the given limits and clock. */
export function createRateLimiter(limits: RateLimits, clock: { now(): number }): RateLimiter {
  let state = emptyRateState();
  return {
    check: (recipient) => checkRate(state, limits, clock.now(), recipient),
    record: (recipient) => {
      state = recordSend(state, clock.now(), recipient);
    },
  };
}

/** A sentence for the model: which limit and when to try again. */
export function describeRateRefusal(c: Extract<RateCheck, { ok: false }>): string {
  const what = {
    minute: `${c.limit} sends per minute`,
    hour: `${c.limit} sends per hour`,
    day: `${c.limit} sends per day`,
    recipient_hour: `${c.limit} sends per hour to the same recipient`,
  }[c.window];
  const secs = Math.ceil(c.retryAfterMs / 1000);
  return `Not sent: the rate limit of ${what} is reached; try again in ${secs} s.`;
}

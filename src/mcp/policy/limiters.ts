/**
 * The rate limiter a write spends, by its kind: messages and group changes share the send
 * limiter; state changes (archive, receipts, presence, block) have their own looser one, made
 * once per send limiter so the tool path and the approval page count the same writes.
 */
import { createRateLimiter, type RateLimiter, type RateLimits } from "./rate_limit.ts";
import { rateBudget, stateLimits, type WriteKind } from "./write_kind.ts";

const stateLimiters = new WeakMap<RateLimiter, RateLimiter>();

/** The limiter of `kind`; `limits` are the configured send limits. */
export function limiterFor(send: RateLimiter, limits: RateLimits, clock: { now(): number }, kind: WriteKind): RateLimiter {
  if (rateBudget(kind) === "send") return send;
  let state = stateLimiters.get(send);
  if (!state) stateLimiters.set(send, state = createRateLimiter(stateLimits(limits), clock));
  return state;
}

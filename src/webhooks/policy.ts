/**
 * What one attempt's outcome means for the outbox. Pure: the actor asks it and commits the op.
 *
 * - 2xx: delivered.
 * - The receiver is unavailable (no connection, timeout, 5xx, 408, 429, a redirect we do not
 *   follow): the delivery retries, and the whole endpoint waits (its gate) so a receiver that is
 *   down gets one probe per backoff step instead of one request per pending event. A
 *   `Retry-After` is honoured up to the cap.
 * - Any other 4xx: the receiver rejected this event; it retries on its own schedule while the
 *   endpoint goes on with the others.
 * Waits grow exponentially (base, doubled per failure, capped) with "equal jitter": half the step
 * fixed, half random, so receivers coming back are not hit by every server at once. A delivery
 * is given up (kept as dead) after `maxAttempts` attempts or once older than `maxAgeMs`.
 */
import type { WebhookDue, WriteOp } from "../store/types.ts";

/** Retry tuning (defaults: 1 s doubling to 10 min). */
export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  maxAttempts: number;
  maxAgeMs: number;
  /** Uniform [0, 1) for the jitter. */
  random: () => number;
}

/** The default backoff steps. */
export const DEFAULT_BACKOFF = { baseMs: 1_000, capMs: 600_000 } as const;

/** What an attempt came back with. `status` null: no HTTP answer. */
export type AttemptOutcome =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string; retryAfterMs?: number | null };

/** The wait after the `n`th consecutive failure (n ≥ 1). */
export function backoffMs(n: number, p: Pick<RetryPolicy, "baseMs" | "capMs" | "random">): number {
  const step = Math.min(p.capMs, p.baseMs * 2 ** Math.min(Math.max(n, 1) - 1, 40));
  return Math.round(step / 2 + p.random() * (step / 2));
}

/** True when the answer says the receiver as a whole is unavailable (see the module doc). */
export function endpointUnavailable(o: AttemptOutcome): boolean {
  if (o.ok) return false;
  const s = o.status;
  return s === null || s >= 500 || s === 408 || s === 429 || (s >= 300 && s < 400);
}

/**
 * The op recording an attempt on `due` that ended with `o` at `now`. `endpointFailures`: the
 * endpoint's consecutive failures before this one (for the gate's step).
 */
export function planAttempt(due: WebhookDue, o: AttemptOutcome, now: number, endpointFailures: number, p: RetryPolicy): WriteOp {
  const base = { op: "webhookAttempt" as const, eventSeq: due.eventSeq, url: due.url, at: now };
  if (o.ok) return { ...base, result: "delivered" };
  const attempts = due.attempts + 1;
  const gate = endpointUnavailable(o)
    ? now + Math.max(backoffMs(endpointFailures + 1, p), Math.min(o.retryAfterMs ?? 0, p.capMs))
    : null;
  if (attempts >= p.maxAttempts || now - due.createdAt >= p.maxAgeMs) {
    const why = attempts >= p.maxAttempts ? `gave up after ${attempts} attempts` : "gave up: older than the maximum age";
    return { ...base, result: "dead", error: `${o.error} (${why})`, endpointRetryAt: gate };
  }
  const own = now + backoffMs(attempts, p);
  return { ...base, result: "retry", error: o.error, nextAt: gate === null ? own : Math.max(own, gate), endpointRetryAt: gate };
}

/** `Retry-After` (seconds or an HTTP date) in ms from `now`, or null. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  const s = header.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

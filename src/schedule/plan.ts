/**
 * What the scheduler does now, given the pending sends, the time and the link: send, expire, or
 * wait, and when to look again. Pure: the actor gathers the facts and carries the plan out.
 *
 * - Not due yet: wait until `dueAt`.
 * - Due, and late by no more than the grace: send now (in `dueAt` order), flagged `late` when it
 *   goes out more than `lateAfterMs` (default LATE_AFTER_MS) after its time (the server was off,
 *   or WhatsApp was down).
 * - Due, WhatsApp not connected (or the item must wait, e.g. a rate limit): look again soon,
 *   until the grace runs out.
 * - Later than the grace: expire, never send (a "good morning" at midnight is worse than none).
 */
import { describeDuration } from "./duration.ts";

/** Default grace: how late a send may still go out (WHATSAPP_MCP_SCHEDULE_GRACE). */
export const DEFAULT_GRACE_MS = 60 * 60_000;

/** A send later than this after its time is reported as `late`. */
export const LATE_AFTER_MS = 10_000;

/** How often a due send waiting for WhatsApp looks again. */
export const RETRY_MS = 5_000;

/** The longest the scheduler sleeps without looking at the store again. */
export const MAX_SLEEP_MS = 60_000;

/** One pending send as the plan sees it. */
export interface PlanItem {
  id: string;
  dueAt: number;
  /** Not to be tried before this instant (a rate limit said so); absent: any time. */
  notBefore?: number;
}

/** The facts of one planning round. */
export interface PlanInput {
  now: number;
  items: readonly PlanItem[];
  /** WhatsApp is connected and linked. */
  linkOpen: boolean;
  graceMs: number;
  /** Late beyond this is flagged `late`; default LATE_AFTER_MS (shorter only in tests, to keep them quick). */
  lateAfterMs?: number;
}

/** One thing to do now. */
export type PlanAction =
  | { type: "send"; id: string; lateMs: number; late: boolean }
  | { type: "expire"; id: string; lateMs: number; reason: string };

/** The plan: actions in order, and when to plan again (never later than MAX_SLEEP_MS from now). */
export interface Plan {
  actions: PlanAction[];
  wakeAt: number;
  /** Due sends left waiting this round, with why (for list_scheduled). */
  waiting: Array<{ id: string; why: "link" | "not_before" }>;
}

/** Plans one round. */
export function planRound(input: PlanInput): Plan {
  const { now, graceMs } = input;
  const lateAfterMs = input.lateAfterMs ?? LATE_AFTER_MS;
  const actions: PlanAction[] = [];
  const waiting: Plan["waiting"] = [];
  let wakeAt = now + MAX_SLEEP_MS;
  const sorted = [...input.items].sort((a, b) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : 1));
  for (const item of sorted) {
    if (item.dueAt > now) {
      wakeAt = Math.min(wakeAt, item.dueAt);
      continue;
    }
    const lateMs = now - item.dueAt;
    const deadline = item.dueAt + graceMs;
    if (lateMs > graceMs) {
      actions.push({ type: "expire", id: item.id, lateMs, reason: expiryReason(lateMs, graceMs) });
      continue;
    }
    const blockedUntil = item.notBefore !== undefined && item.notBefore > now ? item.notBefore : null;
    if (!input.linkOpen || blockedUntil !== null) {
      waiting.push({ id: item.id, why: !input.linkOpen ? "link" : "not_before" });
      // Look again soon; and just after the grace ends, to expire it on time.
      const next = !input.linkOpen ? now + RETRY_MS : blockedUntil!;
      wakeAt = Math.min(wakeAt, next, deadline + 1);
      continue;
    }
    actions.push({ type: "send", id: item.id, lateMs, late: lateMs > lateAfterMs });
  }
  return { actions, wakeAt: Math.max(wakeAt, now), waiting };
}

/** Why a send expired, for the user. */
export function expiryReason(lateMs: number, graceMs: number): string {
  return `missed its time by ${describeDuration(lateMs)} (the server was off or WhatsApp was not connected), ` +
    `more than the grace of ${describeDuration(graceMs)} (WHATSAPP_MCP_SCHEDULE_GRACE); it was not sent`;
}

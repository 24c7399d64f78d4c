/**
 * The scheduler actor (registry name "scheduler"): sends scheduled messages at their time, whether
 * or not an MCP client is connected. A thin shell around `planRound` (plan.ts, pure) and
 * `sendDue` (send.ts): each round reads the pending sends and the link, plans, carries the plan
 * out one send at a time, and sets one timer for the next round. Messages only: `wake` (a send
 * was scheduled or cancelled) and `tick` (its own timer). Time comes from the injected clock.
 *
 * Before its first round it settles sends the previous run left in flight (recoverInFlight: "sent" if the store
 * holds WhatsApp's copy of the chosen message id, else "unknown", never resent) and removes
 * attachment copies no waiting send needs. A crash restarts it under the root supervisor; its
 * only state (rate-limit waits) is rebuilt by the next rounds.
 */
import type { Behavior, Clock } from "../../supervisors/mod.ts";
import type { Logger } from "../log.ts";
import { readLinkStatus } from "../mcp/link.ts";
import type { SchedulerMsg } from "./client.ts";
import { DEFAULT_GRACE_MS, planRound, RETRY_MS } from "./plan.ts";
import { confirmLateEchoes, expireDue, moveRow, recoverInFlight, type SendDeps, sendDue } from "./send.ts";


/** What the scheduler needs. `clock` defaults to the tree's clock (epoch milliseconds in the app). */
export interface SchedulerOptions {
  deps: SendDeps;
  log: Logger;
  graceMs?: number;
  /** The `late` threshold (plan.ts); absent: LATE_AFTER_MS. */
  lateAfterMs?: number;
  clock?: Clock;
}

/** The detail shown while a due send waits for WhatsApp. */
export const WAITING_FOR_LINK = "due; waiting for WhatsApp to connect (sent as soon as it does, within the grace)";

/** Builds the behaviour. */
export function schedulerBehavior(opts: SchedulerOptions): Behavior<SchedulerMsg> {
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  const { deps, log } = opts;
  let clock: Clock;
  let timer: unknown = null;
  // Rate-limit waits: not before this instant (lost on a restart; the next round finds them again).
  const notBefore = new Map<string, number>();
  // Sends left in flight by the previous run are settled before the first round (and again
  // after a restart of this actor).
  let recovered = false;

  const arm = (ctx: { self: { tell(m: SchedulerMsg): void } }, at: number) => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      timer = null;
      ctx.self.tell({ type: "tick" });
    }, Math.max(0, at - clock.now()));
  };

  async function round(): Promise<{ acted: boolean; wakeAt: number }> {
    const now = clock.now();
    const rows = await deps.repository.listScheduled({ statuses: ["pending"], limit: 500 });
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of notBefore.keys()) if (!byId.has(id)) notBefore.delete(id);
    const status = await readLinkStatus(deps);
    const plan = planRound({
      now,
      items: rows.map((r) => ({ id: r.id, dueAt: r.dueAt, notBefore: notBefore.get(r.id) })),
      linkOpen: status?.state === "open",
      graceMs,
      lateAfterMs: opts.lateAfterMs,
    });
    let acted = false;
    for (const action of plan.actions) {
      const row = byId.get(action.id)!;
      acted = true;
      if (action.type === "expire") {
        if (await expireDue(deps, row, now, action.lateMs, action.reason)) log.warn("scheduled send expired", { lateMs: action.lateMs });
        continue;
      }
      const step = await sendDue(deps, row, clock.now(), action.lateMs);
      if (step.kind === "wait") {
        notBefore.set(row.id, step.until);
        // Shown by list_scheduled; written only when it changes.
        if (row.detail !== `waiting: ${step.reason}`) await moveRow(deps, row, "pending", "pending", clock.now(), { detail: `waiting: ${step.reason}` });
      } else {
        notBefore.delete(row.id);
        log[step.kind === "sent" ? "info" : "warn"]("scheduled send", { outcome: step.kind, late: action.late, lateMs: action.lateMs });
      }
    }
    for (const w of plan.waiting) {
      const row = byId.get(w.id)!;
      if (w.why === "link" && row.detail !== WAITING_FOR_LINK) await moveRow(deps, row, "pending", "pending", now, { detail: WAITING_FOR_LINK });
    }
    if (await confirmLateEchoes(deps, now)) log.info("scheduled send of unknown outcome found sent");
    return { acted, wakeAt: plan.wakeAt };
  }

  return {
    start(ctx) {
      clock = opts.clock ?? ctx.clock;
      ctx.signal.addEventListener("abort", () => {
        if (timer !== null) clock.clearTimeout(timer);
        timer = null;
      });
      ctx.self.tell({ type: "tick" });
    },
    async receive(msg, ctx) {
      if (msg?.type !== "tick" && msg?.type !== "wake") return;
      try {
        if (!recovered) {
          const settled = await recoverInFlight(deps, clock.now());
          if (settled.sent + settled.unknown > 0) log.warn("scheduled sends in flight at the last stop settled", settled);
          await sweepCopies(deps, clock.now());
          recovered = true;
        }
        const { acted, wakeAt } = await round();
        // After sends, time has moved and rows have changed: plan again at once.
        arm(ctx, acted ? clock.now() : wakeAt);
      } catch (err) {
        // The store or the connection is restarting: try again shortly rather than crash-loop
        // (a restart would not help, and too many would escalate to the root).
        log.warn("scheduler round failed; retrying", { error: err instanceof Error ? err.message : String(err) });
        recovered = false; // a send may have been left in flight: settle it from the store first
        arm(ctx, clock.now() + RETRY_MS);
      }
    },
    stop() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
}

/** A copy with no row at all is swept only when older than this: its schedule may be committing right now. */
const ORPHAN_AGE_MS = 10 * 60_000;

/**
 * Removes attachment copies no waiting or in-flight send needs: those of settled sends, and
 * orphans (written, then the commit never happened) once they are old enough.
 */
async function sweepCopies(deps: SendDeps, now: number): Promise<void> {
  const copies = await deps.files.list().catch(() => []);
  if (copies.length === 0) return;
  const live = new Set((await deps.repository.listScheduled({ statuses: ["pending", "sending"], limit: 1000 })).map((r) => r.id));
  for (const c of copies) {
    if (live.has(c.id)) continue;
    const settled = (await deps.repository.getScheduled(c.id)) !== null;
    if (settled || now - c.writtenAt > ORPHAN_AGE_MS) await deps.files.remove(c.id).catch(() => {});
  }
}

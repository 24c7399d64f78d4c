/**
 * The supervisor's decisions as pure functions (no clock, no I/O), following OTP's `supervisor`:
 * what a child's exit leads to, and which children a restart stops and starts.
 */
import type { ExitReason } from "./actor.ts";
import type { RestartType, Strategy } from "./child_spec.ts";

/** Strategy and restart intensity. */
export interface RestartFlags {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly periodMs: number;
}

/** What the decisions need to know of a child, in start order. */
export interface ChildView {
  readonly id: string;
  readonly restart: RestartType;
  readonly running: boolean;
}

/** Restart the child and the siblings its strategy takes along, or give up. */
export type RestartPlan =
  | {
    readonly action: "restart";
    /** Restart times within the period, this one included. */
    readonly restarts: readonly number[];
    /** Running siblings to stop, in stop order (reverse start order). */
    readonly stop: readonly string[];
    /** Temporary siblings to forget: they are stopped with the others and never restarted. */
    readonly remove: readonly string[];
    /** Children to start, in start order. */
    readonly start: readonly string[];
  }
  | { readonly action: "escalate"; readonly restarts: readonly number[] };

/**
 * The answer to a child's exit: `keep` (not restarted, spec kept: a transient child that ended
 * normally), `remove` (a temporary child), or a restart plan.
 */
export type ExitDecision = RestartPlan | { readonly action: "keep" } | { readonly action: "remove" };

/**
 * Decides what the exit of child `id` leads to.
 *
 * @example
 * decideExit(flags, [{ id: "a", restart: "transient", running: false }], "a", { kind: "normal" }, [], now)
 * // → { action: "keep" }
 */
export function decideExit(
  flags: RestartFlags,
  children: readonly ChildView[],
  id: string,
  reason: ExitReason,
  restarts: readonly number[],
  now: number,
): ExitDecision {
  const child = children.find((c) => c.id === id);
  if (!child) throw new RangeError(`Cannot decide on child "${id}": it is not among the children`);
  if (child.restart === "temporary") return { action: "remove" };
  if (child.restart === "transient" && reason.kind !== "crash") return { action: "keep" };
  return planRestart(flags, children, id, restarts, now);
}

/**
 * Plans the restart of child `id` (after its exit, or again after a failed restart): counts it
 * against the intensity (restarts at or after `now - periodMs` count, as OTP), then applies the strategy.
 */
export function planRestart(
  flags: RestartFlags,
  children: readonly ChildView[],
  id: string,
  restarts: readonly number[],
  now: number,
): RestartPlan {
  const recent = [...restarts.filter((t) => t >= now - flags.periodMs), now];
  if (recent.length > flags.intensity) return { action: "escalate", restarts: recent };
  const index = children.findIndex((c) => c.id === id);
  if (index < 0) throw new RangeError(`Cannot restart child "${id}": it is not among the children`);
  const affected = flags.strategy === "one_for_one"
    ? [children[index]]
    : flags.strategy === "one_for_all"
    ? children
    : children.slice(index);
  const siblings = affected.filter((c) => c.id !== id);
  return {
    action: "restart",
    restarts: recent,
    stop: siblings.filter((c) => c.running).map((c) => c.id).reverse(),
    remove: siblings.filter((c) => c.restart === "temporary").map((c) => c.id),
    start: affected.filter((c) => c.id === id || c.restart !== "temporary").map((c) => c.id),
  };
}

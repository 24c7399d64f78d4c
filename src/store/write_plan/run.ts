/**
 * Drivers of a plan: feed each step to an executor and its answer back to the plan. The sql.js
 * store runs plans synchronously (its executor answers at once); PostgreSQL awaits each step.
 */
import type { Plan, Step } from "./steps.ts";

/** Runs `plan` to its end with a synchronous executor; returns the plan's result. */
export function runPlan<R>(plan: Plan<R>, exec: (step: Step) => unknown): R {
  let r = plan.next();
  while (!r.done) r = plan.next(exec(r.value));
  return r.value;
}

/** Runs `plan` to its end, awaiting each step; returns the plan's result. */
export async function runPlanAsync<R>(plan: Plan<R>, exec: (step: Step) => Promise<unknown>): Promise<R> {
  let r = plan.next();
  while (!r.done) r = plan.next(await exec(r.value));
  return r.value;
}

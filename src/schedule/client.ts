/**
 * The typed client of the scheduler actor (registry name "scheduler"): told `wake` when a send is
 * scheduled or cancelled, so it plans its next round at once.
 */
import { type ActorClient, actorClient, type Registry } from "../../supervisors/mod.ts";

/** Registry name of the scheduler. */
export const SCHEDULER = "scheduler";

/** The scheduler's messages (tell; no reply): `wake` from outside, `tick` from its own timer. */
export type SchedulerMsg = { type: "wake" } | { type: "tick" };

/** Tells to the scheduler. */
export type SchedulerClient = ActorClient<SchedulerMsg>;

/** Builds the client. */
export function schedulerClient(registry: Registry): SchedulerClient {
  return actorClient<SchedulerMsg>(registry, SCHEDULER);
}

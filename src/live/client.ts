/**
 * The typed client of the live hub (registry name "live"): the store actor (or, in a cluster, the
 * cluster actor) tells it each committed change, in commit order.
 */
import { type ActorClient, actorClient, type Registry } from "../../supervisors/mod.ts";
import type { StoreChange } from "./types.ts";

/** Registry name of the hub actor. */
export const LIVE = "live";

/** The hub's one message (tell; no reply). */
export type LiveMsg = { type: "changed"; change: StoreChange };

/** Tells to the hub. */
export type LiveClient = ActorClient<LiveMsg>;

/** Builds the client of the hub registered as `name` (default "live"). */
export function liveClient(registry: Registry, name: string = LIVE): LiveClient {
  return actorClient<LiveMsg>(registry, name);
}

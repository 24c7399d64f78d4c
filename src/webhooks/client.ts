/**
 * The typed client of the webhook actor (registry name "webhooks"): told `wake` (new feed entries,
 * or its own timer) and `link` (a link state change, from the connection actor, which knows it
 * only by name through `ConnectionOptions.linkWatchers`).
 */
import { type ActorClient, actorClient, type Registry } from "../../supervisors/mod.ts";
import type { LinkChangeMsg } from "../status/types.ts";

/** Registry name of the webhook actor. */
export const WEBHOOKS = "webhooks";

/** What the webhook actor is told (no replies). */
export type WebhookMsg = { type: "wake" } | LinkChangeMsg;

/** Tells to the webhook actor. */
export type WebhookClient = ActorClient<WebhookMsg>;

/** Builds the client. */
export function webhookClient(registry: Registry): WebhookClient {
  return actorClient<WebhookMsg>(registry, WEBHOOKS);
}

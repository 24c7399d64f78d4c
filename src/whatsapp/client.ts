/**
 * The typed clients of the WhatsApp subtree: the connection actor (its ask timeouts, and `ask`
 * whose reply type follows the message type, `ConnectionReplies`) and the sync actor (`SyncReplies`).
 */
import { type ActorClient, actorClient, type Registry } from "../../supervisors/mod.ts";
import { CONNECTION, SYNC } from "./names.ts";
import type { AskConnection, ConnectionMsg, ConnectionReplies } from "./protocol.ts";
import type { SyncMsg, SyncReplies } from "./sync_core.ts";

/** Ask timeouts: the status snapshot is quick; media, downloads and group metadata may take minutes. */
export const CONNECTION_TIMEOUTS = { statusMs: 5_000, defaultMs: 60_000, slowMs: 180_000 } as const;

const SLOW: ReadonlySet<ConnectionMsg["type"]> = new Set(["sendMedia", "downloadMedia", "groupMetadata"]);

/** How long an ask of this message may take (also the cluster outbox's wait for the leader). */
export function connectionTimeoutMs(msg: ConnectionMsg): number {
  if (msg.type === "status") return CONNECTION_TIMEOUTS.statusMs;
  return SLOW.has(msg.type) ? CONNECTION_TIMEOUTS.slowMs : CONNECTION_TIMEOUTS.defaultMs;
}

/** Request/reply to the connection actor, typed by message. */
export interface ConnectionClient {
  ask: AskConnection;
}

/** Builds the client; the timeout of each ask comes from its message type. */
export function connectionClient(registry: Registry): ConnectionClient {
  return actorClient<ConnectionMsg, ConnectionReplies>(registry, CONNECTION, connectionTimeoutMs);
}

/** Tells (event batches, from the connection actor) and asks (`stats`) to the sync actor. */
export type SyncClient = ActorClient<SyncMsg, SyncReplies>;

/** Builds the sync actor's client (registry name "sync"); `stats` is answered between batches. */
export function syncClient(registry: Registry): SyncClient {
  return actorClient<SyncMsg, SyncReplies>(registry, SYNC, () => CONNECTION_TIMEOUTS.defaultMs);
}

/**
 * The typed client of the connection actor: its registry name, its ask timeouts, and `ask` whose
 * reply type follows the message type (`ConnectionReplies`), like `storeClient` for the store.
 */
import type { Registry } from "../../supervisors/mod.ts";
import { CONNECTION } from "./connection_core.ts";
import type { ConnectionMsg, ConnectionReplies } from "./protocol.ts";

/** Ask timeouts: the status snapshot is quick; media, downloads and group metadata may take minutes. */
export const CONNECTION_TIMEOUTS = { statusMs: 5_000, defaultMs: 60_000, slowMs: 180_000 } as const;

const SLOW: ReadonlySet<ConnectionMsg["type"]> = new Set(["sendMedia", "downloadMedia", "groupMetadata"]);

/** Request/reply to the connection actor, typed by message. */
export interface ConnectionClient {
  ask<M extends ConnectionMsg>(msg: M): Promise<ConnectionReplies[M["type"]]>;
}

/** Builds the client; the timeout of each ask comes from its message type. */
export function connectionClient(registry: Registry): ConnectionClient {
  return {
    ask<M extends ConnectionMsg>(msg: M): Promise<ConnectionReplies[M["type"]]> {
      const timeoutMs = msg.type === "status"
        ? CONNECTION_TIMEOUTS.statusMs
        : SLOW.has(msg.type) ? CONNECTION_TIMEOUTS.slowMs : CONNECTION_TIMEOUTS.defaultMs;
      return registry.ask<ConnectionReplies[M["type"]]>(CONNECTION, msg, { timeoutMs });
    },
  };
}

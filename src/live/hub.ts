/**
 * The live hub (registry name "live"): the store actor tells it every `StoreChange`; it hands
 * each to the in-process listeners (MCP sessions with resource subscriptions, waiting
 * wait_for_messages calls, the webhook sender). A listener that throws is dropped from that one
 * delivery only; a slow listener must queue its own work (listeners are called synchronously).
 */
import type { Behavior } from "../../supervisors/mod.ts";
import type { ChangeListener, LiveSource, StoreChange } from "./types.ts";
import type { LiveMsg } from "./client.ts";

/** The listener list, shared by the actor (which feeds it) and the subscribers. */
export interface LiveHub extends LiveSource {
  /** Hands a change to every listener. */
  publish(change: StoreChange): void;
  /** Current number of listeners. */
  size(): number;
}

/** Creates an empty hub. */
export function createLiveHub(): LiveHub {
  const listeners = new Set<ChangeListener>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    publish(change) {
      for (const l of [...listeners]) {
        try {
          l(change);
        } catch {
          // one listener's failure is not the others'
        }
      }
    },
    size: () => listeners.size,
  };
}

/** The actor around a hub: the hub outlives restarts of the actor (listeners stay subscribed). */
export function liveHubBehavior(hub: LiveHub): Behavior<LiveMsg> {
  return {
    receive(msg) {
      if (msg?.type === "changed") hub.publish(msg.change);
    },
  };
}

/**
 * The composition's cluster parts outside a cluster (`singleParts`: the instance is its own
 * leader) and their shape. Kept apart from cluster_parts.ts, whose PostgreSQL and outbox modules
 * only a cluster member loads (they cost start-up ~40 ms otherwise).
 */
import type { Behavior } from "../../supervisors/mod.ts";
import { type ClusterView, type Leadership, singleView } from "../cluster/leadership.ts";
import { currentPid, hostName } from "../runtime/process.ts";
import type { ClusterStoreOptions } from "../store/postgres/repository.ts";
import type { AskConnection } from "../whatsapp/protocol.ts";

/** What the rest of the composition gets. */
export interface ClusterParts {
  leadership: Leadership | null;
  view(): ClusterView;
  /** WhatsApp requests of the tools and pages (through the outbox in a cluster). */
  ask: AskConnection;
  ready(): Promise<{ ready: boolean; reason: string | null }>;
  /** For openStore (null outside a cluster). */
  store: ClusterStoreOptions | null;
  /** The cluster actor (null outside a cluster). */
  behavior: (() => Behavior<never>) | null;
  close(): Promise<void>;
}

/** A short id unique enough among members: host, pid and random bits. */
export function newInstanceId(): string {
  const r = new Uint8Array(4);
  crypto.getRandomValues(r);
  const host = hostName().replace(/[^A-Za-z0-9.-]/g, "").slice(0, 40) || "host";
  return `${host}-${currentPid()}-${[...r].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Outside a cluster: this instance is its own leader; asks go straight to the connection actor. */
export function singleParts(askLocal: AskConnection, storeReady: () => Promise<unknown>): ClusterParts {
  const id = newInstanceId();
  return {
    leadership: null,
    view: () => singleView(id),
    ask: askLocal,
    async ready() {
      await storeReady();
      return { ready: true, reason: null };
    },
    store: null,
    behavior: null,
    close: () => Promise.resolve(),
  };
}

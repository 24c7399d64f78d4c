/**
 * The application's supervision tree, declared in one place:
 *
 * root (one_for_one)
 * ├─ live           hands each store change to live listeners (subscriptions, waits, webhooks)
 * ├─ store          owns the database; the only writer; answers queries; tells live what changed
 * ├─ webhooks       delivers the store's webhook outbox (signed POSTs, retries with backoff)
 * ├─ cluster        (cluster members only) leader lease, heartbeat, outbox, LISTEN for live changes
 * ├─ whatsapp (rest_for_one)
 * │  ├─ connection  the Baileys socket: login, auth state, reconnect, sends
 * │  └─ sync        Baileys events → store batches
 * ├─ media (one_for_one)
 * │  └─ ffmpeg      ffmpeg.wasm in a Worker; a wasm crash restarts only this child
 * ├─ scheduler      sends scheduled messages at their time (with or without a client)
 * ├─ http           Hono: status page, QR, JSON API, /mcp
 * ├─ instance       loopback /mcp for other processes on the same data folder (instance token)
 * └─ mcp            the stdio MCP server (absent in http mode, where /mcp serves sessions)
 *
 * Names of actors that others message come from their clients (`client.ts` in each folder), where each
 * actor's messages, replies and ask timeouts are declared.
 *
 * The store starts first (everything reads it); the MCP server starts last, once the rest can
 * answer. A crash of connection also restarts sync (rest_for_one: sync holds the socket's events);
 * that subtree is declared once, in `whatsapp/subtree.ts`, and tests start the same declaration.
 */
import { type ChildSpec, supervisor, type SupervisorSpec, worker } from "../../supervisors/mod.ts";
import type { Behavior } from "../../supervisors/mod.ts";
import { whatsappSubtree } from "../whatsapp/subtree.ts";
import { LIVE } from "../live/client.ts";
import { STORE } from "../store/client.ts";
import { WEBHOOKS } from "../webhooks/client.ts";
import { MEDIA } from "../media/client.ts";
import { SCHEDULER } from "../schedule/client.ts";

/** The behaviours of the tree's workers, built by the caller from config. */
export interface TreeParts {
  /** The live hub (src/live/hub.ts); absent in tests that do not need it. */
  live?: (() => Behavior<any>) | null;
  store: () => Behavior<any>;
  /** The webhook actor (src/webhooks/actor.ts); absent in tests that do not need it. */
  webhooks?: (() => Behavior<any>) | null;
  /** The cluster actor (src/cluster/cluster_actor.ts); absent outside a cluster. */
  cluster?: (() => Behavior<any>) | null;
  connection: () => Behavior<any>;
  sync: () => Behavior<any>;
  ffmpeg: () => Behavior<any>;
  /** The scheduler of scheduled sends (src/schedule/actor.ts); absent in tests that do not need it. */
  scheduler?: (() => Behavior<any>) | null;
  http: (() => Behavior<any>) | null;
  /** The instance endpoint (src/instance/actor.ts); absent in tests that do not need it. */
  instance?: (() => Behavior<any>) | null;
  mcpStdio: (() => Behavior<any>) | null;
}

/** Builds the root spec. Intensities are OTP-like defaults: a few restarts a minute, then escalate. */
export function appTree(parts: TreeParts): SupervisorSpec {
  const children: ChildSpec[] = [];
  // Before the store: the store tells it about every commit from its first one.
  if (parts.live) children.push(worker(LIVE, parts.live, { shutdownMs: 1_000 }));
  children.push(worker(STORE, parts.store, { shutdownMs: 60_000 }));
  // After the store (it reads the feed through it), before WhatsApp (the lease gates the socket);
  // stopped after WhatsApp, so the lease is released only once the socket is closed.
  if (parts.cluster) children.push(worker("cluster", parts.cluster, { shutdownMs: 10_000 }));
  children.push(
    // After the store (its outbox), before WhatsApp (its endpoints are set before live events flow).
    ...(parts.webhooks ? [worker(WEBHOOKS, parts.webhooks, { shutdownMs: 5_000 })] : []),
    whatsappSubtree({ connection: parts.connection, sync: parts.sync }),
    supervisor("media", () => ({
      strategy: "one_for_one",
      intensity: 10,
      periodMs: 60_000,
      children: [worker(MEDIA, parts.ffmpeg, { shutdownMs: 5_000 })],
    })),
  );
  // After the store and WhatsApp it asks; a send in flight at shutdown gets time to settle.
  if (parts.scheduler) children.push(worker(SCHEDULER, parts.scheduler, { shutdownMs: 10_000 }));
  if (parts.http) children.push(worker("http", parts.http, { shutdownMs: 5_000 }));
  if (parts.instance) children.push(worker("instance", parts.instance, { shutdownMs: 5_000 }));
  if (parts.mcpStdio) children.push(worker("mcp", parts.mcpStdio, { shutdownMs: 5_000 }));
  return { strategy: "one_for_one", intensity: 5, periodMs: 60_000, children };
}

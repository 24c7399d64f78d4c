/**
 * The cluster's part of the composition root (WHATSAPP_MCP_CLUSTER=1): the shared leadership
 * state, the outbox on both sides, the cluster actor, readiness and the status view. Outside a
 * cluster only `singleParts` (single_parts.ts) is used, and this module is not loaded.
 */
import type { Behavior, Registry } from "../../supervisors/mod.ts";
import { storeChannels, type Channels } from "../cluster/channels.ts";
import { CLUSTER, clusterBehavior } from "../cluster/cluster_actor.ts";
import { createLeadership } from "../cluster/leadership.ts";
import type { LeaseTiming } from "../cluster/lease_core.ts";
import { createDoneWaiter, DEFAULT_MAX_REQUEST_BYTES, outboxAsk } from "../cluster/outbox_client.ts";
import { createOutboxWorker } from "../cluster/outbox_worker.ts";
import { LIVE } from "../live/client.ts";
import type { Logger } from "../log.ts";
import { exitProcess } from "../runtime/host.ts";
import type { LinkStatus } from "../status/types.ts";
import { connectPg } from "../store/postgres/client.ts";
import type { ClusterStoreOptions } from "../store/postgres/repository.ts";
import type { Repository } from "../store/types.ts";
import type { AskConnection, ConnectionMsg } from "../whatsapp/protocol.ts";
import { VERSION } from "../version.ts";
import { type ClusterParts, newInstanceId } from "./single_parts.ts";
import { currentPid, hostName } from "../runtime/process.ts";

export { CLUSTER };
export { type ClusterParts, newInstanceId, singleParts } from "./single_parts.ts";

/** What a cluster member's parts need. */
export interface ClusterPartsDeps {
  url: string;
  registry: Registry;
  /** The live feed, through the store actor. */
  repo: Pick<Repository, "liveEvents" | "liveHead">;
  /** The local connection actor (the leader's outbox worker runs requests on it). */
  askLocal: AskConnection;
  linkStatus(): Promise<LinkStatus>;
  /** How long a request may wait for the leader. */
  timeoutMs(msg: ConnectionMsg): number;
  log: Logger;
  timing?: LeaseTiming;
  /** Test hook (fault injection): runs after the leader handed a send to WhatsApp, before recording it. */
  afterSend?: () => Promise<void> | void;
}

/** A cluster member's parts. */
export function clusterParts(d: ClusterPartsDeps): ClusterParts {
  const instanceId = newInstanceId();
  const leadership = createLeadership(instanceId);
  const pg = connectPg(d.url, { max: 4 });
  let channelsP: Promise<Channels> | null = null;
  const channels = () => (channelsP ??= storeChannels(pg).catch((err) => {
    channelsP = null;
    throw err;
  }));
  const waiter = createDoneWaiter();
  const now = () => Date.now();
  const worker = createOutboxWorker({
    pg,
    channels,
    instanceId,
    fence: () => leadership.fence(),
    ask: d.askLocal,
    async linkOpen() {
      return (await d.linkStatus().catch(() => null))?.state === "open";
    },
    now,
    log: d.log,
    afterSend: d.afterSend,
  });
  const askThroughOutbox: AskConnection = async (msg) =>
    await outboxAsk({
      pg,
      channels: await channels(),
      instanceId,
      waiter,
      now,
      random: (b) => crypto.getRandomValues(b),
      newKey: () => crypto.randomUUID(),
      timeoutMs: d.timeoutMs,
      maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
    })(msg);
  const staleAfter = 3 * (d.timing?.renewEveryMs ?? 1_000);
  return {
    leadership,
    view: () => leadership.view(),
    ask: askThroughOutbox,
    async ready() {
      const seen = leadership.lastSeenAt();
      if (seen === null) return { ready: false, reason: "not yet registered as a cluster member" };
      if (now() - seen > staleAfter) return { ready: false, reason: `the store has not answered for ${Math.round((now() - seen) / 1000)} s` };
      return { ready: true, reason: null };
    },
    store: { instanceId, fence: () => leadership.fence() },
    behavior: () =>
      clusterBehavior({
        url: d.url,
        shared: { pg, channels },
        leadership,
        member: { instanceId, startedAt: now(), host: hostName(), pid: currentPid(), version: VERSION },
        timing: d.timing,
        waiter,
        worker,
        repo: d.repo,
        publishTo: LIVE,
        linkStatus: d.linkStatus,
        exit: () => exitProcess(70),
        log: d.log.child("cluster"),
      }),
    close: () => pg.end({ timeout: 5 }),
  };
}

/**
 * The cluster actor (registry name "cluster"): the thin shell around the lease decision
 * (`lease_core.ts`). Every `renewEveryMs` it ticks the lease (renew as leader, try to acquire as
 * follower), beats its heartbeat into `cluster_members`, and pumps the outbox while it leads. It
 * LISTENs for live changes (every member, the leader included, hands them to its own live hub
 * from the feed in the database), new outbox rows, and settled ones (to wake waiting callers).
 *
 * The lease queries run on a pool of their own with a statement timeout below the renew
 * deadline, so a slow store cannot hold a renewal past it unnoticed.
 */
import type { Behavior } from "../../supervisors/mod.ts";
import { changePublisher } from "../live/publisher.ts";
import { liveClient } from "../live/client.ts";
import { createLogger, type Logger } from "../log.ts";
import type { LinkStatus } from "../status/types.ts";
import { connectPg, type Pg } from "../store/postgres/client.ts";
import type { Repository } from "../store/types.ts";
import type { Channels } from "./channels.ts";
import { type Leadership } from "./leadership.ts";
import { currentLeader, heartbeat, leaderLink, leave, listMembers, type MemberInfo, releaseLease, renewLease, tryAcquire } from "./lease_sql.ts";
import { DEFAULT_LEASE_TIMING, initialLeaseState, type LeaseEffect, type LeaseObservation, type LeaseState, leaseStep, type LeaseTiming, roleOf } from "./lease_core.ts";
import { parseLiveNotice } from "./live_notify.ts";
import type { DoneWaiter } from "./outbox_client.ts";
import type { OutboxWorker } from "./outbox_worker.ts";
import { pruneOutbox } from "./outbox_sql.ts";

/** Registry name of the cluster actor. */
export const CLUSTER = "cluster";

/** Settled outbox rows are kept this long (for get-status style questions and debugging). */
const OUTBOX_KEEP_MS = 24 * 3600_000;

/** What the actor needs. */
export interface ClusterActorOptions {
  /** DATABASE_URL (the lease pool connects to it). */
  url: string;
  /** The shared pool (outbox, LISTEN) and its channels; outlives restarts of this actor. */
  shared: { pg: Pg; channels(): Promise<Channels> };
  leadership: Leadership;
  member: MemberInfo;
  timing?: LeaseTiming;
  waiter: DoneWaiter;
  worker: OutboxWorker;
  /** The live feed (through the store actor). */
  repo: Pick<Repository, "liveEvents" | "liveHead">;
  /** Registry name of the live hub. */
  publishTo: string;
  /** The local connection's link status (published by the leader for the followers). */
  linkStatus(): Promise<LinkStatus | null>;
  /** Ends the process: the socket did not close in time after the lease was lost. */
  exit(reason: string): void;
  log?: Logger;
}

/** The behaviour. */
export function clusterBehavior(o: ClusterActorOptions): Behavior<never> {
  const timing = o.timing ?? DEFAULT_LEASE_TIMING;
  const log = o.log ?? createLogger("cluster");
  const me = o.member.instanceId;
  let state: LeaseState = initialLeaseState();
  let leasePg: Pg | null = null;
  let timer: unknown = null;
  let beating = false;
  let lastPrune = 0;
  let stopper: (() => Promise<void>) | null = null;
  const unlisten: Array<() => Promise<void>> = [];

  return {
    async start(ctx) {
      const now = () => ctx.clock.now();
      // A previous incarnation of this actor led and crashed: its socket must not outlive its lease
      // decision (this one starts as a follower and earns the lease again, with a new token).
      if (o.leadership.fence() !== null) await o.leadership.closeSocket();
      const db = connectPg(o.url, { max: 3, statementTimeoutMs: timing.renewDeadlineMs - timing.renewEveryMs, connectTimeoutS: 2 });
      leasePg = db;

      // The statement timeout cannot fire when the database never sees the query (a network cut):
      // give up on the answer ourselves, so the next tick can try again.
      const bounded = <T>(p: Promise<T>): Promise<T> =>
        new Promise<T>((resolve, reject) => {
          const t = ctx.clock.setTimeout(() => reject(new Error("lease query timed out")), timing.renewDeadlineMs);
          p.then((v) => {
            ctx.clock.clearTimeout(t);
            resolve(v);
          }, (err) => {
            ctx.clock.clearTimeout(t);
            reject(err);
          });
        });
      const observe = (obs: LeaseObservation): Promise<void> => {
        const before = roleOf(state);
        const r = leaseStep(state, obs, timing);
        state = r.state;
        if (roleOf(state) !== before) log.info(`cluster role: ${roleOf(state)}`, { instance: me });
        return Promise.all(r.effects.map(run)).then(() => {});
      };
      const run = (e: LeaseEffect): Promise<void> => {
        switch (e.type) {
          case "try_acquire":
            return bounded(tryAcquire(db, me, timing.ttlMs)).then(
              (r) => observe("token" in r ? { type: "acquired", token: r.token, sentAt: e.sentAt, now: now() } : { type: "held_by", holder: r.holder, now: now() }),
              () => observe({ type: "db_error", now: now() }),
            );
          case "renew":
            return bounded(renewLease(db, me, e.token, timing.ttlMs)).then(
              (ok) => observe(ok ? { type: "renewed", token: e.token, sentAt: e.sentAt, now: now() } : { type: "lost", now: now() }),
              () => observe({ type: "db_error", now: now() }),
            );
          case "open_socket":
            log.info("this instance holds the WhatsApp lease: opening the connection", { token: e.token });
            o.leadership.openSocket(e.token);
            o.worker.pump();
            return Promise.resolve();
          case "close_socket":
            log.warn("WhatsApp lease lost or given up: closing the connection", { token: e.token });
            return o.leadership.closeSocket().then(() => observe({ type: "socket_closed", token: e.token, now: now() }));
          case "release":
            return releaseLease(db, me, e.token).catch((err) => log.warn("lease release failed (it expires by itself)", { error: err }));
          case "exit":
            log.error(`exiting: ${e.reason}`);
            o.exit(e.reason);
            return Promise.resolve();
        }
      };

      const beat = async () => {
        if (beating) return;
        beating = true;
        try {
          const role = roleOf(state);
          const link = role === "leader" ? await o.linkStatus().catch(() => null) : null;
          await heartbeat(db, o.member, role, link);
          const [members, leader, published] = await Promise.all([listMembers(db, timing.ttlMs), currentLeader(db), leaderLink(db)]);
          o.leadership.observe({ leaderId: leader?.holder ?? null, members, leaderLink: published, at: now() });
          if (role === "leader" && now() - lastPrune > 3600_000) {
            lastPrune = now();
            await pruneOutbox(db, Date.now() - OUTBOX_KEEP_MS);
          }
        } catch (err) {
          log.warn("cluster heartbeat failed", { error: err });
        } finally {
          beating = false;
        }
      };

      // Live changes: one publisher per member, fed in order from the NOTIFYs.
      const channels = await o.shared.channels();
      const live = liveClient(ctx.registry, o.publishTo);
      const publisher = changePublisher(o.repo, (change) => live.tell({ type: "changed", change }));
      await publisher.start();
      let chain: Promise<void> = Promise.resolve();
      const relay = (n: { live: boolean; chatsChanged: boolean; touchedChats: string[] }) => {
        chain = chain.then(() => publisher.changed(n)).catch((err) => log.warn("live relay failed", { error: err }));
      };
      const listen = async (channel: string, fn: (payload: string) => void, onListen?: () => void) => {
        const sub = await o.shared.pg.listen(channel, fn, onListen);
        unlisten.push(() => sub.unlisten());
      };
      let first = true;
      // On every (re)connection of the LISTEN session: catch up on what may have been missed.
      await listen(channels.live, (p) => relay(parseLiveNotice(p)), () => {
        if (!first) relay({ live: true, chatsChanged: true, touchedChats: [] });
        first = false;
      });
      await listen(channels.outbox, () => o.worker.pump());
      await listen(channels.done, (p) => o.waiter.wake(Number(p)));

      const tick = () => {
        timer = ctx.clock.setTimeout(tick, timing.renewEveryMs);
        void observe({ type: "tick", now: now() }).catch((err) => log.warn("lease step failed", { error: err }));
        void beat();
        o.worker.pump();
      };
      stopper = async () => {
        ctx.clock.clearTimeout(timer);
        await observe({ type: "stop", now: now() });
        await leave(db, me).catch(() => {});
      };
      tick();
    },
    receive() {
      return undefined;
    },
    async stop() {
      await stopper?.().catch((err) => log.warn("cluster stop failed", { error: err }));
      for (const u of unlisten.splice(0)) await u().catch(() => {});
      await leasePg?.end({ timeout: 2 });
      leasePg = null;
    },
  };
}

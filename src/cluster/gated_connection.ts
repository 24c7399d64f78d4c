/**
 * The connection actor of a cluster member: the same core as `connectionBehavior`, opened only
 * while this instance holds the lease (`Leadership.openSocket`) and terminated the moment it
 * must step down (`Leadership.closeSocket`). A follower never builds a socket: its `status` is
 * the leader's published link status, and any other request is refused (members reach WhatsApp
 * through the outbox, src/cluster/outbox_client.ts).
 */
import type { ActorContext, Behavior } from "../../supervisors/mod.ts";
import { answer, coreFor } from "../whatsapp/connection_actor.ts";
import type { ConnectionCore, ConnectionOptions } from "../whatsapp/connection_core.ts";
import { WhatsAppNotReadyError } from "../whatsapp/errors.ts";
import type { ConnectionMsg } from "../whatsapp/protocol.ts";
import { initialLinkStatus, type LinkStatus } from "../status/types.ts";
import type { Leadership } from "./leadership.ts";

/** The link status a follower shows: the leader's, or why there is none. */
export function followerLinkStatus(leadership: Leadership, now: number): LinkStatus {
  const published = leadership.leaderLink();
  if (published) return { ...published };
  return { ...initialLinkStatus(now), lastError: "No cluster member holds the WhatsApp connection right now (a new leader is being chosen)" };
}

/** The behaviour. */
export function gatedConnectionBehavior(options: ConnectionOptions, leadership: Leadership): Behavior<ConnectionMsg> {
  let core: ConnectionCore | null = null;
  let starting: Promise<void> = Promise.resolve();
  let unregister: (() => void) | null = null;

  const open = (ctx: ActorContext<ConnectionMsg>) => {
    if (core) return;
    const c = coreFor(options, ctx);
    core = c;
    // A failure to load the session crashes the actor; its next incarnation opens again if still leader.
    starting = c.start().catch((err) => {
      if (core === c) ctx.fail(err);
    });
  };
  // Closed as soon as terminate() returns: the TCP connection is destroyed and the core will never
  // connect again, even if its start is still loading the session. The orderly stop (which may
  // wait on a store the network no longer reaches) finishes in the background.
  const close = () => {
    const c = core;
    core = null;
    if (!c) return Promise.resolve();
    c.terminate();
    void starting.then(() => c.stop()).catch(() => {});
    return Promise.resolve();
  };

  return {
    start(ctx) {
      unregister = leadership.control({ open: () => open(ctx), close });
      if (leadership.socketToken() !== null) open(ctx);
    },
    receive(msg, ctx) {
      if (core) return answer(core, msg);
      if (msg.type === "status") return followerLinkStatus(leadership, ctx.clock.now());
      if (msg.type === "historyProgress") return { ok: true };
      throw new WhatsAppNotReadyError("This instance is a cluster follower: it holds no WhatsApp connection (requests go through the outbox to the leader)");
    },
    async stop() {
      unregister?.();
      // An orderly stop (shutdown, restart): the socket's close and the last session save finish first.
      const c = core;
      core = null;
      if (!c) return;
      await starting;
      await c.stop().catch(() => {});
      c.terminate();
    },
  };
}

/**
 * The connection actor (registry name "connection"): a thin kernel shell around
 * `ConnectionCore`. Every request's failure is a `ReplyError` (it answers only its caller); a
 * failure handling the socket's own events (e.g. the session cannot be saved) crashes the actor
 * through `ctx.fail`, and its supervisor restarts it with the session from the store.
 *
 * Only `status` and `historyProgress` are answered in turn; every other request (sends, uploads,
 * downloads, group metadata, history fetches, pairing codes, relink...) waits on WhatsApp or the
 * store, so its reply is deferred (`deferReply`) and the mailbox goes on: a `status` ask is
 * answered at once even while an upload runs. The core keeps sends to one chat in order.
 *
 * @example
 * const status = await connectionClient(registry).ask({ type: "status" }); // client.ts
 */
import { type ActorContext, type Behavior, deferReply } from "../../supervisors/mod.ts";
import { CONNECTION, ConnectionCore, type ConnectionOptions } from "./connection_core.ts";
import type { ConnectionMsg } from "./protocol.ts";

export { CONNECTION };

/** A core wired to the actor's kernel context (clock, registry, crash), killed when the actor stops. */
export function coreFor(options: ConnectionOptions, ctx: ActorContext<ConnectionMsg>): ConnectionCore {
  const c = new ConnectionCore(options, {
    now: () => ctx.clock.now(),
    setTimer(ms, fn) {
      const handle = ctx.clock.setTimeout(fn, ms);
      return () => ctx.clock.clearTimeout(handle);
    },
    tell: (name, msg) => ctx.registry.tell(name, msg),
    fail: (error) => ctx.fail(error),
  });
  ctx.signal.addEventListener("abort", () => c.kill(), { once: true });
  return c;
}

/** Answers `msg` on `core`: quick requests in turn, the rest deferred (see the module doc). */
export function answer(core: ConnectionCore, msg: ConnectionMsg): unknown {
  // request() queues a send on its chat lane before it first awaits, so mailbox order is chat order.
  const reply = core.request(msg);
  return msg.type === "status" || msg.type === "historyProgress" ? reply : deferReply(reply);
}

/** The behaviour; the worker spec calls this once per incarnation (each gets a fresh core). */
export function connectionBehavior(options: ConnectionOptions): Behavior<ConnectionMsg> {
  let core: ConnectionCore | null = null;
  return {
    async start(ctx) {
      const c = coreFor(options, ctx);
      core = c;
      await c.start();
    },
    receive(msg) {
      if (!core) throw new Error("connection actor used before start");
      return answer(core, msg);
    },
    async stop() {
      await core?.stop();
    },
  };
}

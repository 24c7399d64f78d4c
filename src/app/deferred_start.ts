/**
 * A worker whose code is loaded on demand: `load()` imports its module (Baileys, Hono, ffmpeg...)
 * and builds the real behaviour. With `after`, loading waits for that promise (e.g. the first tool
 * call answered) and runs in the background: `start` returns at once, so the tree goes on to the
 * children a client waits for, and the name is registered from the start. Messages that arrive
 * meanwhile are handled once the real behaviour has started, in order (answered later, so the
 * mailbox stays free and a stop is not held up by them). A failure to load or start crashes the
 * actor (its supervisor restarts it as usual). Without `after`, `start` loads and starts it,
 * like the real behaviour's own `start`.
 */
import { type ActorContext, type Behavior, deferReply, type StopReason } from "../../supervisors/mod.ts";
import { DeferredReply } from "../../supervisors/deferred.ts";

/** Said to messages sent to a worker stopped before its code was loaded. */
export class StoppedBeforeLoadError extends Error {
  override name = "StoppedBeforeLoadError";
}

/** A behaviour that loads its code (see the module doc). */
export function deferredStart<M>(load: () => Promise<Behavior<M>>, opts: { after?: Promise<unknown> } = {}): Behavior<M> {
  let inner: Behavior<M> | null = null; // set once started
  let ready: Promise<Behavior<M>> | null = null;
  let queue: Promise<unknown> = Promise.resolve(); // messages held until `inner` starts, in order
  let held = 0;
  let stopped = false;
  let onStop: () => void = () => {};
  const stopping = new Promise<void>((resolve) => (onStop = resolve));

  const begin = async (ctx: ActorContext<M>): Promise<Behavior<M>> => {
    if (opts.after) await Promise.race([opts.after, stopping]);
    if (stopped) throw new StoppedBeforeLoadError("stopped before its code was loaded");
    const b = await load();
    if (stopped) throw new StoppedBeforeLoadError("stopped before its code was loaded");
    await b.start?.(ctx);
    inner = b;
    return b;
  };

  return {
    start(ctx) {
      ready = begin(ctx);
      if (!opts.after) return ready.then(() => {});
      ready.catch((err) => {
        if (!stopped) ctx.fail(err);
      });
    },
    receive(msg, ctx) {
      if (inner && held === 0) return inner.receive(msg, ctx);
      held++;
      const handled = queue.then(async () => (await ready!).receive(msg, ctx));
      // The next held message waits for this one's `receive`, not for a reply it defers.
      queue = handled.catch(() => {}).finally(() => held--);
      const work = handled.then((r) => (r instanceof DeferredReply ? r.work : r));
      // After a stop, held messages fail quietly: the kernel has already told their askers.
      return deferReply(work.catch((err) => {
        if (stopped) return undefined;
        throw err;
      }));
    },
    async stop(reason: StopReason) {
      stopped = true;
      onStop();
      const b = await ready?.catch(() => null);
      if (b && inner === b) await b.stop?.(reason);
    },
  };
}

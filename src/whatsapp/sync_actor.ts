/**
 * The sync actor (registry name "sync"): a thin kernel shell around `SyncCore`. The connection
 * actor tells it every batch of data events; it maps them (pure functions in `mapping/`) and
 * commits them to the store, then tells the connection actor how far history sync has come.
 * A failed commit crashes it (the supervisor restarts it); mapping errors never do.
 */
import type { Behavior } from "../../supervisors/mod.ts";
import { SYNC, SyncCore, type SyncMsg, type SyncOptions } from "./sync_core.ts";

export { SYNC };

/** The behaviour; the worker spec calls this once per incarnation (LID cache and counters start over). */
export function syncBehavior(options: SyncOptions): Behavior<SyncMsg> {
  let core: SyncCore | null = null;
  return {
    start(ctx) {
      core = new SyncCore(options, {
        now: () => ctx.clock.now(),
        tell: (name, msg) => ctx.registry.tell(name, msg),
      });
    },
    receive(msg) {
      if (!core) throw new Error("sync actor used before start");
      return core.handle(msg);
    },
  };
}

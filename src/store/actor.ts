/**
 * The store actor: the only owner of the database. It opens the repository on start, answers
 * `StoreCall`s one at a time, and flushes and unlocks on stop. A failing query answers only its
 * caller (ReplyError); it does not crash the store. After each commit it tells the live hub
 * (registry name `publishTo`) what changed, in commit order.
 */
import { type Behavior, ReplyError } from "../../supervisors/mod.ts";
import { type ChangePublisher, changePublisher } from "../live/publisher.ts";
import { liveClient } from "../live/client.ts";
import type { Repository, WriteOp } from "./types.ts";
import { REPOSITORY_METHODS, type StoreCall } from "./client.ts";
import { startMark } from "../runtime/start_trace.ts";

/** Builds the behaviour around an opener (sql.js or PostgreSQL, chosen by config). */
export function storeBehavior(open: () => Promise<Repository>, opts: { publishTo?: string } = {}): Behavior<StoreCall> {
  let repo: Repository | null = null;
  let publisher: ChangePublisher | null = null;
  return {
    async start(ctx) {
      startMark("store actor: opening");
      repo = await open();
      startMark("store actor: open");
      const to = opts.publishTo;
      if (to) {
        const live = liveClient(ctx.registry, to);
        publisher = changePublisher(repo, (change) => live.tell({ type: "changed", change }));
        await publisher.start();
      }
    },
    async receive(msg) {
      if (!repo) throw new Error("store is not open");
      if (msg?.type !== "call" || !REPOSITORY_METHODS.includes(msg.method)) {
        throw new ReplyError(`Unknown store request ${JSON.stringify(msg?.method ?? msg?.type)}`);
      }
      const fn = repo[msg.method] as (...a: unknown[]) => Promise<unknown>;
      let result: unknown;
      try {
        result = await fn.apply(repo, msg.args);
      } catch (err) {
        throw new ReplyError(err instanceof Error ? err.message : String(err), { cause: err });
      }
      if (msg.method === "commit" && publisher) {
        // The commit is durable; a failure to read the feed must not turn it into an error.
        await publisher.committed(msg.args[0] as WriteOp[]).catch(() => {});
      }
      return result;
    },
    async stop() {
      const r = repo;
      repo = null;
      if (r) await r.close();
    },
  };
}

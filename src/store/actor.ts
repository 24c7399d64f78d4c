/**
 * The store actor: the only owner of the database. It opens the repository on start, answers
 * `StoreCall`s one at a time, and flushes and unlocks on stop. A failing query answers only its
 * caller (ReplyError); it does not crash the store.
 */
import { type Behavior, ReplyError } from "../../supervisors/mod.ts";
import type { Repository } from "./types.ts";
import { REPOSITORY_METHODS, type StoreCall } from "./client.ts";

/** Builds the behaviour around an opener (sql.js or PostgreSQL, chosen by config). */
export function storeBehavior(open: () => Promise<Repository>): Behavior<StoreCall> {
  let repo: Repository | null = null;
  return {
    async start() {
      repo = await open();
    },
    async receive(msg) {
      if (!repo) throw new Error("store is not open");
      if (msg?.type !== "call" || !REPOSITORY_METHODS.includes(msg.method)) {
        throw new ReplyError(`Unknown store request ${JSON.stringify(msg?.method ?? msg?.type)}`);
      }
      const fn = repo[msg.method] as (...a: unknown[]) => Promise<unknown>;
      try {
        return await fn.apply(repo, msg.args);
      } catch (err) {
        throw new ReplyError(err instanceof Error ? err.message : String(err), { cause: err });
      }
    },
    async stop() {
      const r = repo;
      repo = null;
      if (r) await r.close();
    },
  };
}

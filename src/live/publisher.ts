/**
 * Turns commits into `StoreChange`s: after a commit, reads the new part of the live feed (only
 * when the batch had live ops) and hands the change on. The store actor runs one per store, so
 * changes go out in commit order and each feed entry exactly once.
 */
import type { Repository, WriteOp } from "../store/types.ts";
import { changesChats, hasLiveOps, touchedChats } from "./changes.ts";
import type { StoreChange } from "./types.ts";

/** Feed entries read per round after a commit. */
const FEED_PAGE = 500;

/** The publisher of one store. */
export interface ChangePublisher {
  /** Learns where the feed stands (call once the store is open). */
  start(): Promise<void>;
  /** Call after `ops` were committed; publishes the change, if any. */
  committed(ops: readonly WriteOp[]): Promise<void>;
}

/** Builds the publisher over `repo`; `publish` gets each change. */
export function changePublisher(
  repo: Pick<Repository, "liveEvents" | "liveHead">,
  publish: (change: StoreChange) => void,
): ChangePublisher {
  let head = 0;
  return {
    async start() {
      head = await repo.liveHead();
    },
    async committed(ops) {
      const chats = touchedChats(ops);
      const chatsChanged = changesChats(ops);
      const change: StoreChange = { events: [], head, chatsChanged, touchedChats: chats };
      if (hasLiveOps(ops)) {
        for (;;) {
          const page = await repo.liveEvents(head, FEED_PAGE);
          change.events.push(...page);
          if (page.length > 0) head = page[page.length - 1]!.seq;
          if (page.length < FEED_PAGE) break;
        }
        change.head = head;
      }
      if (change.events.length === 0 && !chatsChanged && chats.length === 0) return;
      publish(change);
    },
  };
}

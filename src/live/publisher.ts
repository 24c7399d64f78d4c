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
  /**
   * The same, for a commit known only by what it touched (another cluster member's NOTIFY,
   * src/cluster/live_notify.ts). Calls must not overlap (callers serialise them).
   */
  changed(c: { live: boolean; chatsChanged: boolean; touchedChats: string[] }): Promise<void>;
}

/** Builds the publisher over `repo`; `publish` gets each change. */
export function changePublisher(
  repo: Pick<Repository, "liveEvents" | "liveHead">,
  publish: (change: StoreChange) => void,
): ChangePublisher {
  let head = 0;
  const changed: ChangePublisher["changed"] = async ({ live, chatsChanged, touchedChats: chats }) => {
    const change: StoreChange = { events: [], head, chatsChanged, touchedChats: chats };
    if (live) {
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
  };
  return {
    async start() {
      head = await repo.liveHead();
    },
    committed: (ops) => changed({ live: hasLiveOps(ops), chatsChanged: changesChats(ops), touchedChats: touchedChats(ops) }),
    changed,
  };
}

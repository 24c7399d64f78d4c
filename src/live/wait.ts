/**
 * Waiting for new messages without polling: a waiter reads the live feed after its cursor, and
 * when nothing matches it sleeps until the hub reports a change (or the time is up, or the caller
 * cancels). The cursor is a feed seq, so a message that arrived while the server was off (the
 * offline queue on reconnect) is after any cursor handed out before, and seen exactly once.
 */
import type { LiveEvent, MessageView, Repository } from "../store/types.ts";
import type { LiveSource, StoreChange } from "./types.ts";

/** Feed entries read per round. */
const FEED_PAGE = 200;

/** What a wait looks for. */
export interface WaitQuery {
  /** Feed seq to start after. */
  after: number;
  /** Only this chat (canonical JID). */
  chatJid?: string;
  /** Which messages count. */
  accept(m: MessageView): boolean;
  /** Most messages returned. */
  limit: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A wait's outcome: the messages (oldest first) and the seq to continue after. */
export interface WaitResult {
  messages: MessageView[];
  cursor: number;
  timedOut: boolean;
  cancelled: boolean;
}

/** Waits as described in the module doc. */
export async function waitForMessages(
  repo: Pick<Repository, "liveEvents" | "liveHead" | "getMessage">,
  live: LiveSource | undefined,
  q: WaitQuery,
): Promise<WaitResult> {
  let cursor = q.after;
  let wake: (() => void) | null = null;
  let dirty = false;
  const onChange = (c: StoreChange) => {
    if (c.events.length === 0) return;
    if (q.chatJid && !c.events.some((e) => e.chatJid === q.chatJid)) return;
    dirty = true;
    wake?.();
  };
  // Subscribed before the first read, so nothing committed in between is missed.
  const unsubscribe = live?.subscribe(onChange) ?? (() => {});
  const deadline = Date.now() + q.timeoutMs;
  try {
    for (;;) {
      dirty = false;
      const { found, next } = await scan(repo, cursor, q);
      cursor = next;
      if (found.length > 0) return { messages: found, cursor, timedOut: false, cancelled: false };
      if (q.signal?.aborted) return { messages: [], cursor, timedOut: false, cancelled: true };
      const left = deadline - Date.now();
      if (left <= 0) return { messages: [], cursor, timedOut: true, cancelled: false };
      if (dirty) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          q.signal?.removeEventListener("abort", done);
          wake = null;
          resolve();
        };
        const timer = setTimeout(done, left);
        q.signal?.addEventListener("abort", done, { once: true });
        wake = done;
      });
    }
  } finally {
    unsubscribe();
  }
}

/** Reads the feed after `cursor` up to its head; returns the accepted messages and the new cursor. */
async function scan(
  repo: Pick<Repository, "liveEvents" | "liveHead" | "getMessage">,
  cursor: number,
  q: WaitQuery,
): Promise<{ found: MessageView[]; next: number }> {
  const found: MessageView[] = [];
  let next = cursor;
  for (;;) {
    // The head first: every entry up to it is committed, so a chat-filtered read may skip to it.
    const head = await repo.liveHead();
    const page: LiveEvent[] = await repo.liveEvents(next, FEED_PAGE, q.chatJid);
    for (const e of page) {
      next = e.seq;
      if (e.kind !== "message") continue;
      const m = await repo.getMessage(e.chatJid, e.messageId);
      if (m && q.accept(m)) found.push(m);
      if (found.length >= q.limit) return { found, next };
    }
    if (page.length < FEED_PAGE) return { found, next: Math.max(next, head) };
  }
}

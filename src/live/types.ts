/**
 * What the store publishes after each commit, and the port listeners subscribe through. One
 * change per commit, in commit order.
 */
import type { LiveEvent } from "../store/types.ts";

/** The outcome of one commit, as far as live readers care. */
export interface StoreChange {
  /** New entries of the live feed (canonical chat JIDs), oldest first. */
  events: LiveEvent[];
  /** The feed's newest seq after the commit. */
  head: number;
  /** Chat-level state changed (name, unread, archive, a chat added or removed...). */
  chatsChanged: boolean;
  /** Chats whose messages changed (JIDs as the writes named them; a LID form is possible). */
  touchedChats: string[];
}

/** Something that hears every store change while subscribed. */
export type ChangeListener = (change: StoreChange) => void;

/** The port: subscribe and get an unsubscribe function. */
export interface LiveSource {
  subscribe(listener: ChangeListener): () => void;
}

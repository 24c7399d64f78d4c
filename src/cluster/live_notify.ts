/**
 * The NOTIFY payload that tells every member a commit changed what live readers see: ids only
 * (chat JIDs and flags, never content); each member then reads the live feed itself. Pure.
 */
import { changesChats, hasLiveOps, touchedChats } from "../live/changes.ts";
import type { WriteOp } from "../store/types.ts";

/** What a live notification says. */
export interface LiveNotice {
  /** The live feed may have grown: read it from where you are. */
  live: boolean;
  chatsChanged: boolean;
  /** Chats whose messages changed; empty with `chatsChanged` when the list did not fit. */
  touchedChats: string[];
}

/** PostgreSQL's NOTIFY payload limit is 8000 bytes: stay well under it. */
export const MAX_PAYLOAD = 7_000;

/** The payload for a committed batch, or null when no live reader cares. */
export function livePayload(ops: readonly WriteOp[]): string | null {
  const notice: LiveNotice = { live: hasLiveOps(ops), chatsChanged: changesChats(ops), touchedChats: touchedChats(ops) };
  if (!notice.live && !notice.chatsChanged && notice.touchedChats.length === 0) return null;
  let text = JSON.stringify(notice);
  // Too many chats to name: say "chats changed" instead (readers re-list them).
  if (text.length > MAX_PAYLOAD) text = JSON.stringify({ ...notice, chatsChanged: true, touchedChats: [] });
  return text;
}

/** Reads a payload; anything malformed reads as "something changed" (readers re-check). */
export function parseLiveNotice(text: string): LiveNotice {
  try {
    const v = JSON.parse(text) as Partial<LiveNotice>;
    return {
      live: v.live === true,
      chatsChanged: v.chatsChanged === true,
      touchedChats: Array.isArray(v.touchedChats) ? v.touchedChats.filter((x): x is string => typeof x === "string") : [],
    };
  } catch {
    return { live: true, chatsChanged: true, touchedChats: [] };
  }
}

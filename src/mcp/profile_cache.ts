/**
 * Profiles fetched from WhatsApp, kept a while in memory: a model that looks at the same person
 * twice in a conversation should not cost two rounds of queries (and WhatsApp rate-limits them).
 * One cache per connection port, so tests and proxies never share answers.
 */
import type { ProfileReply } from "../whatsapp/protocol.ts";

/** How long a profile is reused. */
export const PROFILE_TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 500;

const caches = new WeakMap<object, Map<string, { at: number; profile: ProfileReply }>>();

/** The cached profile of `jid` younger than the TTL, or null. */
export function cachedProfile(owner: object, jid: string, now: number): { profile: ProfileReply; at: number } | null {
  const e = caches.get(owner)?.get(jid);
  return e && now - e.at < PROFILE_TTL_MS ? e : null;
}

/** Remembers a profile fetched at `now`. */
export function rememberProfile(owner: object, jid: string, profile: ProfileReply, now: number): void {
  let m = caches.get(owner);
  if (!m) caches.set(owner, m = new Map());
  m.delete(jid);
  m.set(jid, { at: now, profile });
  if (m.size > MAX_ENTRIES) m.delete(m.keys().next().value as string);
}

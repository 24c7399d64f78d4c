/**
 * Canonical forms of people and chats: one person is one chat whether WhatsApp addresses them by
 * phone-number JID (`123@s.whatsapp.net`) or by LID (`456@lid`). The canonical id of a person is
 * the phone-number JID when it is known, else the LID; JIDs in normal form (`jid.ts`). Pure.
 */
import { isChatJid, isLidJid, isPnJid, jidOf } from "./jid.ts";

/** What the mapping functions know besides the event itself. */
export interface MapContext {
  /** Our own phone-number JID (no device), once linked. */
  meId: string | null;
  /** Our own LID (no device), once known. */
  meLid: string | null;
  /** LID (normalized, e.g. `456@lid`) to phone-number JID (`123@s.whatsapp.net`), as far as known. */
  lidToPn: ReadonlyMap<string, string>;
}

/** An empty context (tests, or before login). */
export function emptyContext(): MapContext {
  return { meId: null, meLid: null, lidToPn: new Map() };
}

/**
 * Finds a LID/phone pair in two JIDs given in either order (a key's `remoteJid` and
 * `remoteJidAlt`, a contact's `lid` and `phoneNumber`...). Null unless one is each.
 */
export function lidPnPair(
  a: string | null | undefined,
  b: string | null | undefined,
): { lid: string; pnJid: string } | null {
  const x = jidOf(a);
  const y = jidOf(b);
  if (isLidJid(x) && isPnJid(y)) return { lid: x, pnJid: y };
  if (isPnJid(x) && isLidJid(y)) return { lid: y, pnJid: x };
  return null;
}

/**
 * The canonical id of a person addressed as `jid` (with an optional alternative form `alt`):
 * the phone-number JID when `jid` is one, when `alt` is one, or when the LID maps to one;
 * our own LID maps to our own id; else the normalized LID. Null for non-person JIDs.
 */
export function canonicalPerson(
  jid: string | null | undefined,
  alt: string | null | undefined,
  ctx: MapContext,
): string | null {
  const main = jidOf(jid);
  if (isPnJid(main)) return main;
  const other = jidOf(alt);
  if (isLidJid(main)) {
    if (isPnJid(other)) return other;
    if (ctx.meLid && main === ctx.meLid && ctx.meId) return ctx.meId;
    return ctx.lidToPn.get(main) ?? main;
  }
  if (!main && (isPnJid(other) || isLidJid(other))) return canonicalPerson(other, null, ctx);
  return null;
}

/**
 * The canonical chat JID for a key's `remoteJid` (+ `remoteJidAlt`): people as `canonicalPerson`,
 * groups, broadcasts and newsletters as they are (device-free). Null when not a chat we mirror.
 */
export function canonicalChat(
  remoteJid: string | null | undefined,
  remoteJidAlt: string | null | undefined,
  ctx: MapContext,
): string | null {
  const jid = jidOf(remoteJid);
  if (!jid) return null;
  if (!isChatJid(jid)) return null;
  if (isPnJid(jid) || isLidJid(jid)) return canonicalPerson(jid, remoteJidAlt, ctx);
  return jid;
}

/** The PersonRow identity fields for a person seen as `jid` (+ `alt`). */
export function personIdentity(
  jid: string | null | undefined,
  alt: string | null | undefined,
  ctx: MapContext,
): { id: string; pnJid: string | null; lid: string | null } | null {
  const id = canonicalPerson(jid, alt, ctx);
  if (!id) return null;
  const pair = lidPnPair(jid, alt);
  const main = jidOf(jid);
  const lid = pair?.lid ?? (isLidJid(main) ? main : null) ?? reverseLookup(id, ctx);
  return { id, pnJid: isPnJid(id) ? id : null, lid };
}

function reverseLookup(pnJid: string, ctx: MapContext): string | null {
  if (!isPnJid(pnJid)) return null;
  if (ctx.meId === pnJid && ctx.meLid) return ctx.meLid;
  return null;
}

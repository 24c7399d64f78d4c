/**
 * JIDs: their one normal form, what kind of chat they denote, and which ones name a person.
 * Every layer (WhatsApp mapping, store, tools, policy, HTTP) uses these functions, so "one person is
 * one chat" rests on one rule. Pure: no I/O, no Baileys.
 *
 * Normal form: the user part without device and agent suffixes (`123_1:4@s.whatsapp.net` →
 * `123@s.whatsapp.net`), the server lowercased, and the aliases of the two person servers mapped to
 * them: legacy `c.us` and `hosted` (devices of a hosted business account, which Baileys addresses
 * as `user:99@hosted`) to `s.whatsapp.net`, `hosted.lid` to `lid`.
 */

/** What a chat JID denotes. */
export type ChatKind = "person" | "group" | "broadcast" | "newsletter";

/** Server part of phone-number JIDs. */
export const PN_SERVER = "s.whatsapp.net";
/** Server part of LIDs (WhatsApp's privacy identifiers). */
export const LID_SERVER = "lid";
/** Server part of group JIDs. */
export const GROUP_SERVER = "g.us";

/** Already normal: no device part, no spaces, lowercase server of a kind we know. */
const NORMAL = /^[0-9A-Za-z.-]+@(s\.whatsapp\.net|lid|g\.us|broadcast|newsletter)$/;

/** Aliases of the person servers. */
const SERVER_ALIASES: Readonly<Record<string, string>> = {
  "c.us": PN_SERVER,
  "hosted": PN_SERVER,
  "hosted.lid": LID_SERVER,
};

/**
 * The normal form of a JID (see the module doc). Strings without `@` are returned trimmed.
 * @example normalizeJid("491701234567:3@c.us") // "491701234567@s.whatsapp.net"
 */
export function normalizeJid(jid: string): string {
  // Fast path: the common forms are already normal.
  if (NORMAL.test(jid)) return jid;
  const s = jid.trim();
  const at = s.lastIndexOf("@");
  if (at < 0) return s;
  let user = s.slice(0, at);
  const raw = s.slice(at + 1).toLowerCase();
  const server = SERVER_ALIASES[raw] ?? raw;
  if (server === PN_SERVER || server === LID_SERVER) {
    // "123:4" (device) and "123_1:4" (agent) address devices of one account.
    user = user.split(":")[0]!.split("_")[0]!;
  }
  return `${user}@${server}`;
}

/**
 * The normal form of a value that should be a JID, or null when it is not one (missing, no `@`,
 * empty user part). For fields of WhatsApp events, which may be absent or a bare server.
 */
export function jidOf(value: string | null | undefined): string | null {
  if (!value) return null;
  const jid = normalizeJid(value);
  const at = jid.lastIndexOf("@");
  return at > 0 ? jid : null;
}

function serverOf(jid: string): string {
  return jid.slice(jid.lastIndexOf("@") + 1).toLowerCase();
}

/** What a chat JID denotes, from its server; anything unknown counts as a person. */
export function chatKindOf(jid: string): ChatKind {
  const server = serverOf(jid);
  if (server === GROUP_SERVER) return "group";
  if (server === "broadcast") return "broadcast";
  if (server === "newsletter") return "newsletter";
  return "person";
}

/** True for a (normal) JID of a chat we mirror: a person (phone or LID), a group, a broadcast list, a channel. */
export function isChatJid(jid: string): boolean {
  return isPersonJid(jid) || chatKindOf(jid) !== "person";
}

/** True for a normal LID, `...@lid`. */
export function isLidJid(jid: string | null | undefined): jid is string {
  return !!jid && jid.endsWith(`@${LID_SERVER}`);
}

/** True for a normal phone-number JID, `...@s.whatsapp.net`. */
export function isPnJid(jid: string | null | undefined): jid is string {
  return !!jid && jid.endsWith(`@${PN_SERVER}`);
}

/** True for JIDs that name a person (phone number or LID), as opposed to groups and the like. */
export function isPersonJid(jid: string | null | undefined): jid is string {
  return isPnJid(jid) || isLidJid(jid);
}

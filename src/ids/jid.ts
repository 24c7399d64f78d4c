/**
 * JID helpers for the store: normal forms, chat kinds, and turning what a user or a tool
 * passes ("+49 171 234", "49171234@s.whatsapp.net", "1234@lid") into lookup keys.
 * Pure: no I/O.
 */
import type { ChatKind } from "../store/types.ts";

/** Server part of phone-number JIDs. */
export const PN_SERVER = "s.whatsapp.net";
/** Server part of LIDs (WhatsApp's privacy identifiers). */
export const LID_SERVER = "lid";

const NORMAL = /^[0-9A-Za-z.-]+@(s\.whatsapp\.net|lid|g\.us|broadcast|newsletter)$/;

/**
 * The normal form of a JID: device and agent suffixes dropped from the user part
 * (`123:4@s.whatsapp.net` → `123@s.whatsapp.net`), legacy `c.us` mapped to `s.whatsapp.net`,
 * server lowercased. Strings without `@` are returned trimmed.
 */
export function normalizeJid(jid: string): string {
  // Fast path: the common forms are already normal (no device part, no spaces, lowercase server).
  if (NORMAL.test(jid)) return jid;
  const s = jid.trim();
  const at = s.lastIndexOf("@");
  if (at < 0) return s;
  let user = s.slice(0, at);
  let server = s.slice(at + 1).toLowerCase();
  if (server === "c.us") server = PN_SERVER;
  if (server === PN_SERVER || server === LID_SERVER || server === "hosted" || server === "hosted.lid") {
    // "123:4" (device) and "123_1:4" (agent) address devices of one account.
    user = user.split(":")[0]!.split("_")[0]!;
  }
  return `${user}@${server}`;
}

/** What a chat JID denotes, from its server part. */
export function chatKindOf(jid: string): ChatKind {
  const server = jid.slice(jid.lastIndexOf("@") + 1).toLowerCase();
  if (server === "g.us") return "group";
  if (server === "broadcast") return "broadcast";
  if (server === "newsletter") return "newsletter";
  return "person";
}

/** True for `...@lid`. */
export function isLidJid(jid: string): boolean {
  return jid.endsWith(`@${LID_SERVER}`);
}

/** True for `...@s.whatsapp.net`. */
export function isPnJid(jid: string): boolean {
  return jid.endsWith(`@${PN_SERVER}`);
}

/** True for JIDs that name a person (phone number or LID), as opposed to groups and the like. */
export function isPersonJid(jid: string): boolean {
  return isPnJid(jid) || isLidJid(jid);
}

/** The phone digits of a phone-number JID, or null. */
export function phoneOf(jid: string | null | undefined): string | null {
  if (!jid || !isPnJid(jid)) return null;
  return jid.slice(0, jid.indexOf("@"));
}

/**
 * Candidate JIDs for what a user typed: a JID in normal form, or for digits (spaces, dashes,
 * dots, parentheses and a leading + allowed) the phone JID first, then the LID with the same
 * digits. Empty for anything else.
 */
export function personCandidates(input: string): string[] {
  const s = input.trim();
  if (s.includes("@")) return [normalizeJid(s)];
  const digits = s.replace(/[\s().\-]/g, "").replace(/^\+/, "");
  if (!/^\d{3,24}$/.test(digits)) return [];
  return [`${digits}@${PN_SERVER}`, `${digits}@${LID_SERVER}`];
}

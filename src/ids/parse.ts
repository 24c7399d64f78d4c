/**
 * Parsing of the identifiers a model passes for people and chats: phone numbers in any common
 * writing, phone-number JIDs (also the old `@c.us` and with a device suffix), LIDs and group JIDs.
 * Everything is normalised to one JID form before any policy looks at it. Pure.
 */

/** A parsed identifier. `jid` is the normalised JID (device suffix dropped, `@c.us` mapped). */
export type ParsedJid =
  | { kind: "phone"; jid: string; digits: string }
  | { kind: "lid"; jid: string }
  | { kind: "group"; jid: string }
  | { kind: "broadcast"; jid: string }
  | { kind: "newsletter"; jid: string };

/** The identifier cannot be understood; the message says what was expected. */
export class RecipientError extends Error {
  override name = "RecipientError";
}

const EXPECTED =
  "expected a phone number with country code (digits, e.g. 491701234567; '+', spaces and dashes are ignored) " +
  "or a JID (…@s.whatsapp.net, …@lid, …@g.us)";

/** Phone number written by a person → digits, or null. Accepts `+`, `00`, spaces, dashes, dots, brackets. */
export function phoneDigits(input: string): string | null {
  let s = input.trim().replace(/[\s\-.()\u00a0]/g, "");
  if (s.startsWith("+")) s = s.slice(1);
  else if (s.startsWith("00")) s = s.slice(2);
  // E.164: country codes never start with 0; at most 15 digits. 6 allows short national plans.
  return /^[1-9]\d{5,14}$/.test(s) ? s : null;
}

/**
 * Parses a phone number or JID. `what` names the parameter in error messages.
 * @example parseJid("+49 170 123-4567", "recipient") // { kind: "phone", jid: "491701234567@s.whatsapp.net", ... }
 */
export function parseJid(input: string, what: string): ParsedJid {
  const raw = input.trim();
  if (raw.length === 0) throw new RecipientError(`${what} is empty: ${EXPECTED}`);
  const at = raw.lastIndexOf("@");
  if (at < 0) {
    const digits = phoneDigits(raw);
    if (!digits) throw new RecipientError(`${what} ${JSON.stringify(clip(raw))} is not understood: ${EXPECTED}`);
    return { kind: "phone", jid: `${digits}@s.whatsapp.net`, digits };
  }
  const server = raw.slice(at + 1).toLowerCase();
  // "user:device@server" and "user_agent:device@server" name one device of a user: keep the user.
  const user = raw.slice(0, at).split(":")[0].split("_")[0];
  switch (server) {
    case "s.whatsapp.net":
    case "c.us": {
      const digits = phoneDigits(user);
      if (!digits) throw new RecipientError(`${what} ${JSON.stringify(clip(raw))}: the part before @ must be a phone number`);
      return { kind: "phone", jid: `${digits}@s.whatsapp.net`, digits };
    }
    case "lid":
      if (!/^\d{1,20}$/.test(user)) throw new RecipientError(`${what} ${JSON.stringify(clip(raw))}: a LID is digits before @lid`);
      return { kind: "lid", jid: `${user}@lid` };
    case "g.us":
      if (!/^\d{1,20}(-\d{1,20})?$/.test(user)) {
        throw new RecipientError(`${what} ${JSON.stringify(clip(raw))}: a group JID looks like 120363012345678901@g.us`);
      }
      return { kind: "group", jid: `${user}@g.us` };
    case "broadcast":
      return { kind: "broadcast", jid: `${user}@broadcast` };
    case "newsletter":
      return { kind: "newsletter", jid: `${user}@newsletter` };
    default:
      throw new RecipientError(`${what} ${JSON.stringify(clip(raw))} has an unknown server "@${server}": ${EXPECTED}`);
  }
}

/** Normalises an allow-list: entries that parse become JIDs; the rest are reported, never matched. */
export function normalizeAllowList(entries: readonly string[]): { jids: Set<string>; invalid: string[] } {
  const jids = new Set<string>();
  const invalid: string[] = [];
  for (const e of entries) {
    try {
      jids.add(parseJid(e, "allowed recipient").jid);
    } catch {
      invalid.push(e);
    }
  }
  return { jids, invalid };
}

/** The user part of a phone JID as "+digits", or null for other JIDs. */
export function phoneOfJid(jid: string | null | undefined): string | null {
  if (!jid) return null;
  const m = /^(\d+)(?::\d+)?@s\.whatsapp\.net$/.exec(jid);
  return m ? `+${m[1]}` : null;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Parsing of the identifiers a model or a user passes for people and chats: phone numbers in any
 * common writing (the digit rule of `phone.ts`), phone-number JIDs (also `@c.us`, `@hosted` and
 * with a device suffix), LIDs and group JIDs. Everything becomes one normal JID (`jid.ts`) before
 * any policy or query looks at it. Pure.
 */
import { UserError } from "../user_error.ts";
import { GROUP_SERVER, LID_SERVER, normalizeJid, PN_SERVER } from "./jid.ts";
import { phoneDigits } from "./phone.ts";

/** A parsed identifier. `jid` is the normal JID. */
export type ParsedJid =
  | { kind: "phone"; jid: string; digits: string }
  | { kind: "lid"; jid: string }
  | { kind: "group"; jid: string }
  | { kind: "broadcast"; jid: string }
  | { kind: "newsletter"; jid: string };

/** The identifier cannot be understood; the message says what was expected. */
export class RecipientError extends UserError {
  override name = "RecipientError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_recipient", message, options);
  }
}

/** A LID's user part: digits only. */
const LID_USER = /^\d{1,20}$/;
/** A group's user part: an id, or the old creator-phone-dash-timestamp form. */
const GROUP_USER = /^\d{1,20}(-\d{1,20})?$/;

const EXPECTED =
  "expected a phone number with country code (7 to 15 digits, e.g. 491701234567; '+', spaces and dashes are ignored) " +
  "or a JID (…@s.whatsapp.net, …@lid, …@g.us)";

/**
 * Parses a phone number or JID. `what` names the parameter in error messages.
 * @example parseJid("+49 170 123-4567", "recipient") // { kind: "phone", jid: "491701234567@s.whatsapp.net", ... }
 */
export function parseJid(input: string, what: string): ParsedJid {
  const raw = input.trim();
  if (raw.length === 0) throw new RecipientError(`${what} is empty: ${EXPECTED}`);
  if (!raw.includes("@")) {
    const digits = phoneDigits(raw);
    if (!digits) throw new RecipientError(`${what} ${JSON.stringify(clip(raw))} is not understood: ${EXPECTED}`);
    return { kind: "phone", jid: `${digits}@${PN_SERVER}`, digits };
  }
  const jid = normalizeJid(raw);
  const at = jid.lastIndexOf("@");
  const user = jid.slice(0, at);
  const server = jid.slice(at + 1);
  switch (server) {
    case PN_SERVER: {
      const digits = phoneDigits(user);
      if (!digits) throw new RecipientError(`${what} ${JSON.stringify(clip(raw))}: the part before @ must be a phone number`);
      return { kind: "phone", jid: `${digits}@${PN_SERVER}`, digits };
    }
    case LID_SERVER:
      if (!LID_USER.test(user)) throw new RecipientError(`${what} ${JSON.stringify(clip(raw))}: a LID is digits before @lid`);
      return { kind: "lid", jid };
    case GROUP_SERVER:
      if (!GROUP_USER.test(user)) {
        throw new RecipientError(`${what} ${JSON.stringify(clip(raw))}: a group JID looks like 120363012345678901@g.us`);
      }
      return { kind: "group", jid };
    case "broadcast":
      return { kind: "broadcast", jid };
    case "newsletter":
      return { kind: "newsletter", jid };
    default:
      throw new RecipientError(`${what} ${JSON.stringify(clip(raw))} has an unknown server "@${server}": ${EXPECTED}`);
  }
}

/**
 * Candidate JIDs for what a user typed, for lookups: a JID in normal form; for a phone number
 * (the rule of `phone.ts`) its phone JID; for plain digits the LID with those digits. Empty for
 * anything else.
 */
export function personCandidates(input: string): string[] {
  const s = input.trim();
  if (s.includes("@")) return [normalizeJid(s)];
  const out: string[] = [];
  const digits = phoneDigits(s);
  if (digits) out.push(`${digits}@${PN_SERVER}`);
  const bare = s.replace(/[\s\-.()\u00a0]/g, "");
  if (LID_USER.test(bare)) out.push(`${bare}@${LID_SERVER}`);
  return out;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

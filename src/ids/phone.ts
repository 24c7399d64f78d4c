/**
 * Phone numbers: the one digit rule for what a person types, and the phone of a phone-number JID.
 *
 * The rule is E.164, the numbering plan WhatsApp accounts are keyed by (the user part of
 * `…@s.whatsapp.net` is the international number without `+`): a country code, which never starts
 * with 0, then the national number; 7 to 15 digits in all (15 is E.164's maximum; the shortest
 * numbers in use, e.g. +290 Saint Helena and +683 Niue with four-digit subscribers, have 7).
 * Written forms accepted: `+` or `00` before the country code, and spaces, dashes, dots and
 * brackets anywhere. A national number with a trunk 0 (`0151 …`) is refused: without a country
 * code it names no WhatsApp account. Pure.
 */
import { isPnJid, jidOf, PN_SERVER } from "./jid.ts";

/** The E.164 digit rule: country code (first digit 1–9), 7 to 15 digits in all. */
const E164 = /^[1-9]\d{6,14}$/;

/** Separators people write inside phone numbers (the no-break space included). */
const SEPARATORS = /[\s\-.()\u00a0]/g;

/**
 * The international digits of a phone number as a person writes it, or null when it breaks the rule.
 * @example phoneDigits("+49 (151) 123-45678") // "4915112345678"
 */
export function phoneDigits(input: string): string | null {
  let s = String(input ?? "").trim().replace(SEPARATORS, "");
  if (s.startsWith("+")) s = s.slice(1);
  else if (s.startsWith("00")) s = s.slice(2);
  return E164.test(s) ? s : null;
}

/** The phone-number JID for a number as a person writes it, or null. */
export function phoneJid(input: string): string | null {
  const digits = phoneDigits(input);
  return digits ? `${digits}@${PN_SERVER}` : null;
}

/** The digits of a phone-number JID (device suffix and aliases allowed), or null for other JIDs. */
export function phoneOf(jid: string | null | undefined): string | null {
  const n = jidOf(jid);
  return isPnJid(n) ? n.slice(0, n.indexOf("@")) : null;
}

/** The phone of a phone-number JID as `+digits`, or null for other JIDs. */
export function plusPhoneOf(jid: string | null | undefined): string | null {
  const digits = phoneOf(jid);
  return digits ? `+${digits}` : null;
}

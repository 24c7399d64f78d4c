/**
 * ISO-8601 instants from tool arguments, converted to epoch milliseconds so filters compare
 * instants, not strings with different offsets (the original's date-filter bug). Pure and
 * independent of the runtime's Date.parse quirks.
 */
import { UserError } from "../user_error.ts";

/** A date argument could not be read; the message names the parameter and the expected format. */
export class DateInputError extends UserError {
  override name = "DateInputError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid_date", message, options);
  }
}

/** The format sentence used in descriptions and errors. */
export const DATE_FORMAT_HINT =
  "ISO-8601, e.g. 2025-01-15T10:00:00+02:00, 2025-01-15T08:00:00Z or 2025-01-15 (without an offset, UTC is assumed)";

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** True if `s` is a date this module accepts (used by the input schemas). */
export function isIsoInstant(s: string): boolean {
  return parseIsoInstantOrNull(s) !== null;
}

/** Parses an ISO-8601 date or date-time; null if it is not one (or names an impossible date). */
export function parseIsoInstantOrNull(input: string): number | null {
  const m = ISO.exec(input.trim());
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", z, sign, oh = "0", om = "0"] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 24 || minute > 59 || second > 60) return null;
  if (hour === 24 && (minute !== 0 || second !== 0 || frac.replace(/0/g, "") !== "")) return null;
  const offH = Number(oh), offM = Number(om);
  if (offH > 23 || offM > 59) return null;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  // A leap second (:60) is read as the next second, as most systems do.
  const midnight = new Date(Date.UTC(2000, 0, 1));
  midnight.setUTCFullYear(year, month - 1, day); // Date.UTC alone maps years 0-99 to 1900-1999
  const utc = midnight.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
  const offset = z || !sign ? 0 : (sign === "-" ? -1 : 1) * (offH * 60 + offM) * 60_000;
  return utc - offset;
}

/** Parses `value` for parameter `name`, or throws a `DateInputError` saying what is expected. */
export function parseIsoInstant(value: string, name: string): number {
  const t = parseIsoInstantOrNull(value);
  if (t === null) {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    throw new DateInputError(`${name}: cannot read ${JSON.stringify(shown)} as a date: expected ${DATE_FORMAT_HINT}`);
  }
  return t;
}

/** An instant as ISO-8601 UTC ("2025-01-15T08:00:00.000Z"). */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

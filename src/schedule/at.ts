/**
 * The `at` of schedule_message: an ISO-8601 instant WITH an offset ("2026-12-24T18:00:00+01:00",
 * "...Z"), or a time from now ("in 2h", "in 1 day 3 hours", "in 90 minutes"). A local time without
 * an offset is refused rather than guessed: the server's zone need not be the user's. It must lie
 * in the future and at most `maxAheadMs` ahead. Pure (the caller passes `now`).
 */
import { parseIsoInstantOrNull } from "../mcp/dates.ts";
import { describeDuration, parseDuration } from "./duration.ts";

/** How far ahead a send may be scheduled (90 days: the link itself may not last much longer unattended). */
export const MAX_SCHEDULE_AHEAD_MS = 90 * 86_400_000;

/** The format sentence of the `at` parameter. */
export const AT_FORMAT_HINT = "an ISO-8601 date-time with its UTC offset, e.g. 2026-12-24T18:00:00+01:00 or " +
  "2026-12-24T17:00:00Z, or a time from now such as \"in 2h\", \"in 45 minutes\" or \"in 1 day 3 hours\"";

const OFFSET = /(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;
const RELATIVE = /^in\s+(.+)$/i;

/** The outcome: the instant, or a sentence saying what is wrong (for an isError result). */
export type AtResult = { ok: true; at: number; relative: boolean } | { ok: false; error: string };

/** Reads and checks `at` against `now`. */
export function parseAt(input: string, now: number, maxAheadMs = MAX_SCHEDULE_AHEAD_MS): AtResult {
  const s = input.trim();
  const shown = JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
  let at: number | null = null;
  let relative = false;
  const rel = RELATIVE.exec(s);
  if (rel) {
    const ms = parseDuration(rel[1]!, "m");
    if (ms === null) return { ok: false, error: `at: cannot read ${shown}: expected ${AT_FORMAT_HINT}` };
    at = now + ms;
    relative = true;
  } else {
    at = parseIsoInstantOrNull(s);
    if (at === null) return { ok: false, error: `at: cannot read ${shown}: expected ${AT_FORMAT_HINT}` };
    if (!OFFSET.test(s)) {
      return {
        ok: false,
        error: `at: ${shown} has no UTC offset, so the time is ambiguous; add the offset of the user's time zone ` +
          `(e.g. ${s.replace(/\s+$/, "")}${s.includes("T") || s.includes(" ") ? "" : "T09:00:00"}+01:00) or use Z for UTC`,
      };
    }
  }
  const nowIso = new Date(now).toISOString();
  if (at <= now) {
    return { ok: false, error: `at: ${new Date(at).toISOString()} is not in the future (the server's time is ${nowIso}); nothing was scheduled` };
  }
  if (at - now > maxAheadMs) {
    return {
      ok: false,
      error: `at: ${new Date(at).toISOString()} is ${describeDuration(at - now)} ahead; sends can be scheduled at most ` +
        `${describeDuration(maxAheadMs)} ahead`,
    };
  }
  return { ok: true, at, relative };
}

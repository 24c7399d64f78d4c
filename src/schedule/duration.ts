/**
 * Durations as people write them ("90s", "30m", "2h", "1 day 2 hours", "1h30m"), for the
 * relative `at` of schedule_message and for WHATSAPP_MCP_SCHEDULE_GRACE. Pure.
 */

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const UNIT = /^(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/i;
const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gi;

/** The unit letter of a unit word ("minutes" → "m"), or null. */
function unitOf(word: string): string | null {
  if (!UNIT.test(word)) return null;
  return word[0]!.toLowerCase();
}

/**
 * Milliseconds of a duration such as "2h", "90 minutes", "1 day, 2 hours" or "1h30m"; a bare
 * number is `bareUnit` (default minutes). Null when it is not a duration.
 */
export function parseDuration(input: string, bareUnit: "s" | "m" = "m"): number | null {
  const s = input.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * UNIT_MS[bareUnit]!);
  // Only number+unit pairs, separated by spaces, commas or "and".
  const rest = s.replace(PART, "").replace(/\band\b/g, "").replace(/[\s,]+/g, "");
  if (rest !== "" || s === "") return null;
  let total = 0;
  for (const m of s.matchAll(PART)) {
    const unit = unitOf(m[2]!);
    if (!unit) return null;
    total += Number(m[1]) * UNIT_MS[unit]!;
  }
  return Math.round(total);
}

/** "2 h 5 min", "45 s", "3 d": a duration for people, at most two units. */
export function describeDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

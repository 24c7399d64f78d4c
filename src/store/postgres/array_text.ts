/**
 * Columns as PostgreSQL array literals (`{"a","b",NULL}`), one text parameter per column, read
 * with `unnest(:c::text::type[], ...)`: a many-row insert the server parses with the types' own
 * input functions (no JSON around each row), sent in one message and pipelined with the rest of
 * a commit. Pure.
 */

/** A column value: strings as typed, numbers, booleans, bytes (bytea), or null. */
export type ArrayValue = string | number | boolean | Uint8Array | null | undefined;

const QUOTE_OR_BACKSLASH = /["\\]/;
const QUOTES_AND_BACKSLASHES = /["\\]/g;

/** One element: quoted (so spaces, commas and braces are plain text), `"` and `\` escaped; NULL unquoted. */
export function arrayElement(v: ArrayValue): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "string") return QUOTE_OR_BACKSLASH.test(v) ? `"${v.replace(QUOTES_AND_BACKSLASHES, "\\$&")}"` : `"${v}"`;
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "NULL";
  if (typeof v === "boolean") return v ? "t" : "f";
  return `"\\\\x${hex(v)}"`; // bytea hex input (`\x...`), its backslash escaped for the array
}

/** The array literal of one column's values. */
export function arrayLiteral(values: readonly ArrayValue[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) parts[i] = arrayElement(values[i]);
  return `{${parts.join(",")}}`;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex of `b`. */
export function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

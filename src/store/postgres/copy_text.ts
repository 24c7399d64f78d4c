/**
 * Rows in PostgreSQL's COPY text format (`COPY ... FROM STDIN`): the cheapest way into a table
 * for the server, which parses each column with the type's input function and no JSON or SQL
 * around it. Tab between columns, newline after each row, `\N` for NULL; backslash, tab,
 * newline and carriage return inside a value are escaped. Pure.
 */

/** A column value as COPY text takes it: strings as typed, numbers, booleans, bytes, or null. */
export type CopyValue = string | number | boolean | Uint8Array | null | undefined;

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One value in COPY text form. Bytes become bytea hex (`\\x...`, its backslash escaped). */
export function copyField(v: CopyValue): string {
  if (v === null || v === undefined) return "\\N";
  if (typeof v === "string") return SPECIAL.test(v) ? v.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : v;
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "\\N";
  if (typeof v === "boolean") return v ? "t" : "f";
  return `\\\\x${hex(v)}`;
}

/** One row (values in the COPY statement's column order), newline included. */
export function copyLine(values: readonly CopyValue[]): string {
  const fields = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) fields[i] = copyField(values[i]);
  // One join: a flat string (a chain of `+=` is a rope the driver flattens later, slowly).
  return fields.join("\t") + "\n";
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex of `b`. */
export function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

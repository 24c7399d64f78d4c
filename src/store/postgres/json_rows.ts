/**
 * Rows as one JSON text parameter (read with `json_to_recordset(:rows::text::json)`): one
 * parameter per statement whatever the row count, serialized by the runtime's native JSON.
 * Pure.
 */

// JSON.stringify writes a lone surrogate as a `\udXXX` escape (well-formed JSON.stringify), which
// PostgreSQL refuses; a parameter bound as text gets U+FFFD for it instead (UTF-8 encoding). An
// escape is one only after an odd number of backslashes.
const LONE_SURROGATE = /(\\+)(ud[89a-f][0-9a-f]{2})/g;

/** The JSON text of `rows`, with lone surrogates replaced by U+FFFD as a text parameter would have them. */
export function jsonRows(rows: readonly unknown[]): string {
  const json = JSON.stringify(rows);
  if (!json.includes("\\ud")) return json;
  return json.replace(LONE_SURROGATE, (all: string, slashes: string) => (slashes.length % 2 === 1 ? `${slashes.slice(1)}\\ufffd` : all));
}

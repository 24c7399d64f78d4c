/**
 * How `message_rows` stores a message id and a media direct path compactly (migration 0013),
 * as SQL expressions: pure strings, the one place that encodes and decodes them. Reads go
 * through the `messages` view, which decodes, so every read gives the text that was written.
 *
 * Message ids (and quoted ids): WhatsApp's are mostly uppercase hex of even length ("3EB0…",
 * 20-32 characters); those are stored as their bytes (a BLOB, half the size in the row and in
 * the (id, chat) key's index). Anything else (lowercase hex included, which would not come back
 * the same from hex()) stays TEXT exactly as given. The two forms never collide: a text id is
 * never hex of this shape, and SQLite never finds a TEXT value equal to a BLOB.
 * Every write and every lookup by id goes through `idKey` (the index is on the stored form; the
 * insert path binds `messageIdKey`'s bytes, the same value computed in JS);
 * `idText` gives the text back (hex() is uppercase).
 *
 * Media direct path: an import derives it from the media URL (the URL without its scheme and
 * host); when the stored path is exactly that suffix of the stored URL, the row keeps an empty
 * BLOB instead (a path is always TEXT, so the marker is unambiguous) and the view derives the
 * path again, to the same characters.
 */

/** The stored form of the message id `expr` (a parameter or a column holding id text). */
export function idKey(expr: string): string {
  return `(CASE WHEN typeof(${expr}) = 'text' AND length(${expr}) > 0 AND length(${expr}) % 2 = 0 AND ${expr} NOT GLOB '*[^0-9A-F]*'
    THEN unhex(${expr}) ELSE ${expr} END)`;
}

/**
 * `idKey` in JS, for the values the insert path binds (the same result as the SQL expression, which
 * a test checks; binding the bytes costs less than encoding in SQL: 5.7 vs 8.2 µs per insert into
 * the key alone, text 6.0).
 */
export function messageIdKey(id: string): string | Uint8Array {
  const n = id.length;
  if (n === 0 || n % 2 !== 0) return id;
  // One pass over the char codes: checks and decodes (a regex test, then a slice and a parseInt a byte, cost ~0.8 µs an id).
  const bytes = new Uint8Array(n / 2);
  for (let i = 0; i < n; i += 2) {
    const hi = HEX_VALUE[id.charCodeAt(i)] ?? -1;
    const lo = HEX_VALUE[id.charCodeAt(i + 1)] ?? -1;
    if (hi < 0 || lo < 0) return id;
    bytes[i >> 1] = (hi << 4) | lo;
  }
  return bytes;
}

/** By char code: the value of an uppercase hex digit, -1 for any other code below 128 (undefined above). */
const HEX_VALUE: readonly number[] = Array.from({ length: 128 }, (_, c) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x41 + 10 : -1);

/** The id text of a stored id `col` (as written). */
export function idText(col: string): string {
  return `(CASE WHEN typeof(${col}) = 'blob' THEN hex(${col}) ELSE ${col} END)`;
}

/** The path `url` implies: what follows its "https://host" (null when it has none). */
function pathOfUrl(url: string): string {
  return `(CASE WHEN substr(${url}, 1, 8) = 'https://' AND instr(substr(${url}, 9), '/') > 0
    THEN substr(${url}, 8 + instr(substr(${url}, 9), '/')) END)`;
}

/** The stored form of direct path `path` beside media URL `url`: an empty BLOB when the URL implies it. */
export function directPathKey(path: string, url: string): string {
  return `(CASE WHEN ${path} = ${pathOfUrl(url)} THEN X'' ELSE ${path} END)`;
}

/** The direct path text of a stored `col` beside the stored URL `url`. */
export function directPathText(col: string, url: string): string {
  return `(CASE WHEN typeof(${col}) = 'blob' THEN ${pathOfUrl(url)} ELSE ${col} END)`;
}

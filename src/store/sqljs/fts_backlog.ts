/**
 * A search over the full-text queue (`fts_pending`) without indexing it: the queued messages that
 * pass a search's filters are read and matched in JS (search/match.ts) against the same words the
 * index would hold for them (`indexQueued` computes them the same way). With what the index
 * finds, that is exactly what a search over a complete index finds: a message is either indexed
 * or queued, never both (the index's view leaves queued messages out). When most messages are
 * queued, the messages are walked rather than the queue (read_sql.ts `queuedSearchSql`'s `scan`):
 * an indexed one may then be matched too, and is a true match (indexed with its current words,
 * as it is matched here), which the repository takes once. A message with no words is in neither
 * (`indexQueued` leaves it out of the index) and matches nothing here. The repository takes this
 * path when the queue is too long to index before a search (a crash replay or a migration
 * re-queues every message), and runs the index query and this scan in one synchronous step, so
 * no background round moves messages between them.
 */
import type { BindParams, Database } from "sql.js";
import { byteScreen } from "../search/byte_screen.ts";
import { compileMatcher, requiredTokens, type TokenNeed, type WordsMatcher } from "../search/match.ts";
import type { QueryNode } from "../search/query.ts";
import { indexedTextOf, indexTokensOf } from "./fts_tokens.ts";
import { bytesAt, statementsOf } from "./statements.ts";

const NO_TOKENS: readonly string[] = [];

const FILE = "m.media_file_name";

/** At most this many alternative tokens in the SQL condition: few statement shapes to cache. */
const SQL_ALTERNATIVES = 4;

/**
 * Tokens one of which a match must hold (from `need`: a term's token, one part of an AND, the
 * alternatives of an OR), at most SQL_ALTERNATIVES; null when `need` gives no such short list.
 */
function alternatives(need: TokenNeed, max: number): string[] | null {
  if (need.t === "token") return [need.token];
  const lists = need.parts.map((p) => alternatives(p, max));
  if (need.t === "any") {
    if (lists.some((l) => l === null)) return null;
    const all = lists.flatMap((l) => l!);
    return all.length <= max ? all : null;
  }
  let best: string[] | null = null;
  for (const l of lists) if (l !== null && (best === null || l.length < best.length)) best = l;
  return best;
}

/**
 * A condition on the queued rows from `need`, its tokens bound as :qf0, :qf1... (LIKE patterns):
 * a message whose text and file name are ASCII only (as many bytes as characters) is kept only
 * when they hold one of the alternatives (LIKE ignores ASCII case: for such a text, the same as a
 * substring of its lowercased form); any other is kept for the matcher. Most queued messages hold
 * none of a search's words and are never read into JS (a NULL column holds no token).
 */
export function prefilterSql(need: TokenNeed, params: Record<string, string>, max = SQL_ALTERNATIVES): string | null {
  const alts = alternatives(need, max);
  if (alts === null) return null;
  alts.forEach((token, i) => {
    params[`:qf${i}`] = `%${token}%`; // [a-z0-9]: nothing LIKE reads as a wildcard
  });
  const kept = (column: string) => `length(${column}) <> octet_length(${column}) OR ${alts.map((_, i) => `${column} LIKE :qf${i}`).join(" OR ")}`;
  // The current text (the edit if any) as two branches rather than coalesce(...) in each test: a
  // column read is cheaper than the coalesce (1M rows: 222 -> 210 ms).
  return `((m.edited_text IS NULL AND (${kept("m.text")})) OR (m.edited_text IS NOT NULL AND (${kept("m.edited_text")}))
    OR (${FILE} IS NOT NULL AND (${kept(FILE)})))`;
}

/** sql.js's own decoding of a text column (a TextDecoder with the defaults). */
const utf8 = new TextDecoder();

/** A walked text column (read_sql.ts `QUEUED_TEXTS`: UTF-8 bytes, or null) as sql.js would have returned the text. */
export function queuedText(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : utf8.decode(bytes);
}

/** A walked text column's bytes (null: none). */
export function queuedBytes(v: unknown): Uint8Array | null {
  return v instanceof Uint8Array ? v : null;
}

/**
 * The pks of the messages that `sqlFor` selects (read_sql.ts `queuedSearchSql`: pk, current
 * text, file name, in its order; given the prefilter condition to add, or null) and whose words
 * match `node`, at most `want` (the first ones in that order).
 */
export function queuedMatches(
  db: Database,
  node: QueryNode,
  sqlFor: (prefilter: string | null) => string,
  params: BindParams,
  want: number,
): number[] {
  const indexTokens = indexTokensOf(db);
  const matches: WordsMatcher = compileMatcher(node, indexTokens);
  const tokensOf = indexedTextOf(db).tokens;
  const out: number[] = [];
  if (want <= 0) return out;
  const need = requiredTokens(node, indexTokens);
  const screen = need === null ? null : byteScreen(need);
  const extra: Record<string, string> = {};
  const sql = sqlFor(need === null ? null : prefilterSql(need, extra));
  statementsOf(db).steps(sql, { ...(params as Record<string, unknown>), ...extra } as BindParams, (st) => {
    // SQL kept every text with a non-ASCII character: most (an emoji, another script, accents) are
    // ruled out on their bytes alone (NULL read as empty: the same for the test).
    if (screen !== null && screen(bytesAt(st, 1), bytesAt(st, 2))) return true;
    const r = st.get();
    const current = queuedText(queuedBytes(r[1]));
    const fileName = queuedText(queuedBytes(r[2]));
    if (current === null && fileName === null) return true;
    // The words `searchTokens` gives (the file name unless it repeats the text), as the index holds them.
    const text = current ? tokensOf(current) : NO_TOKENS;
    const file = fileName && fileName !== current ? tokensOf(fileName) : NO_TOKENS;
    if ((text.length > 0 || file.length > 0) && matches({ text, file })) out.push(r[0] as number);
    return out.length < want;
  });
  return out;
}

/**
 * A search over the full-text queue (`fts_pending`) without indexing it: the queued messages that
 * pass a search's filters are read and matched in JS (search/match.ts) against the same words the
 * index would hold for them (`indexQueued` computes them the same way). With what the index
 * finds, that is exactly what a search over a complete index finds: a message is either indexed
 * or queued, never both (the index's view leaves queued messages out). The repository takes this
 * path when the queue is too long to index before a search (a crash replay or a migration
 * re-queues every message), and runs the index query and this scan in one synchronous step, so
 * no background round moves messages between them.
 */
import type { BindParams, Database } from "sql.js";
import { compileMatcher, type IndexTokens, needHeld, requiredTokens, type TokenNeed, type WordsMatcher } from "../search/match.ts";
import type { QueryNode } from "../search/query.ts";
import { plainTokensInLowercase, searchTokens } from "../search/text.ts";
import { indexTokensOf, PLAIN_TOKEN } from "./fts_tokens.ts";
import { statementsOf } from "./statements.ts";

// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\u0000-\u007f]*$/;

/** The words the index holds for a message (text or edit, file name), as `indexQueued` indexes them. */
function indexedWords(current: string | null, fileName: string | null, indexTokens: (token: string) => IndexTokens) {
  const t = searchTokens(null, current, fileName, false);
  return { text: refold(t.text, current, indexTokens), file: refold(t.file, fileName, indexTokens) };
}

/** Our tokens of `source` as the index's tokenizer holds them (an ASCII text's tokens are its own). */
function refold(tokens: readonly string[], source: string | null, indexTokens: (token: string) => IndexTokens): readonly string[] {
  if (source === null || ASCII_ONLY.test(source)) return tokens;
  let out: string[] | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (PLAIN_TOKEN.test(tok)) {
      out?.push(tok);
      continue;
    }
    out ??= tokens.slice(0, i);
    out.push(...indexTokens(tok).tokens);
  }
  return out ?? tokens;
}

const TEXT = "coalesce(m.edited_text, m.text)";
const FILE = "m.media_file_name";

/** At most this many alternative tokens in the SQL condition: few statement shapes to cache. */
const SQL_ALTERNATIVES = 4;

/**
 * Tokens one of which a match must hold (from `need`: a term's token, one part of an AND, the
 * alternatives of an OR), at most SQL_ALTERNATIVES; null when `need` gives no such short list.
 */
function alternatives(need: TokenNeed): string[] | null {
  if (need.t === "token") return [need.token];
  const lists = need.parts.map(alternatives);
  if (need.t === "any") {
    if (lists.some((l) => l === null)) return null;
    const all = lists.flatMap((l) => l!);
    return all.length <= SQL_ALTERNATIVES ? all : null;
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
function prefilterSql(need: TokenNeed, params: Record<string, string>): string | null {
  const alts = alternatives(need);
  if (alts === null) return null;
  const likes = alts.map((token, i) => {
    params[`:qf${i}`] = `%${token}%`; // [a-z0-9]: nothing LIKE reads as a wildcard
    return `${TEXT} LIKE :qf${i} OR ${FILE} LIKE :qf${i}`;
  });
  return `(length(${TEXT}) <> octet_length(${TEXT}) OR length(${FILE}) <> octet_length(${FILE}) OR ${likes.join(" OR ")})`;
}

/** Whether a message lacks `need` although none of its characters could hide a token from a substring test. */
function ruledOut(need: TokenNeed, text: string, file: string): boolean {
  if (!plainTokensInLowercase(text) || !plainTokensInLowercase(file)) return false;
  return !needHeld(need, file === "" ? text.toLowerCase() : `${text.toLowerCase()}\n${file.toLowerCase()}`);
}

/**
 * The pks of queued messages that `sqlFor` selects (read_sql.ts `queuedSearchSql`: pk, current
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
  const out: number[] = [];
  if (want <= 0) return out;
  const need = requiredTokens(node, indexTokens);
  const extra: Record<string, string> = {};
  const sql = sqlFor(need === null ? null : prefilterSql(need, extra));
  statementsOf(db).each(sql, { ...(params as Record<string, unknown>), ...extra } as BindParams, (r) => {
    const current = r[1] as string | null;
    const fileName = r[2] as string | null;
    if (current === null && fileName === null) return true;
    // SQL kept every text with a non-ASCII character: most (an emoji, another script) can be ruled out here too.
    if (need !== null && ruledOut(need, current ?? "", fileName ?? "")) return true;
    if (matches(indexedWords(current, fileName, indexTokens))) out.push(r[0] as number);
    return out.length < want;
  });
  return out;
}

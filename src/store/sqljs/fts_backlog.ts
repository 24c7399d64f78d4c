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
import { compileMatcher, type IndexTokens, type WordsMatcher } from "../search/match.ts";
import type { QueryNode } from "../search/query.ts";
import { searchTokens } from "../search/text.ts";
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

/**
 * The pks of queued messages that `sql` selects (read_sql.ts `queuedSearchSql`: pk, current text,
 * file name, in its order) and whose words match `node`, at most `want` (the first ones in that order).
 */
export function queuedMatches(db: Database, node: QueryNode, sql: string, params: BindParams, want: number): number[] {
  const indexTokens = indexTokensOf(db);
  const matches: WordsMatcher = compileMatcher(node, indexTokens);
  const out: number[] = [];
  if (want <= 0) return out;
  statementsOf(db).each(sql, params, (r) => {
    const current = r[1] as string | null;
    const fileName = r[2] as string | null;
    if ((current !== null || fileName !== null) && matches(indexedWords(current, fileName, indexTokens))) out.push(r[0] as number);
    return out.length < want;
  });
  return out;
}

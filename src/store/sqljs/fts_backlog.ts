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
import { compileMatcher, type IndexedWords, type WordsMatcher } from "../search/match.ts";
import type { QueryNode } from "../search/query.ts";
import { tokenize } from "../search/text.ts";
import { indexTokensOf } from "./fts_tokens.ts";
import { statementsOf } from "./statements.ts";

// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\u0000-\u007f]*$/;

const ASCII_SPACE = /[ \t\n\r\f\v]+/;
const WORD_MEMO_MAX = 50_000;
const wordsCaches = new WeakMap<Database, (current: string | null, fileName: string | null) => IndexedWords>();

/**
 * The words the index holds for a message (text or edit, file name), as `indexQueued` indexes
 * them (`searchTokens`), each as the index's tokenizer holds it. A non-ASCII text goes word by
 * word (tokens never span ASCII whitespace: text.ts `tokenize`), each word's tokens remembered
 * per connection (messages repeat words, and a backlog is searched more than once).
 */
function wordsOf(db: Database): (current: string | null, fileName: string | null) => IndexedWords {
  let fn = wordsCaches.get(db);
  if (fn) return fn;
  const indexTokens = indexTokensOf(db);
  const memo = new Map<string, readonly string[]>();
  const wordTokens = (word: string): readonly string[] => {
    let toks = memo.get(word);
    if (toks === undefined) {
      if (memo.size >= WORD_MEMO_MAX) memo.clear();
      toks = tokenize(word).flatMap((tok) => indexTokens(tok).tokens);
      memo.set(word, toks);
    }
    return toks;
  };
  const tokens = (text: string): readonly string[] => {
    if (ASCII_ONLY.test(text)) return tokenize(text);
    const out: string[] = [];
    for (const word of text.split(ASCII_SPACE)) if (word !== "") for (const tok of wordTokens(word)) out.push(tok);
    return out;
  };
  fn = (current, fileName) => ({
    text: current ? tokens(current) : [],
    file: fileName && fileName !== current ? tokens(fileName) : [],
  });
  wordsCaches.set(db, fn);
  return fn;
}

/**
 * The pks of queued messages that `sql` selects (read_sql.ts `queuedSearchSql`: pk, current text,
 * file name, in its order) and whose words match `node`, at most `want` (the first ones in that order).
 */
export function queuedMatches(db: Database, node: QueryNode, sql: string, params: BindParams, want: number): number[] {
  const indexTokens = indexTokensOf(db);
  const matches: WordsMatcher = compileMatcher(node, indexTokens);
  const indexedWords = wordsOf(db);
  const out: number[] = [];
  if (want <= 0) return out;
  statementsOf(db).each(sql, params, (r) => {
    const current = r[1] as string | null;
    const fileName = r[2] as string | null;
    if ((current !== null || fileName !== null) && matches(indexedWords(current, fileName))) out.push(r[0] as number);
    return out.length < want;
  });
  return out;
}

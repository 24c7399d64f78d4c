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
import { statementsOf } from "./statements.ts";

const PLAIN_TOKEN = /^[a-z0-9]+$/;
// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\u0000-\u007f]*$/;
const INDEX_TOKENS_CACHE_MAX = 50_000;
const caches = new WeakMap<Database, (token: string) => IndexTokens>();
const utf8 = new TextEncoder();

/**
 * How the index's tokenizer (unicode61, `messages_fts_tokens`) splits one of our tokens: an ASCII
 * token is itself; another is asked once (remembered per connection).
 */
export function indexTokensOf(db: Database): (token: string) => IndexTokens {
  let fn = caches.get(db);
  if (fn) return fn;
  const known = new Map<string, IndexTokens>();
  fn = (token: string): IndexTokens => {
    if (PLAIN_TOKEN.test(token)) return { tokens: [token], endsAtEnd: true };
    let split = known.get(token);
    if (split === undefined) {
      if (known.size >= INDEX_TOKENS_CACHE_MAX) known.clear();
      const tokens: string[] = [];
      let end = 0;
      statementsOf(db).each("SELECT token, \"end\" FROM messages_fts_tokens WHERE input = ? ORDER BY position", [token], (r) => {
        tokens.push(String(r[0]));
        end = Number(r[1]);
      });
      split = { tokens, endsAtEnd: end === utf8.encode(token).length };
      known.set(token, split);
    }
    return split;
  };
  caches.set(db, fn);
  return fn;
}

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

/**
 * The full-text index's own tokenizer (unicode61, `messages_fts_tokens`) applied to our tokens
 * (search/text.ts `tokenize`): it re-splits a few of them (a mark it deems a separator, e.g.
 * U+0483) and folds a few differently (a final sigma), for indexed text and queries alike. What
 * counts a row's length for the relevance order (fts_length.ts) and what matches queued messages
 * (fts_backlog.ts) both see our tokens as it does.
 */
import type { Database } from "sql.js";
import type { IndexTokens } from "../search/match.ts";
import { PLAIN_TOKEN } from "../search/text.ts";
import { statementsOf } from "./statements.ts";

const INDEX_TOKENS_CACHE_MAX = 50_000;
const caches = new WeakMap<Database, (token: string) => IndexTokens>();
const utf8 = new TextEncoder();

/**
 * How the index's tokenizer splits one of our tokens: a plain ASCII token is itself; another is
 * asked once (remembered per connection, up to 50,000 tokens).
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
      statementsOf(db).each('SELECT token, "end" FROM messages_fts_tokens WHERE input = ? ORDER BY position', [token], (r) => {
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

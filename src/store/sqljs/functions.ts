/**
 * SQL functions the SQLite schema relies on (the full-text view and triggers call them), so
 * they must be registered on every connection before the first statement touches messages.
 */
import type { Database } from "sql.js";
import { bm25FromMatchinfo } from "../search/bm25.ts";
import { scopeTokens, searchBody } from "../search/text.ts";

const registered = new WeakSet<Database>();

type SqlValue = string | number | null | Uint8Array;

/**
 * Registers `wa_search_body(text, edited_text, file_name, revoked)`, `wa_search_scope(chat_jid,
 * sender_id, text, edited_text, file_name, revoked)` and `wa_bm25(matchinfo)` on `db` (once per
 * connection).
 */
export function registerSqlFunctions(db: Database): void {
  if (registered.has(db)) return;
  // Triggers call wa_search_body twice per row (WHEN clause, then the value): remember the last call.
  let lastArgs: SqlValue[] = [];
  let lastBody = "";
  const body = (text: SqlValue, edited: SqlValue, fileName: SqlValue, revoked: SqlValue): string => {
    if (lastArgs[0] === text && lastArgs[1] === edited && lastArgs[2] === fileName && lastArgs[3] === revoked) return lastBody;
    lastArgs = [text, edited, fileName, revoked];
    lastBody = searchBody(str(text), str(edited), str(fileName), revoked === 1);
    return lastBody;
  };
  db.create_function("wa_search_body", body);
  // Empty for a message with no searchable text: such messages have no index row at all.
  db.create_function(
    "wa_search_scope",
    (chat: SqlValue, sender: SqlValue, text: SqlValue, edited: SqlValue, fileName: SqlValue, revoked: SqlValue) =>
      body(text, edited, fileName, revoked) === "" ? "" : scopeTokens(String(chat ?? ""), str(sender)),
  );
  db.create_function("wa_bm25", (blob: SqlValue) => (blob instanceof Uint8Array ? bm25FromMatchinfo(blob) : 0));
  registered.add(db);
}

function str(v: SqlValue): string | null {
  return v === null || v === undefined ? null : typeof v === "string" ? v : String(v);
}

/**
 * The reactions of message rows, filled in JS instead of probed per row in SQL. Most messages
 * have none, yet the probe into `reactions` (text keys) cost ~3 µs a row in sql.js, a quarter of
 * a 20-row page's read. Per chat, the ids of its messages that have reactions are read once (one
 * range of the table's key) and kept; only those messages' reactions are read (and kept), with
 * the expression the list used, so the text is the same. A chat with few rows on the page (a chat
 * list's last messages: one row per chat) is probed per row instead: reading a busy chat's every
 * reacted id for one row cost more than it saved (1M store, first list_chats: 62 ms for 20 chats).
 * Those rows are probed together, one statement for which of them have reactions at all (most have
 * none): a probe per row cost ~6 µs in sql.js, ~45 of them for list_messages' 20 hits with their
 * neighbours (1M store: 267 → 153 µs for the 45).
 *
 * Exact: the memo is dropped whenever anything was written on the connection (changes_memo.ts).
 */
import type { Database } from "sql.js";
import type { Row } from "../rows.ts";
import { createChangesMemo } from "./changes_memo.ts";
import type { Statements } from "./statements.ts";

/** The message ids of a chat that have reactions. */
export const REACTED_IDS = "SELECT DISTINCT message_id FROM reactions WHERE chat_jid = :chat";

/** A message's reactions as the list gave them: a JSON array of [reactor, emoji], oldest first. */
export const MESSAGE_REACTIONS = `SELECT json_group_array(json_array(r.reactor_id, r.emoji) ORDER BY r.ts, r.reactor_id) FROM reactions r
WHERE r.chat_jid = :chat AND r.message_id = :id`;

/** The indexes of the [chat, id] pairs in :refs (a JSON array) whose message has reactions. */
export const REACTED_OF = `SELECT k.key AS i FROM json_each(:refs) k
WHERE EXISTS (SELECT 1 FROM reactions r WHERE r.chat_jid = k.value ->> 0 AND r.message_id = k.value ->> 1)`;

/** Fewest rows of one chat on a page for which its reacted ids are read and kept (fewer: probed per row). */
const ROWS_FOR_CHAT_MEMO = 4;

/** Most chats kept (a bound on memory: beyond it the memo starts again). */
const MAX_CHATS = 20_000;

/** Fills the reactions column of message rows. */
export interface RowReactions {
  /**
   * Sets `<prefix>reactions` on each row from its `chat_jid` and `id` (rows without `<prefix>id` are left as they are).
   * `stamp`: the connection's changes stamp, taken since the last write (see `ChangesMemo.current`).
   */
  fill(rows: Row[], prefix?: string, stamp?: string | null): void;
}

/** The memo over one connection (statements from `s`). */
export function createRowReactions(db: () => Database, s: () => Statements): RowReactions {
  // Per chat: its reacted message ids, each with its reactions' text once read.
  const memo = createChangesMemo<string, Map<string, string | null>>(db, s, MAX_CHATS);
  return {
    fill(rows, prefix = "", stamp) {
      if (rows.length === 0) return;
      const reacted = memo.current(stamp);
      const perChat = new Map<string, number>();
      for (const r of rows) {
        const chat = r[prefix + "chat_jid"];
        if (typeof chat === "string" && !reacted.has(chat)) perChat.set(chat, (perChat.get(chat) ?? 0) + 1);
      }
      // Rows of chats without a memo: which of them have reactions, in one statement.
      const probed: Row[] = [];
      for (const r of rows) {
        const chat = r[prefix + "chat_jid"];
        const id = r[prefix + "id"];
        if (typeof chat === "string" && typeof id === "string" && !reacted.has(chat) && (perChat.get(chat) ?? 0) < ROWS_FOR_CHAT_MEMO) {
          probed.push(r);
        }
      }
      const probedReacted = new Set<Row>();
      if (probed.length > 0) {
        const refs = JSON.stringify(probed.map((r) => [r[prefix + "chat_jid"], r[prefix + "id"]]));
        s().each(REACTED_OF, { ":refs": refs }, (v) => void probedReacted.add(probed[Number(v[0])]!));
      }
      for (const r of rows) {
        const id = r[prefix + "id"];
        if (id === null || id === undefined) continue;
        const chat = r[prefix + "chat_jid"];
        let out = "[]";
        if (typeof chat === "string" && typeof id === "string") {
          let ids = reacted.get(chat);
          if (!ids && (perChat.get(chat) ?? 0) < ROWS_FOR_CHAT_MEMO) {
            r[prefix + "reactions"] = probedReacted.has(r) ? String(s().value(MESSAGE_REACTIONS, { ":chat": chat, ":id": id })) : out;
            continue;
          }
          if (!ids) {
            const found = new Map<string, string | null>();
            s().each(REACTED_IDS, { ":chat": chat }, (v) => {
              if (typeof v[0] === "string") found.set(v[0], null);
            });
            reacted.set(chat, ids = found);
          }
          const known = ids.get(id);
          if (known !== undefined) {
            out = known ?? String(s().value(MESSAGE_REACTIONS, { ":chat": chat, ":id": id }));
            ids.set(id, out);
          }
        }
        r[prefix + "reactions"] = out;
      }
    },
  };
}

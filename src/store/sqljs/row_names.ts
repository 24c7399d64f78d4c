/**
 * The display names of message rows, filled in JS from a memo instead of joined per row in SQL.
 * A message list used to join, for every row, the sender's person, the chat and the chat's person
 * (and look up the revoker's person): ~10 µs a row in sql.js, most of a 20-hit page's read. The
 * names depend on the JID only, and a page names few distinct JIDs, so they are read once per
 * JID (one statement for all of a page's unknown JIDs) and kept.
 *
 * Exact: the memo is dropped whenever anything was written on the connection since it was
 * filled (changes_memo.ts), so a rename, a LID merge or a new chat is read again. The names are
 * the view's expressions: sender name and phone from `people` by sender JID, chat
 * name `coalesce(chats.name, the chat person's names)`, revoker's name from `people`.
 */
import type { Database } from "sql.js";
import type { Row } from "../rows.ts";
import { createChangesMemo } from "./changes_memo.ts";
import type { Statements } from "./statements.ts";

/** What a message row shows of a JID: its person's name and phone JID, its chat's name. */
interface JidNames {
  personName: string | null;
  pn: string | null;
  chatName: string | null;
}

/** The names of the JIDs in :jids (a JSON array of text), as the message view joins them. */
export const JID_NAMES = `SELECT k.value AS jid, coalesce(p.saved_name, p.push_name, p.business_name) AS person_name,
  p.pn_jid AS pn, coalesce(c.name, p.saved_name, p.push_name, p.business_name) AS chat_name
FROM json_each(:jids) k LEFT JOIN people p ON p.id = k.value LEFT JOIN chats c ON c.jid = k.value`;

/** Most JIDs kept (a bound on memory: beyond it the memo starts again). */
const MAX_NAMES = 50_000;

/** Fills the name columns of message rows. */
export interface RowNames {
  /**
   * Sets `<prefix>sender_name`, `sender_pn`, `chat_name` and `revoked_by_name` on each row from
   * its `chat_jid`, `sender_id` and `revoked_by` (rows without `<prefix>id` are left as they are).
   * `stamp`: the connection's changes stamp, taken since the last write (see `ChangesMemo.current`).
   */
  fill(rows: Row[], prefix?: string, stamp?: string | null): void;
}

/** The memo over one connection (statements from `s`). */
export function createRowNames(db: () => Database, s: () => Statements): RowNames {
  const memo = createChangesMemo<string, JidNames>(db, s, MAX_NAMES);
  const text = (v: unknown): string | null => (typeof v === "string" ? v : null);
  return {
    fill(rows, prefix = "", stamp) {
      if (rows.length === 0) return;
      const names = memo.current(stamp);
      const missing = new Set<string>();
      const want = (v: unknown) => {
        const jid = text(v);
        if (jid !== null && !names.has(jid)) missing.add(jid);
      };
      for (const r of rows) {
        if (r[prefix + "id"] === null || r[prefix + "id"] === undefined) continue;
        want(r[prefix + "chat_jid"]);
        want(r[prefix + "sender_id"]);
        want(r[prefix + "revoked_by"]);
      }
      if (missing.size > 0) {
        for (const n of s().all(JID_NAMES, { ":jids": JSON.stringify([...missing]) })) {
          names.set(String(n.jid), { personName: text(n.person_name), pn: text(n.pn), chatName: text(n.chat_name) });
        }
      }
      const of = (v: unknown): JidNames | undefined => {
        const jid = text(v);
        return jid === null ? undefined : names.get(jid);
      };
      for (const r of rows) {
        if (r[prefix + "id"] === null || r[prefix + "id"] === undefined) continue;
        const sender = of(r[prefix + "sender_id"]);
        r[prefix + "sender_name"] = sender?.personName ?? null;
        r[prefix + "sender_pn"] = sender?.pn ?? null;
        r[prefix + "chat_name"] = of(r[prefix + "chat_jid"])?.chatName ?? null;
        r[prefix + "revoked_by_name"] = of(r[prefix + "revoked_by"])?.personName ?? null;
      }
    },
  };
}

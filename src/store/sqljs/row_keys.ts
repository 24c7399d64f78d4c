/**
 * Where the messages a read returned are stored (chat key and pk, by chat JID and id), kept so
 * that list_messages' next step, the neighbours of its hits, starts at the hits instead of finding
 * each again by its id (a JSON pair taken apart, a JID and an id looked up: ~8 µs a hit in sql.js).
 * Exact: emptied whenever anything was written on the connection (changes_memo.ts), so a kept
 * place is the row's place now.
 */
import type { Database } from "sql.js";
import type { Row } from "../rows.ts";
import { createChangesMemo } from "./changes_memo.ts";
import type { Statements } from "./statements.ts";

/** Most messages kept (a bound on memory: beyond it the memo starts again). */
const MAX_ROWS = 20_000;

/** The places of message rows read lately. */
export interface RowKeys {
  /**
   * Notes the place of each row that has `chat_key`, `pk`, `chat_jid` and `id`. `stamp`: the
   * connection's changes stamp, taken since the last write (see `ChangesMemo.current`).
   */
  note(rows: Row[], stamp?: string | null): void;
  /** The [chat key, pk] of each message, or null unless every one is known. */
  placesOf(refs: ReadonlyArray<{ chatJid: string; id: string }>): Array<[number, number]> | null;
}

/** The memo over one connection (statements from `s`). */
export function createRowKeys(db: () => Database, s: () => Statements): RowKeys {
  const memo = createChangesMemo<string, [number, number]>(db, s, MAX_ROWS);
  const key = (chat: string, id: string) => `${chat}\u0000${id}`;
  return {
    note(rows, stamp) {
      if (rows.length === 0) return;
      const places = memo.current(stamp);
      for (const r of rows) {
        const { chat_key: chat, pk, chat_jid: jid, id } = r;
        if (typeof chat === "number" && typeof pk === "number" && typeof jid === "string" && typeof id === "string") {
          places.set(key(jid, id), [chat, pk]);
        }
      }
    },
    placesOf(refs) {
      const places = memo.current();
      const out: Array<[number, number]> = [];
      for (const r of refs) {
        const at = places.get(key(r.chatJid, r.id));
        if (!at) return null;
        out.push(at);
      }
      return out;
    },
  };
}

/** Write ops shared by the sql.js store tests. */
import type { MessageRow, WriteOp } from "../../src/store/types.ts";

/** An upsert of a plain text message (sent by the chat itself unless `extra` says otherwise). */
export function msg(chatJid: string, id: string, ts: number, text: string | null, extra: Partial<MessageRow> = {}): WriteOp {
  return {
    op: "upsertMessage",
    message: {
      chatJid, id, senderId: chatJid, fromMe: false, ts, type: "text", text, quotedId: null, editedText: null, editedAt: null,
      revoked: false, viewOnce: false, status: null, media: null, raw: null, ...extra,
    },
  };
}

/**
 * How many rows the full-text index holds: the first varint of its `_stat` row (the index keeps
 * no per-row document sizes to count since migration 0014).
 */
export function indexedRows(db: { exec(sql: string): Array<{ values: unknown[][] }> }): number {
  const blob = db.exec("SELECT value FROM messages_fts_stat WHERE id = 0")[0]?.values[0]?.[0];
  if (!(blob instanceof Uint8Array)) return 0;
  let n = 0;
  for (let i = 0, shift = 1; i < blob.length; i++, shift *= 128) {
    n += (blob[i]! & 0x7f) * shift;
    if (blob[i]! < 0x80) break;
  }
  return n;
}

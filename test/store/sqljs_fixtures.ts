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

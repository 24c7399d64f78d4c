/**
 * Which commits concern live readers. Pure: looks only at the write ops.
 */
import type { WriteOp } from "../store/types.ts";

const CHAT_OPS: ReadonlySet<WriteOp["op"]> = new Set([
  "upsertChat",
  "deleteChat",
  "clearChat",
  "addUnread",
  "markChatRead",
  "markChatUnread",
  "linkLid",
]);

/** True when some op was delivered live (so the live feed may have grown). */
export function hasLiveOps(ops: readonly WriteOp[]): boolean {
  return ops.some((op) => "live" in op && op.live === true);
}

/** True when some op changes chat-level state. */
export function changesChats(ops: readonly WriteOp[]): boolean {
  return ops.some((op) => CHAT_OPS.has(op.op));
}

/** The chats whose messages a batch changes (as the ops name them), each once. */
export function touchedChats(ops: readonly WriteOp[]): string[] {
  const out = new Set<string>();
  for (const op of ops) {
    switch (op.op) {
      case "upsertMessage":
        out.add(op.message.chatJid);
        break;
      case "editMessage":
      case "revokeMessage":
      case "deleteMessage":
      case "setMessageStatus":
        out.add(op.chatJid);
        break;
      case "upsertReaction":
        out.add(op.reaction.chatJid);
        break;
      case "clearChat":
      case "deleteChat":
        out.add(op.jid);
        break;
    }
  }
  return [...out];
}

/**
 * Chats (`chats.upsert`, `chats.update`, `chats.delete`, history conversations) to writes.
 * A LID-addressed 1:1 chat is stored under the person's phone-number JID when known.
 */
import type { Chat, ChatUpdate } from "@whiskeysockets/baileys";
import type { proto } from "@whiskeysockets/baileys";
import type { ChatRow, WriteOp } from "../../store/types.ts";
import { canonicalChat, canonicalPerson, lidPnPair, type MapContext } from "../../ids/canonical.ts";
import { chatKindOf } from "../../ids/jid.ts";
import { MappingError, seconds } from "./messages.ts";

/**
 * A full chat (upsert or history). Counters here are absolute. Group conversations from a
 * history sync carry their participant list, written as a replacement.
 */
export function mapChat(chat: Chat, ctx: MapContext): WriteOp[] {
  const { jid, ops } = identify(chat, ctx);
  const row: Partial<ChatRow> & { jid: string } = {
    jid,
    kind: chatKindOf(jid),
    ...common(chat),
  };
  if (typeof chat.unreadCount === "number" && chat.unreadCount >= 0) row.unreadCount = chat.unreadCount;
  ops.push({ op: "upsertChat", chat: row });
  const participants = (chat.participant ?? []) as proto.IGroupParticipant[];
  if (row.kind === "group" && participants.length) {
    ops.push({
      op: "setParticipants",
      groupJid: jid,
      mode: "replace",
      participants: participants
        .map((p) => ({ personId: canonicalPerson(p.userJid, null, ctx), admin: rankToAdmin(p.rank) }))
        .filter((p): p is { personId: string; admin: "admin" | "superadmin" | null } => !!p.personId),
    });
  }
  return ops;
}

/**
 * A partial chat update. WhatsApp's unread counter arrives as: a positive delta (new incoming
 * messages, summed by Baileys' event buffer), 0 (read, from app state or another device), -1
 * (marked as unread) or null (no change). Unpin/unmute arrive as null and are written as
 * false/0 (a null would leave the old value in place).
 */
export function mapChatUpdate(update: ChatUpdate, ctx: MapContext): WriteOp[] {
  if (!update.id) throw new MappingError("chat update without id");
  const { jid, ops } = identify(update as Chat, ctx);
  const row: Partial<ChatRow> & { jid: string } = { jid, kind: chatKindOf(jid), ...common(update) };
  if ("pinned" in update && update.pinned == null) row.pinned = false;
  if ("muteEndTime" in update && update.muteEndTime == null) row.mutedUntil = 0;
  ops.push({ op: "upsertChat", chat: row });
  const unread = update.unreadCount;
  if (unread === 0) ops.push({ op: "markChatRead", jid, upTo: null });
  else if (unread === -1) ops.push({ op: "markChatUnread", jid });
  else if (typeof unread === "number" && unread > 0) ops.push({ op: "addUnread", jid, count: unread });
  return ops;
}

/** `chats.delete`. */
export function mapChatDelete(id: string, ctx: MapContext): WriteOp[] {
  const jid = canonicalChat(id, null, ctx);
  if (!jid) throw new MappingError("chat delete of an unsupported chat");
  return [{ op: "deleteChat", jid }];
}

function identify(chat: Chat, ctx: MapContext): { jid: string; ops: WriteOp[] } {
  if (!chat.id) throw new MappingError("chat without id");
  const ops: WriteOp[] = [];
  const pair = lidPnPair(chat.id, chat.pnJid) ?? lidPnPair(chat.id, chat.lidJid);
  if (pair) ops.push({ op: "linkLid", lid: pair.lid, pnJid: pair.pnJid });
  const jid = canonicalChat(chat.id, pair?.pnJid ?? null, ctx);
  if (!jid) throw new MappingError("chat of an unsupported kind");
  return { jid, ops };
}

function common(chat: Partial<Chat>): Partial<ChatRow> {
  const row: Partial<ChatRow> = {};
  const name = chat.name || chat.displayName;
  if (name) row.name = name;
  const ts = seconds(chat.conversationTimestamp) || seconds(chat.lastMessageRecvTimestamp);
  if (ts > 0) row.lastMessageAt = ts * 1000;
  if (typeof chat.archived === "boolean") row.archived = chat.archived;
  if (typeof chat.pinned === "number") row.pinned = chat.pinned > 0;
  const mute = chat.muteEndTime != null ? seconds(chat.muteEndTime) : null;
  if (mute !== null) row.mutedUntil = instantMs(mute);
  if (chat.description) row.description = chat.description;
  return row;
}

/** WhatsApp mixes seconds (history) and milliseconds (app state) for mute ends; values below 1e12 are seconds. */
function instantMs(v: number): number {
  return v > 0 && v < 1e12 ? v * 1000 : v;
}

function rankToAdmin(rank: number | null | undefined): "admin" | "superadmin" | null {
  // proto.GroupParticipant.Rank: REGULAR = 0, ADMIN = 1, SUPERADMIN = 2
  return rank === 2 ? "superadmin" : rank === 1 ? "admin" : null;
}

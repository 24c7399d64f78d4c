/**
 * Store rows → tool output objects (the shapes in schemas.ts). Every string another WhatsApp user
 * wrote goes through the one normalisation (untrusted_text.ts): texts cleaned, names flattened,
 * so structuredContent and the text blocks rendered from it carry the same safe values. Pure.
 */
import type { ChatSummary, MessageView, PersonRow } from "../store/types.ts";
import { isoUtc } from "./dates.ts";
import { plusPhoneOf } from "../ids/phone.ts";
import type { ChatOut, ContactOut, MessageOut } from "./schemas.ts";
import { mediaResourceUri } from "./media_uri.ts";
import { cleanName, cleanNameOrNull, cleanTextOrNull } from "./untrusted_text.ts";

const MEDIA_TYPES = new Set(["image", "video", "audio", "voice", "document", "sticker"]);

/** A message as tools return it. */
export function messageToOut(m: MessageView): MessageOut {
  const edited = m.editedText !== null && m.editedText !== undefined;
  return {
    id: m.id,
    chat_jid: m.chatJid,
    chat_name: cleanNameOrNull(m.chatName),
    sender: m.senderId ?? null,
    sender_name: cleanNameOrNull(m.senderName),
    sender_phone: m.senderPhone ? normalizePhone(m.senderPhone) : plusPhoneOf(m.senderId),
    is_from_me: m.fromMe,
    timestamp: isoUtc(m.ts),
    type: m.type,
    media_type: m.media || MEDIA_TYPES.has(m.type) ? m.type : null,
    content: cleanTextOrNull(edited ? m.editedText : m.text),
    original_content: edited ? cleanTextOrNull(m.text) : null,
    edited_at: m.editedAt !== null && m.editedAt !== undefined ? isoUtc(m.editedAt) : null,
    deleted: m.revoked,
    ...(m.revoked && m.revokedBy ? { deleted_by_admin: cleanNameOrNull(m.revokedByName) ?? plusPhoneOf(m.revokedBy) ?? m.revokedBy } : {}),
    quoted_id: m.quotedId ?? null,
    media: m.media
      ? {
        mimetype: m.media.mimetype ?? null,
        file_name: cleanNameOrNull(m.media.fileName),
        file_length: m.media.fileLength ?? null,
        duration_seconds: m.media.durationSec ?? null,
        resource_uri: mediaResourceUri(m.chatJid, m.id),
      }
      : null,
    reactions: (m.reactions ?? []).map((r) => ({ reactor: r.reactorId, emoji: cleanName(r.emoji) })),
    rank: m.rank ?? null,
  };
}

/** A chat as tools return it; `last_message` only when the caller asked for it. */
export function chatToOut(c: ChatSummary, includeLastMessage: boolean): ChatOut {
  const out: ChatOut = {
    jid: c.jid,
    name: cleanNameOrNull(c.name),
    kind: c.kind,
    last_message_time: c.lastMessageAt !== null && c.lastMessageAt !== undefined ? isoUtc(c.lastMessageAt) : null,
    unread_count: c.unreadCount ?? null,
    archived: c.archived ?? null,
    pinned: c.pinned ?? null,
    // WhatsApp writes -1 for "muted for ever".
    muted_until: c.mutedUntil === -1 ? "forever" : c.mutedUntil !== null && c.mutedUntil !== undefined && c.mutedUntil > 0 ? isoUtc(c.mutedUntil) : null,
    description: cleanTextOrNull(c.description),
  };
  if (c.markedUnread) out.marked_unread = true;
  if (c.readAt) out.last_read_time = isoUtc(c.readAt);
  if (includeLastMessage) out.last_message = c.lastMessage ? messageToOut(c.lastMessage) : null;
  return out;
}

/** A person as tools return it. */
export function contactToOut(p: PersonRow): ContactOut {
  return {
    jid: p.id,
    phone_number: plusPhoneOf(p.pnJid) ?? plusPhoneOf(p.id),
    name: cleanNameOrNull(bestName(p)),
    saved_name: cleanNameOrNull(p.savedName),
    push_name: cleanNameOrNull(p.pushName),
    business_name: cleanNameOrNull(p.businessName),
    lid: p.lid ?? null,
  };
}

/** The name to show: the user's own address book first, the person's self-chosen name last. */
export function bestName(p: Pick<PersonRow, "savedName" | "businessName" | "pushName">): string | null {
  return p.savedName ?? p.businessName ?? p.pushName ?? null;
}

function normalizePhone(p: string): string {
  const digits = p.replace(/[^\d]/g, "");
  return digits ? `+${digits}` : p;
}

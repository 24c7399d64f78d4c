/**
 * Store rows → tool output objects (the shapes in schemas.ts). Pure.
 */
import type { ChatSummary, MessageView, PersonRow } from "../store/types.ts";
import { isoUtc } from "./dates.ts";
import { phoneOfJid } from "./policy/recipient.ts";
import type { ChatOut, ContactOut, MessageOut } from "./schemas.ts";

const MEDIA_TYPES = new Set(["image", "video", "audio", "voice", "document", "sticker"]);

/** A message as tools return it. */
export function messageToOut(m: MessageView): MessageOut {
  const edited = m.editedText !== null && m.editedText !== undefined;
  return {
    id: m.id,
    chat_jid: m.chatJid,
    chat_name: m.chatName ?? null,
    sender: m.senderId ?? null,
    sender_name: m.senderName ?? null,
    sender_phone: m.senderPhone ? normalizePhone(m.senderPhone) : phoneOfJid(m.senderId),
    is_from_me: m.fromMe,
    timestamp: isoUtc(m.ts),
    type: m.type,
    media_type: m.media || MEDIA_TYPES.has(m.type) ? m.type : null,
    content: edited ? m.editedText! : m.text ?? null,
    original_content: edited ? m.text ?? null : null,
    edited_at: m.editedAt !== null && m.editedAt !== undefined ? isoUtc(m.editedAt) : null,
    deleted: m.revoked,
    quoted_id: m.quotedId ?? null,
    media: m.media
      ? {
        mimetype: m.media.mimetype ?? null,
        file_name: m.media.fileName ?? null,
        file_length: m.media.fileLength ?? null,
        duration_seconds: m.media.durationSec ?? null,
      }
      : null,
    reactions: (m.reactions ?? []).map((r) => ({ reactor: r.reactorId, emoji: r.emoji })),
    rank: m.rank ?? null,
  };
}

/** A chat as tools return it; `last_message` only when the caller asked for it. */
export function chatToOut(c: ChatSummary, includeLastMessage: boolean): ChatOut {
  const out: ChatOut = {
    jid: c.jid,
    name: c.name ?? null,
    kind: c.kind,
    last_message_time: c.lastMessageAt !== null && c.lastMessageAt !== undefined ? isoUtc(c.lastMessageAt) : null,
    unread_count: c.unreadCount ?? null,
    archived: c.archived ?? null,
    pinned: c.pinned ?? null,
    // WhatsApp writes -1 for "muted for ever".
    muted_until: c.mutedUntil === -1 ? "forever" : c.mutedUntil !== null && c.mutedUntil !== undefined && c.mutedUntil > 0 ? isoUtc(c.mutedUntil) : null,
    description: c.description ?? null,
  };
  if (includeLastMessage) out.last_message = c.lastMessage ? messageToOut(c.lastMessage) : null;
  return out;
}

/** A person as tools return it. */
export function contactToOut(p: PersonRow): ContactOut {
  return {
    jid: p.id,
    phone_number: phoneOfJid(p.pnJid) ?? phoneOfJid(p.id),
    name: bestName(p),
    saved_name: p.savedName ?? null,
    push_name: p.pushName ?? null,
    business_name: p.businessName ?? null,
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

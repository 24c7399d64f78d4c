/**
 * Turns database rows (sql.js or PostgreSQL) into the contract's objects. Both backends select
 * the same column aliases (see the MESSAGE_COLUMNS lists in their query modules); this file
 * absorbs the differences (0/1 vs booleans, JSON text vs parsed JSON, Buffer vs Uint8Array).
 * Pure.
 */
import { phoneOf } from "../ids/phone.ts";
import type { RawColumns } from "./raw_residual.ts";
import type { ChatKind, ChatRow, ChatSummary, LiveEvent, LiveEventKind, MediaInfo, MessageNeighbours, MessageRow, MessageType, MessageView, ParticipantRow, PersonRow } from "./types.ts";

/** A row keyed by column alias. */
export type Row = Record<string, unknown>;

/** Boolean from 0/1, true/false or null. */
export function toBool(v: unknown): boolean {
  return v === true || v === 1 || v === "1" || v === "t";
}

/** Nullable boolean. */
export function toBoolOrNull(v: unknown): boolean | null {
  return v === null || v === undefined ? null : toBool(v);
}

/** Nullable number (PostgreSQL may hand BIGINT over as a string). */
export function toNum(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  return typeof v === "number" ? v : Number(v);
}

/** Nullable string. */
export function toStr(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/** Nullable bytes as a plain Uint8Array (not a Node Buffer, which compares differently). */
export function toBytes(v: unknown): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) {
    return Object.getPrototypeOf(v) === Uint8Array.prototype ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  }
  return null;
}

function parseReactions(v: unknown): Array<{ reactorId: string; emoji: string }> {
  const list = typeof v === "string" ? (JSON.parse(v) as unknown) : v;
  if (!Array.isArray(list)) return [];
  return list
    .filter((r): r is [string, string] => Array.isArray(r) && r.length >= 2)
    .map(([reactorId, emoji]) => ({ reactorId: String(reactorId), emoji: String(emoji) }));
}

/** A message view from columns named `<prefix>chat_jid`, `<prefix>id`... (prefix "" or "lm_"). */
export function messageViewFromRow(r: Row, prefix = ""): MessageView {
  const c = (k: string) => r[prefix + k];
  const hasMedia = toBool(c("has_media"));
  const media: MediaInfo | null = hasMedia
    ? {
      mimetype: toStr(c("media_mimetype")),
      fileName: toStr(c("media_file_name")),
      fileLength: toNum(c("media_file_length")),
      durationSec: toNum(c("media_duration_sec")),
      directPath: toStr(c("media_direct_path")),
      url: toStr(c("media_url")),
      mediaKey: toBytes(c("media_key")),
      fileSha256: toBytes(c("media_file_sha256")),
      fileEncSha256: toBytes(c("media_file_enc_sha256")),
      mediaKeyTimestamp: toNum(c("media_key_ts")),
    }
    : null;
  const senderId = toStr(c("sender_id"));
  return {
    chatJid: String(c("chat_jid")),
    id: String(c("id")),
    senderId,
    fromMe: toBool(c("from_me")),
    ts: toNum(c("ts")) ?? 0,
    type: String(c("type")) as MessageType,
    text: toStr(c("text")),
    quotedId: toStr(c("quoted_id")),
    editedText: toStr(c("edited_text")),
    editedAt: toNum(c("edited_at")),
    revoked: toBool(c("revoked")),
    viewOnce: toBool(c("view_once")),
    status: toNum(c("status")),
    media,
    senderName: toStr(c("sender_name")),
    senderPhone: phoneOf(toStr(c("sender_pn")) ?? senderId),
    chatName: toStr(c("chat_name")),
    reactions: parseReactions(c("reactions")),
    rank: prefix === "" && r.rank !== undefined && r.rank !== null ? Number(r.rank) : null,
    revokedBy: toStr(c("revoked_by")),
    revokedByName: toStr(c("revoked_by_name")),
  };
}

/** The columns a raw proto is rebuilt from (`rawColumnsFromRow` reads them), after `raw`. */
export const RAW_SELECT = `raw, chat_jid, id, sender_id, ts, text, quoted_id, has_media, media_mimetype, media_file_name,
  media_file_length, media_duration_sec, media_direct_path, media_url, media_key, media_file_sha256, media_file_enc_sha256,
  media_key_ts`;

/** The row values a residual raw is rebuilt from, from the `RAW_SELECT` columns. */
export function rawColumnsFromRow(r: Row): RawColumns {
  const v = messageViewFromRow(r);
  return { chatJid: v.chatJid, id: v.id, senderId: v.senderId, ts: v.ts, text: v.text, quotedId: v.quotedId, media: v.media };
}

/** The row values a residual raw is cut against: what a message INSERT binds. */
export function rawColumnsOf(chat: string, sender: string | null, m: MessageRow, ts: number): RawColumns {
  return { chatJid: chat, id: m.id, senderId: sender, ts, text: m.text ?? null, quotedId: m.quotedId ?? null, media: m.media ?? null };
}

/** The sort key (pk) of a message row (for cursors). */
export function messageKey(r: Row): { pk: number } {
  return { pk: toNum(r.pk) ?? 0 };
}

/** A chat from columns `jid, kind, name, last_message_at, ...`. */
export function chatFromRow(r: Row): ChatRow {
  return {
    jid: String(r.jid),
    kind: String(r.kind) as ChatKind,
    name: toStr(r.name),
    lastMessageAt: toNum(r.last_message_at),
    archived: toBoolOrNull(r.archived),
    pinned: toBoolOrNull(r.pinned),
    mutedUntil: toNum(r.muted_until),
    unreadCount: toNum(r.unread_count),
    description: toStr(r.description),
    readAt: toNum(r.read_at),
    markedUnread: toBoolOrNull(r.marked_unread),
  };
}

/** A chat with its last message (columns prefixed `lm_`, absent or null when not requested/none). */
export function chatSummaryFromRow(r: Row): ChatSummary {
  return { ...chatFromRow(r), lastMessage: r.lm_id === null || r.lm_id === undefined ? null : messageViewFromRow(r, "lm_") };
}

/** A person from `id, pn_jid, lid, push_name, saved_name, business_name`. */
export function personFromRow(r: Row): PersonRow {
  return {
    id: String(r.id),
    pnJid: toStr(r.pn_jid),
    lid: toStr(r.lid),
    pushName: toStr(r.push_name),
    savedName: toStr(r.saved_name),
    businessName: toStr(r.business_name),
  };
}

/** A participant with names from `group_jid, person_id, admin, name, pn_jid`. */
export function participantFromRow(r: Row): ParticipantRow & { name: string | null; phone: string | null } {
  const admin = toStr(r.admin);
  return {
    groupJid: String(r.group_jid),
    personId: String(r.person_id),
    admin: admin === "admin" || admin === "superadmin" ? admin : null,
    name: toStr(r.name),
    phone: phoneOf(toStr(r.pn_jid) ?? String(r.person_id)),
  };
}

/**
 * The answer of a many-hit neighbours query: rows carry ctx_i (the ref's index) and ctx_side (0
 * before, 2 after), ordered by ref, side and time. A ref without rows gets empty sides.
 */
export function neighboursFromRows(refs: number, rows: Row[]): MessageNeighbours[] {
  const parts: MessageNeighbours[] = [];
  for (let i = 0; i < refs; i++) parts.push({ before: [], after: [] });
  for (const r of rows) {
    const part = parts[Number(r.ctx_i)];
    if (!part) continue;
    (Number(r.ctx_side) === 0 ? part.before : part.after).push(messageViewFromRow(r));
  }
  return parts;
}

/** A live feed entry from `seq, kind, chat_jid, message_id, at`. */
export function liveEventFromRow(r: Row): LiveEvent {
  return {
    seq: toNum(r.seq) ?? 0,
    kind: String(r.kind) as LiveEventKind,
    chatJid: String(r.chat_jid),
    messageId: String(r.message_id),
    at: toNum(r.at) ?? 0,
  };
}

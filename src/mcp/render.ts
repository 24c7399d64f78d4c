/**
 * Tool outputs → readable lines for the text block. The lines hold untrusted data; callers
 * wrap them with `untrustedBlock`. Pure.
 */
import { formatBytes } from "./policy/confirm_text.ts";
import type { ChatOut, ContactOut, MessageOut } from "./schemas.ts";

/**
 * The owner's label. Names from WhatsApp are always shown quoted (`quoted`), so no name, not even
 * one spelled "me" or like this label, renders as the owner.
 */
export const OWNER_LABEL = "ME (the account owner)";

/** A name from WhatsApp as shown in text blocks: JSON-quoted (inner quotes escaped), or "(no name)". */
export function quoted(name: string | null | undefined): string {
  return name ? JSON.stringify(name) : "(no name)";
}

/** `"Alice" (+4917...)` / the owner's label / "unknown". */
function who(m: MessageOut): string {
  if (m.is_from_me) return OWNER_LABEL;
  const id = m.sender_phone ?? m.sender;
  if (m.sender_name) return id ? `${quoted(m.sender_name)} (${id})` : quoted(m.sender_name);
  return id ?? "unknown";
}

/** A message: a header line, then its content indented. */
export function messageLines(m: MessageOut, prefix = ""): string[] {
  const chat = m.chat_name ? `${quoted(m.chat_name)} (${m.chat_jid})` : m.chat_jid;
  const lines = [`${prefix}[${m.timestamp}] chat: ${chat} | from: ${who(m)} | id: ${m.id}`];
  const inner = " ".repeat(prefix.length + 4);
  const notes: string[] = [];
  if (m.deleted) notes.push(m.deleted_by_admin ? `(deleted by admin ${quoted(m.deleted_by_admin)})` : "(deleted for everyone)");
  if (m.edited_at) notes.push(`(edited ${m.edited_at})`);
  if (m.quoted_id) notes.push(`(reply to ${m.quoted_id})`);
  if (m.media) {
    const parts = [m.media_type ?? m.type];
    if (m.media.file_name) parts.push(quoted(m.media.file_name));
    if (m.media.mimetype) parts.push(m.media.mimetype);
    if (m.media.file_length !== null) parts.push(formatBytes(m.media.file_length));
    if (m.media.duration_seconds !== null) parts.push(`${m.media.duration_seconds} s`);
    notes.push(`[${parts.join(", ")}]`);
  } else if (m.type !== "text") {
    notes.push(`[${m.type}]`);
  }
  if (notes.length > 0) lines.push(inner + notes.join(" "));
  if (m.poll) {
    // The options with their counts instead of the bare option list of the content.
    lines.push(`${inner}${m.poll.question ?? ""} (${m.poll.multiple ? "several choices" : "one choice"}, ${m.poll.voters} voted)`);
    for (const o of m.poll.options) lines.push(`${inner}- ${o.name}: ${o.votes} vote${o.votes === 1 ? "" : "s"}`);
  } else if (m.content !== null && m.content !== "") {
    for (const l of m.content.split("\n")) lines.push(inner + l);
  }
  if (m.reactions.length > 0) {
    const counts = new Map<string, number>();
    for (const r of m.reactions) counts.set(r.emoji, (counts.get(r.emoji) ?? 0) + 1);
    lines.push(`${inner}reactions: ${[...counts].map(([e, n]) => (n > 1 ? `${e} ×${n}` : e)).join(" ")}`);
  }
  return lines;
}

/** A chat: one line, then its last message (if included) indented. */
export function chatLines(c: ChatOut): string[] {
  const bits = [`- ${quoted(c.name)} | jid: ${c.jid} | ${c.kind}`];
  if (c.last_message_time) bits.push(`last active ${c.last_message_time}`);
  if (c.unread_count) bits.push(`${c.unread_count} unread`);
  else if (c.marked_unread) bits.push("marked unread");
  if (c.archived) bits.push("archived");
  if (c.pinned) bits.push("pinned");
  if (c.muted_until) bits.push(c.muted_until === "forever" ? "muted" : `muted until ${c.muted_until}`);
  const lines = [bits.join(" | ")];
  if (c.description) lines.push(`    description: ${c.description.replace(/\n/g, " ")}`);
  if (c.last_message) lines.push(...messageLines(c.last_message, "    last message: "));
  return lines;
}

/** A person on one line. */
export function contactLines(p: ContactOut): string[] {
  const bits = [`- ${quoted(p.name)}`, `phone: ${p.phone_number ?? "unknown"}`, `jid: ${p.jid}`];
  if (p.push_name && p.push_name !== p.name) bits.push(`profile name: ${quoted(p.push_name)}`);
  return [bits.join(" | ")];
}

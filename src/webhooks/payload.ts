/**
 * The JSON body of a webhook request, built from an outbox row and the message as stored. Pure.
 * Metadata only unless bodies are opted in: ids, kinds, instants, the message type, who sent it
 * (JID) and whether it has media. With `includeBody`: texts, captions, the edited text, file
 * names, reactions and names. Fields read from the message reflect the store at the attempt
 * (an edit shows the edited text); the event's own fields (id, type, instants) never change.
 */
import { chatKindOf } from "../ids/jid.ts";
import type { MessageView, WebhookDue, WebhookEventKind } from "../store/types.ts";

/** What every event carries. */
export interface WebhookPayload {
  /** Payload format version. */
  v: 1;
  /** Stable across attempts and restarts: dedupe by it. */
  id: string;
  type: WebhookEventKind;
  /** When it happened (the message, edit, reaction or link change), ISO 8601. */
  occurred_at: string;
  /** When the server recorded it, ISO 8601. */
  recorded_at: string;
  body_included: boolean;
  chat?: { jid: string; kind: string; name?: string | null };
  /** The message the event is about; null when it is no longer in the store. */
  message?: WebhookMessage | null;
  link?: { state: string; previous: string | null; error: string | null };
}

/** A message in a webhook event. */
export interface WebhookMessage {
  id: string;
  from_me: boolean;
  sender_jid: string | null;
  timestamp: string;
  type: string;
  has_media: boolean;
  media_mimetype: string | null;
  media_size: number | null;
  quoted_id: string | null;
  edited: boolean;
  deleted: boolean;
  reactions_count: number;
  // Bodies (only with includeBody):
  text?: string | null;
  edited_text?: string | null;
  file_name?: string | null;
  sender_name?: string | null;
  reactions?: Array<{ reactor_jid: string; emoji: string }>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The payload of `due` (`message`: the stored message, for message events). */
export function buildWebhookPayload(id: string, due: WebhookDue, message: MessageView | null, includeBody: boolean): WebhookPayload {
  const p: WebhookPayload = {
    v: 1,
    id,
    type: due.kind,
    occurred_at: iso(due.at),
    recorded_at: iso(due.createdAt),
    body_included: includeBody,
  };
  if (due.kind === "link") {
    const d = parseDetail(due.detail);
    p.link = { state: d.state, previous: d.previous, error: d.error };
    return p;
  }
  const jid = due.chatJid ?? "";
  p.chat = { jid, kind: chatKindOf(jid), ...(includeBody ? { name: message?.chatName ?? null } : {}) };
  p.message = message ? messageOf(message, includeBody) : null;
  return p;
}

function messageOf(m: MessageView, includeBody: boolean): WebhookMessage {
  const out: WebhookMessage = {
    id: m.id,
    from_me: m.fromMe,
    sender_jid: m.senderId,
    timestamp: iso(m.ts),
    type: m.type,
    has_media: m.media !== null,
    media_mimetype: m.media?.mimetype ?? null,
    media_size: m.media?.fileLength ?? null,
    quoted_id: m.quotedId,
    edited: m.editedAt !== null,
    deleted: m.revoked,
    reactions_count: m.reactions.length,
  };
  if (includeBody) {
    out.text = m.revoked ? null : m.text;
    out.edited_text = m.revoked ? null : m.editedText;
    out.file_name = m.media?.fileName ?? null;
    out.sender_name = m.senderName;
    out.reactions = m.reactions.map((r) => ({ reactor_jid: r.reactorId, emoji: r.emoji }));
  }
  return out;
}

function parseDetail(detail: string | null): { state: string; previous: string | null; error: string | null } {
  try {
    const d = JSON.parse(detail ?? "{}") as Record<string, unknown>;
    const s = (v: unknown) => (typeof v === "string" ? v : null);
    return { state: s(d.state) ?? "unknown", previous: s(d.previous), error: s(d.error) };
  } catch {
    return { state: "unknown", previous: null, error: null };
  }
}

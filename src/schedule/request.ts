/**
 * A scheduled send's stored request, and what list_scheduled and schedule_message report about
 * it. Pure.
 */
import type { ScheduledSendRow, ScheduledStatus } from "../store/types.ts";
import type { ConfirmationContent } from "../mcp/policy/confirm_text.ts";
import type { OutgoingMedia } from "../whatsapp/protocol.ts";
import { LATE_AFTER_MS } from "./plan.ts";

/** The attachment as copied into the data folder when the send was scheduled. */
export interface ScheduledAttachment {
  kind: OutgoingMedia["kind"];
  /** Sent as a voice note (ogg/opus, converted when scheduled). */
  voice: boolean;
  /** The original file name (what the recipient sees for documents). */
  name: string;
  mimetype: string;
  bytes: number;
  /** SHA-256 of the copy: checked again before it is sent. */
  sha256: string;
  seconds?: number;
  /** The voice note's 64-value waveform. */
  waveform?: number[];
}

/** Everything needed to show and later send a scheduled message (stored as JSON). */
export interface ScheduledRequest {
  v: 1;
  tool: "schedule_message";
  recipient: ConfirmationContent["recipient"];
  /** The text, or the attachment's caption. */
  text: string | null;
  attachment: ScheduledAttachment | null;
}

/** Parses a stored request; throws on anything that is not one. */
export function parseScheduledRequest(json: string): ScheduledRequest {
  const r = JSON.parse(json) as ScheduledRequest;
  if (r?.v !== 1 || r.tool !== "schedule_message" || typeof r.recipient?.jid !== "string") {
    throw new Error("not a scheduled send request");
  }
  return r;
}

/** One scheduled send as the model sees it. */
export interface ScheduledOut {
  schedule_id: string;
  status: ScheduledStatus;
  at: string;
  recipient: { jid: string; name: string | null; kind: "person" | "group" };
  message: string | null;
  attachment: { name: string; kind: string; bytes: number; voice_note: boolean } | null;
  confirmed_by_user: boolean;
  created_at: string;
  /** Sent later than its time (the server was off, or WhatsApp was down): how late. */
  late: boolean;
  late_by_s: number | null;
  sent_at: string | null;
  /** WhatsApp's message id once sent (also the id it was to be sent under, for "unknown"). */
  message_id: string | null;
  attempts: number;
  detail: string | null;
}

/** The view of a row; `lateAfterMs`: the threshold of the `late` flag (see planRound). */
export function scheduledOut(row: ScheduledSendRow, lateAfterMs = LATE_AFTER_MS): ScheduledOut {
  const req = parseScheduledRequest(row.request);
  const a = req.attachment;
  return {
    schedule_id: row.id,
    status: row.status,
    at: new Date(row.dueAt).toISOString(),
    recipient: { jid: req.recipient.jid, name: req.recipient.name, kind: req.recipient.kind },
    message: req.text,
    attachment: a ? { name: a.name, kind: a.voice ? "voice note" : a.kind, bytes: a.bytes, voice_note: a.voice } : null,
    confirmed_by_user: row.confirmed,
    created_at: new Date(row.createdAt).toISOString(),
    late: row.status === "sent" && (row.lateMs ?? 0) > lateAfterMs,
    late_by_s: row.lateMs === null ? null : Math.round(row.lateMs / 1000),
    sent_at: row.status === "sent" && row.settledAt !== null ? new Date(row.settledAt).toISOString() : null,
    message_id: row.status === "sent" || row.status === "unknown" ? row.messageId : null,
    attempts: row.attempts,
    detail: row.detail,
  };
}

/** One line for the model about a scheduled send's state. */
export function scheduledSentence(s: ScheduledOut): string {
  const to = s.recipient.name ?? s.recipient.jid;
  switch (s.status) {
    case "pending":
      return `waits to be sent at ${s.at} to ${to}${s.detail ? ` (${s.detail})` : ""}`;
    case "sending":
      return `is being sent to ${to}`;
    case "sent":
      return `was sent to ${to} at ${s.sent_at}${s.late ? `, LATE by ${s.late_by_s} s (due ${s.at})` : ""} (message id ${s.message_id})`;
    case "failed":
      return `was NOT sent to ${to}: ${s.detail ?? "it failed"}`;
    case "expired":
      return `was NOT sent to ${to}: ${s.detail ?? "it expired"}`;
    case "cancelled":
      return `was cancelled; nothing was sent to ${to}`;
    case "unknown":
      return `may or may not have reached ${to}: ${s.detail ?? "the outcome is unknown"}`;
  }
}

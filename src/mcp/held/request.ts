/**
 * A held send's stored request and what the model and the page are told about it. Pure.
 */
import type { HeldSendRow, HeldStatus } from "../../store/types.ts";
import type { AttachmentPreview, ConfirmationContent } from "../policy/confirm_text.ts";
import type { SendOp } from "./action.ts";

/** An attachment as held: its preview, where it is, and the SHA-256 of its bytes at hold time. */
export interface HeldAttachment extends AttachmentPreview {
  path: string;
  mimetype: string;
  sha256: string;
}

/** Everything needed to show and later perform a held send (stored as JSON). */
export interface HeldRequest {
  v: 1;
  tool: string;
  /** Dialog title, e.g. "Send this WhatsApp message". */
  action: string;
  recipient: ConfirmationContent["recipient"];
  text: string | null;
  mentions: string[];
  quotedId: string | null;
  attachments: HeldAttachment[];
  op: SendOp;
  /** Why a human is asked, as the dialog says it. */
  reason: string;
  codes: string[];
}

/** Parses a stored request; throws on anything that is not one. */
export function parseHeldRequest(json: string): HeldRequest {
  const r = JSON.parse(json) as HeldRequest;
  if (r?.v !== 1 || typeof r.tool !== "string" || typeof r.op?.type !== "string" || !r.recipient) {
    throw new Error("not a held send request");
  }
  return r;
}

/** The status as of `now`: a waiting send past its expiry is expired, whether or not that was recorded. */
export function heldState(row: Pick<HeldSendRow, "status" | "expiresAt">, now: number): HeldStatus {
  return row.status === "waiting" && now >= row.expiresAt ? "expired" : row.status;
}

/** What get_send_status and list_pending_sends return for one held send. */
export interface HeldStatusOut {
  approval_id: string;
  status: "waiting" | "sending" | "sent" | "declined" | "expired" | "failed";
  approval_url: string | null;
  tool: string;
  recipient: { jid: string; name: string | null; kind: "person" | "group" };
  reason: string;
  created_at: string;
  expires_at: string;
  seconds_left: number;
  message_id: string | null;
  detail: string | null;
}

/** The status for the model. `baseUrl`: the status page's base URL (null when the page is off). */
export function heldStatusOut(row: HeldSendRow, now: number, baseUrl: string | null): HeldStatusOut {
  const req = parseHeldRequest(row.request);
  const status = heldState(row, now);
  return {
    approval_id: row.id,
    status,
    approval_url: baseUrl ? approvalUrl(baseUrl, row.id) : null,
    tool: req.tool,
    recipient: { jid: req.recipient.jid, name: req.recipient.name, kind: req.recipient.kind },
    reason: req.reason,
    created_at: new Date(row.createdAt).toISOString(),
    expires_at: new Date(row.expiresAt).toISOString(),
    seconds_left: status === "waiting" ? Math.max(0, Math.ceil((row.expiresAt - now) / 1000)) : 0,
    message_id: row.messageId,
    detail: status === "expired" && !row.detail ? "nobody approved it in time; it was not sent" : row.detail,
  };
}

/** The page where the user approves one held send. */
export function approvalUrl(baseUrl: string, id: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/approve/${encodeURIComponent(id)}`;
}

/** One sentence for the model about a held send's state. */
export function heldSentence(s: HeldStatusOut): string {
  switch (s.status) {
    case "waiting":
      return `Not sent yet: waiting for the user's approval (${s.seconds_left} s left). Ask the user to open ` +
        `${s.approval_url ?? "the server's /approve page"} and approve or decline it there; no tool can approve it. ` +
        `Check with get_send_status("${s.approval_id}").`;
    case "sending":
      return "The user approved it and it is being sent (or a restart interrupted the send: it may or may not have gone out).";
    case "sent":
      // A held schedule_message "sent" is stored for later: its id is the schedule id.
      return s.tool === "schedule_message"
        ? `Scheduled after the user approved it (schedule id ${s.message_id}); list_scheduled shows when it goes out.`
        : `Sent after the user approved it (message id ${s.message_id}).`;
    case "declined":
      return "Not sent: the user declined it.";
    case "expired":
      return "Not sent: nobody approved it in time; it expired.";
    case "failed":
      return `Not sent: ${s.detail ?? "sending failed"}.`;
  }
}

/** Output shapes of the schedule tools (zod, as the SDK requires). */
import { z } from "zod";

const nstr = z.string().nullable();

/** The statuses a scheduled send can have. */
export const SCHEDULED_STATUSES = ["pending", "sending", "sent", "failed", "expired", "cancelled", "unknown"] as const;

/** One scheduled send as list_scheduled shows it. */
export const scheduledOutShape = z.object({
  schedule_id: z.string(),
  status: z.enum(SCHEDULED_STATUSES).describe(
    "pending (waits for its time), sending, sent, failed (refused or WhatsApp error: not sent), expired (missed by more " +
      "than the grace: not sent), cancelled, unknown (in flight at a crash: may or may not have gone out; never resent)",
  ),
  at: z.string().describe("When it is to be sent (ISO-8601 UTC)"),
  recipient: z.object({ jid: z.string(), name: nstr, kind: z.enum(["person", "group"]) }),
  message: nstr.describe("The text, or the attachment's caption"),
  attachment: z.object({ name: z.string(), kind: z.string(), bytes: z.number(), voice_note: z.boolean() }).nullable(),
  confirmed_by_user: z.boolean(),
  created_at: z.string(),
  late: z.boolean().describe("Sent later than its time (the server was off or WhatsApp was not connected)"),
  late_by_s: z.number().nullable(),
  sent_at: nstr,
  message_id: nstr,
  attempts: z.number(),
  detail: nstr.describe("Why it was not sent, or why it still waits"),
});

/** schedule_message's output. */
export const scheduleOut = {
  status: z.enum(["scheduled", "awaiting_approval"]).describe(
    "scheduled (stored; the server sends it at `at`), or awaiting_approval: held until the user approves it on approval_url",
  ),
  schedule_id: nstr.describe("Id for list_scheduled and cancel_scheduled (null while awaiting approval)"),
  at: z.string().describe("When it will be sent (ISO-8601 UTC)"),
  recipient: z.object({ jid: z.string(), name: nstr, kind: z.enum(["person", "group"]) }),
  confirmed_by_user: z.boolean(),
  approval_id: z.string().optional().describe("Id of the held request (get_send_status)"),
  approval_url: z.string().optional().describe("The page where the user approves or declines it"),
  expires_at: z.string().optional().describe("When the approval request expires (ISO-8601 UTC)"),
  reason: z.string().optional().describe("Why the user is asked"),
};

/** The output shape of a held send for get_send_status and list_pending_sends (zod, as the SDK requires). */
import { z } from "zod";

const nstr = z.string().nullable();

/** One held send as the model sees it (never with a way to approve it). */
export const heldStatusOut = z.object({
  approval_id: z.string(),
  status: z.enum(["waiting", "sending", "sent", "declined", "expired", "failed"]),
  approval_url: nstr.describe("The page where the user approves or declines it"),
  tool: z.string(),
  recipient: z.object({ jid: z.string(), name: nstr, kind: z.enum(["person", "group"]) }),
  reason: z.string().describe("Why the user is asked"),
  created_at: z.string(),
  expires_at: z.string(),
  seconds_left: z.number(),
  message_id: nstr.describe("The sent message's id, once sent"),
  detail: nstr,
});

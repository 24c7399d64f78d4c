/**
 * schedule_message: a text, file or voice note the server sends later, at `at`, even with no MCP
 * client connected. The send guard runs now, as for an immediate send (read-only mode, scope,
 * recipient policy, data flow, confirmation in the client or on the approval page), and again
 * when it is sent (src/schedule/send.ts: read-only mode, the recipient still allowed, the link,
 * the rate limits). Attachments are copied into the data folder now (see src/schedule/service.ts).
 */
import { z } from "zod";
import { waitField } from "../inputs.ts";
import { resolveRecipient } from "../resolve.ts";
import { errorResult, okResult, ToolInputError } from "../results.ts";
import { attemptSend, heldFields, recipientLine, recipientOut } from "../send_path.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";
import { untrustedBlock } from "../untrusted.ts";
import { AT_FORMAT_HINT, parseAt } from "../../schedule/at.ts";
import { describeDuration } from "../../schedule/duration.ts";
import { scheduleOut } from "../../schedule/schema.ts";
import { countPending, QUEUE_FULL } from "../../schedule/service.ts";
import { MAX_PENDING_SCHEDULED } from "../../schedule/types.ts";
import { mediaPathField } from "./send_file.ts";
import { recipientField } from "./send_message.ts";
import type { AttachmentPreview } from "../policy/confirm_text.ts";
import type { PreparedParts } from "../held/action.ts";

/** The tool. */
export const scheduleMessage = defineTool({
  name: "schedule_message",
  title: "Schedule a WhatsApp message",
  description: "Schedule a WhatsApp text, file or voice note to a person or group; the server sends it at `at`, " +
    "even when no assistant is connected. Give `message`, or `media_path` (with `message` as its caption), or " +
    "`media_path` with voice_note=true. The same send policy as send_message applies now (the user may be asked to " +
    "confirm), and again when it is sent. A send missed while the server was off goes out late (flagged) within the " +
    "grace, else it expires. list_scheduled shows the outcome; cancel_scheduled cancels it before its time.",
  access: "write",
  kind: "message",
  toolset: "schedule",
  inputSchema: {
    recipient: recipientField,
    at: z.string().trim().min(1, { error: "expected when to send it" }).max(100).describe(`When to send it: ${AT_FORMAT_HINT}`),
    message: z.string().max(65_536).optional().describe("The text to send, or the caption of media_path"),
    media_path: mediaPathField.optional(),
    voice_note: z.boolean().optional().describe("Send media_path as a voice note (any audio is converted to ogg/opus now)"),
    wait_s: waitField,
  },
  outputSchema: scheduleOut,
  annotations: { ...SEND_ANNOTATIONS, title: "Schedule a WhatsApp message" },
  async run(a, ctx) {
    const schedule = ctx.deps.schedule;
    if (!schedule) return errorResult("Scheduled sends are not available in this server.");
    const text = a.message?.trim() ? a.message : undefined;
    if (!text && !a.media_path) throw new ToolInputError("message or media_path: give the text to send, a file, or both (the text as its caption)");
    if (a.voice_note && !a.media_path) throw new ToolInputError("voice_note: needs media_path (the audio file to send as a voice note)");
    if (a.voice_note && text) throw new ToolInputError("message: a voice note has no caption; schedule the text separately");
    const now = ctx.deps.clock.now();
    const when = parseAt(a.at, now);
    if (!when.ok) return errorResult(when.error);
    if ((await countPending(ctx.deps.repository)) >= MAX_PENDING_SCHEDULED) return errorResult(`Not scheduled: ${QUEUE_FULL}.`);

    const recipient = await resolveRecipient(ctx.deps.repository, a.recipient);
    const parts: PreparedParts = {};
    const attachments: AttachmentPreview[] = [];
    if (a.media_path) {
      const file = await ctx.deps.media.prepareFile(a.media_path);
      parts.file = file;
      if (a.voice_note) {
        const voice = await ctx.deps.media.voiceNote(file.bytes, file.fileName);
        parts.voice = voice;
        attachments.push({ name: file.fileName, kind: "voice note", bytes: voice.bytes.length, seconds: voice.seconds });
      } else {
        attachments.push({ name: file.fileName, kind: file.kind, bytes: file.bytes.length });
      }
    }
    const iso = new Date(when.at).toISOString();
    const outcome = await attemptSend(ctx, {
      tool: "schedule_message",
      action: `Schedule this WhatsApp message for ${iso}`,
      recipient,
      text: text ?? null,
      attachments,
      details: [`To be sent at ${iso} (in ${describeDuration(when.at - now)}), by the server, even if no assistant is connected.`],
      op: { type: "schedule", jid: recipient.jid, at: when.at, text, media: a.media_path ? { path: a.media_path, voice: !!a.voice_note } : undefined },
      parts,
      deferred: true,
      waitSeconds: a.wait_s,
    });
    const who = recipientOut(recipient);
    const whoLine = recipientLine(recipient);
    if (outcome.ok) {
      const structured = { status: "scheduled" as const, schedule_id: outcome.result.id, at: iso, recipient: who, confirmed_by_user: outcome.confirmed };
      const headline = `Scheduled for ${iso} (schedule id ${outcome.result.id}${outcome.confirmed ? ", confirmed by the user" : ""}). ` +
        "The server sends it then; list_scheduled shows the outcome, cancel_scheduled cancels it.";
      return okResult(structured, untrustedBlock(headline, whoLine));
    }
    if (outcome.outcome === "held") {
      const h = outcome.held;
      const structured = {
        status: "awaiting_approval" as const,
        schedule_id: null,
        at: iso,
        recipient: who,
        ...heldFields(h),
      };
      const headline = `Not scheduled yet: this needs the user's approval and is held for ${Math.ceil(h.seconds_left / 60)} min. ` +
        `Tell the user to open ${h.approval_url} to check it and approve or decline it there; you cannot approve it. ` +
        `Once approved it is scheduled for ${iso}; get_send_status with approval_id "${h.approval_id}" says so.`;
      return okResult(structured, untrustedBlock(headline, `reason: ${h.reason}\n${whoLine}`));
    }
    return errorResult(outcome.text.replace(/^Not sent: /, "Not scheduled: ").replace(/^Sending failed: /, "Scheduling failed: "));
  },
});

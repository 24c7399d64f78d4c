/**
 * send_file: an image, video, document or audio file from the configured media roots (the media
 * service checks the path after resolving symlinks, sniffs the content and caps the size). WhatsApp
 * gets bytes, never a path or URL.
 */
import { z } from "zod";
import { waitField } from "../inputs.ts";
import { resolveRecipient } from "../resolve.ts";
import { sendOut } from "../schemas.ts";
import { attemptSend, sendToolResult } from "../send_path.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";
import { recipientField } from "./send_message.ts";

/** The media_path parameter. */
export const mediaPathField = z.string().trim().min(1, { error: "expected a file path" }).max(4096)
  .describe("Absolute path of the file; it must be inside one of the server's configured media folders");

/** The tool. */
export const sendFile = defineTool({
  name: "send_file",
  title: "Send a file on WhatsApp",
  description: "Send a file (image, video, document or raw audio) to a person or group. The file must be inside " +
    "one of the server's configured media folders. The same send policy as send_message applies.",
  access: "write",
  inputSchema: {
    recipient: recipientField,
    media_path: mediaPathField,
    caption: z.string().max(4096).optional().describe("Text shown with the file"),
    wait_s: waitField,
  },
  outputSchema: sendOut,
  annotations: { ...SEND_ANNOTATIONS, title: "Send a file on WhatsApp" },
  async run(a, ctx) {
    const recipient = await resolveRecipient(ctx.deps.repository, a.recipient);
    const file = await ctx.deps.media.prepareFile(a.media_path);
    const caption = a.caption?.trim() ? a.caption : undefined;
    const outcome = await attemptSend(ctx, {
      tool: "send_file",
      action: "Send this file on WhatsApp",
      recipient,
      text: caption ?? null,
      attachments: [{ name: file.fileName, kind: file.kind, bytes: file.bytes.length }],
      op: { type: "file", jid: recipient.jid, path: a.media_path, caption },
      parts: { file },
      waitSeconds: a.wait_s,
    });
    return sendToolResult(outcome, recipient, `Sent ${file.kind} ${JSON.stringify(file.fileName)}`);
  },
});

/**
 * send_audio_message: a voice note (push-to-talk) from any audio file in the media roots,
 * converted to ogg/opus with its real duration and waveform.
 */
import { waitField } from "../inputs.ts";
import { resolveRecipient } from "../resolve.ts";
import { sendOut } from "../schemas.ts";
import { attemptSend, sendToolResult } from "../send_path.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";
import { mediaPathField } from "./send_file.ts";
import { recipientField } from "./send_message.ts";

/** The tool. */
export const sendAudioMessage = defineTool({
  name: "send_audio_message",
  title: "Send a voice note on WhatsApp",
  description: "Send an audio file as a WhatsApp voice note (plays like a recorded voice message). Any common " +
    "audio format is converted to ogg/opus. The file must be inside one of the server's configured media folders; " +
    "the same send policy as send_message applies.",
  access: "write",
  inputSchema: { recipient: recipientField, media_path: mediaPathField, wait_s: waitField },
  outputSchema: sendOut,
  annotations: { ...SEND_ANNOTATIONS, title: "Send a voice note on WhatsApp" },
  async run(a, ctx) {
    const recipient = await resolveRecipient(ctx.deps.repository, a.recipient);
    const file = await ctx.deps.media.prepareFile(a.media_path);
    const voice = await ctx.deps.media.voiceNote(file.bytes, file.fileName);
    const outcome = await attemptSend(ctx, {
      tool: "send_audio_message",
      action: "Send this voice note on WhatsApp",
      recipient,
      attachments: [{ name: file.fileName, kind: "voice note", bytes: voice.bytes.length, seconds: voice.seconds }],
      op: { type: "voice", jid: recipient.jid, path: a.media_path },
      parts: { file, voice },
      waitSeconds: a.wait_s,
    });
    return sendToolResult(outcome, recipient, `Sent a voice note (${Math.round(voice.seconds)} s)`);
  },
});

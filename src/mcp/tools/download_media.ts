/**
 * download_media: fetches and decrypts a message's media and saves it in the download folder
 * (file name chosen by the server, never the sender's name as a path). Returns the local path.
 */
import { z } from "zod";
import { chatJidField, messageIdField } from "../inputs.ts";
import { linkProblem, readLinkStatus } from "../link.ts";
import { formatBytes } from "../policy/confirm_text.ts";
import { resolveChatJid } from "../resolve.ts";
import { downloadBytes, messageWithMedia } from "../media_fetch.ts";
import { errorResult, okResult } from "../results.ts";
import { defineTool } from "../tool.ts";
import { inlineContent, MAX_INLINE_BYTES } from "../inline_media.ts";

const SIMPLE_MIME = /^[\w.+-]{1,64}\/[\w.+-]{1,64}$/;

/** The tool. */
export const downloadMedia = defineTool({
  name: "download_media",
  title: "Download media of a message",
  description: "Download the photo, video, audio, voice note, document or sticker of a WhatsApp message and save " +
    `it locally; returns the file path. Images and audio up to ${MAX_INLINE_BYTES / 1024 / 1024} MB are also returned ` +
    "inline (for clients that cannot open local files) unless include_content is false.",
  access: "read",
  inputSchema: {
    message_id: messageIdField,
    chat_jid: chatJidField("The chat of the message"),
    include_content: z.boolean().default(true).describe("Also return small images and audio inline as MCP image/audio content"),
  },
  outputSchema: {
    path: z.string(),
    mimetype: z.string().nullable(),
    size: z.number().int(),
    message_id: z.string(),
    chat_jid: z.string(),
    inline: z.boolean(),
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
    title: "Download media of a message",
  },
  async run(a, ctx) {
    const chatJid = await resolveChatJid(ctx.deps.repository, a.chat_jid);
    const m = await messageWithMedia(ctx.deps, chatJid, a.message_id);
    const problem = linkProblem(await readLinkStatus(ctx.deps), ctx.deps.config.statusUrl);
    if (problem) return errorResult(problem);
    const got = await downloadBytes(ctx.deps, chatJid, a.message_id);
    const mimetype = got.mimetype ?? m.media.mimetype ?? null;
    const path = await ctx.deps.downloads.save(chatJid, a.message_id, got.bytes, mimetype, m.media.fileName);
    const inline = a.include_content ? inlineContent(got.bytes) : null;
    const result = okResult(
      { path, mimetype, size: got.bytes.length, message_id: a.message_id, chat_jid: chatJid, inline: inline !== null },
      // The mimetype comes from the sender: shown only if it looks like one.
      `Saved ${formatBytes(got.bytes.length)}${mimetype && SIMPLE_MIME.test(mimetype) ? ` (${mimetype})` : ""} to ${path}`,
    );
    if (inline) result.content.push(inline);
    return result;
  },
});

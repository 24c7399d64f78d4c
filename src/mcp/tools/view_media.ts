/**
 * view_media: a message's media as content a model can read, for clients that cannot open a file
 * path (Claude Desktop, claude.ai): photos scaled into a size and byte budget, videos as a few
 * keyframes with their duration, stickers and GIFs as a picture, documents as text with page
 * numbers, audio and voice notes as duration and a loudness envelope.
 */
import { z } from "zod";
import { VIEW_BOUNDS, VIEW_DEFAULTS, type ViewOptions } from "../../media/view/types.ts";
import { chatJidField, messageIdField } from "../inputs.ts";
import { imageBlocks, viewHeadline, viewStoredMedia } from "../media_view.ts";
import { mediaResourceUri } from "../media_uri.ts";
import { resolveChatJid } from "../resolve.ts";
import { okResult } from "../results.ts";
import { defineTool } from "../tool.ts";
import { untrustedBlock } from "../untrusted.ts";

function bounded(name: keyof ViewOptions, unit: string, what: string) {
  const [lo, hi] = VIEW_BOUNDS[name];
  const msg = `expected a whole number from ${lo} to ${hi}`;
  return z.number({ error: msg }).int({ error: msg }).min(lo, { error: msg }).max(hi, { error: msg })
    .default(VIEW_DEFAULTS[name]).describe(`${what} (${lo}-${hi}${unit}, default ${VIEW_DEFAULTS[name]})`);
}

/** The tool. */
export const viewMedia = defineTool({
  name: "view_media",
  title: "View media of a message",
  description: "Show the photo, video, sticker, GIF, document or audio of a WhatsApp message as content you can read " +
    "directly (no file path needed): images scaled to max_side pixels and max_kb kilobytes, videos as a few " +
    "keyframes plus duration, PDFs, Word files, text and CSV as text with page numbers, voice notes and audio as " +
    "duration and a loudness waveform. Use download_media to save the original file instead.",
  access: "read",
  inputSchema: {
    chat_jid: chatJidField("The chat of the message"),
    message_id: messageIdField,
    max_side: bounded("maxSide", " px", "Longest side of images and frames in pixels"),
    max_kb: bounded("maxKb", " KB", "Byte budget of all images together in KB"),
    frames: bounded("frames", "", "How many keyframes of a video: the first, then evenly spaced"),
    pages: bounded("pages", "", "How many pages of a document to read"),
  },
  outputSchema: {
    chat_jid: z.string(),
    message_id: z.string(),
    kind: z.enum(["image", "sticker", "gif", "video", "audio", "document"]),
    mimetype: z.string().describe("The type found in the file itself"),
    size: z.number().int().describe("Size of the original in bytes"),
    duration_seconds: z.number().nullable(),
    images: z.array(z.object({ mime_type: z.string(), bytes: z.number().int(), at_seconds: z.number().nullable() }))
      .describe("The pictures, in the order of the image blocks"),
    pages: z.object({ total: z.number().int(), shown: z.number().int() }).nullable(),
    truncated: z.boolean(),
    waveform: z.array(z.number().int()).nullable().describe("Audio: 64 loudness values 0-100 over time"),
    transcript: z.string().nullable(),
    notes: z.array(z.string()),
    cached: z.boolean(),
    resource_uri: z.string().describe("The original as an MCP resource"),
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
    title: "View media of a message",
  },
  async run(a, ctx) {
    const chatJid = await resolveChatJid(ctx.deps.repository, a.chat_jid);
    const o: ViewOptions = { maxSide: a.max_side, maxKb: a.max_kb, frames: a.frames, pages: a.pages };
    const { view: v, cached } = await viewStoredMedia(ctx.deps, chatJid, a.message_id, o);
    const structured = {
      chat_jid: chatJid,
      message_id: a.message_id,
      kind: v.kind,
      mimetype: v.mimetype,
      size: v.sizeBytes,
      duration_seconds: v.durationMs !== undefined ? Math.round(v.durationMs / 100) / 10 : null,
      images: v.images.map((i) => ({ mime_type: i.mimeType, bytes: i.data.length, at_seconds: i.atMs !== undefined ? i.atMs / 1000 : null })),
      pages: v.pages ?? null,
      truncated: v.truncated ?? false,
      waveform: v.waveform ?? null,
      transcript: v.transcript ?? null,
      notes: v.notes,
      cached,
      resource_uri: mediaResourceUri(chatJid, a.message_id),
    };
    const notes = v.notes.length ? `\nNotes: ${v.notes.join("; ")}.` : "";
    // Document text and transcripts were written by someone else: data, inside the markers.
    const body = [v.text, v.transcript !== undefined ? `Transcript: ${v.transcript}` : undefined].filter((x) => x).join("\n");
    const result = okResult(structured, untrustedBlock(viewHeadline(v) + notes, body));
    result.content.push(...imageBlocks(v));
    return result;
  },
});

/**
 * Renders an attachment for a model: images scaled into a size and byte budget (WebP through
 * ffmpeg.wasm), a video's keyframes and duration, a sticker or GIF as one picture, a document's
 * text (PDF through PDF.js in the media worker, Word, plain text/CSV), audio as duration and a
 * loudness envelope (and a transcript when an engine is configured). Every decode runs in the
 * media worker under its time limit; a decoder crash fails the request, not the process.
 */
import { FfmpegFailedError, MediaError } from "../errors.ts";
import type { FfmpegExec } from "../ffmpeg/protocol.ts";
import { probeMedia } from "../probe.ts";
import { sniff, type Sniffed } from "../sniff.ts";
import { envelopeOnlyArgs } from "../voice_note.ts";
import { computeWaveform, pcmS16leToSamples } from "../waveform.ts";
import type { Transcriber } from "../transcribe.ts";
import { cutText, decodeText, formatPages } from "./document.ts";
import { docxText } from "./docx.ts";
import { bestFit, keyframeTimes, type PictureSource, qualityOutput, WEBP_QUALITIES, webpLadderArgs } from "./image_args.ts";
import type { MediaView, ViewImage, ViewOptions } from "./types.ts";

/** What view needs from the worker: ffmpeg jobs and PDF text. */
export interface ViewEngine extends FfmpegExec {
  pdfText(bytes: Uint8Array, opts: { maxPages: number; timeoutMs?: number; signal?: AbortSignal }): Promise<{ totalPages: number; pages: string[] }>;
}

/** Biggest attachment rendered: beyond this, download_media is the way. */
export const MAX_VIEW_BYTES = 64 * 1024 * 1024;

/** What the message says it is (the bytes decide; this only breaks ties, e.g. a WebP sticker). */
export interface ViewHint {
  messageType?: string;
  mimetype?: string | null;
}

/** Per-call extras. */
export interface ViewCall {
  timeoutMs?: number;
  signal?: AbortSignal;
  transcriber?: Transcriber | null;
}

const IMAGE_DEMUXER: Record<string, string> = { jpeg: "jpeg_pipe", png: "png_pipe", gif: "gif", webp: "webp_pipe" };

function unreadable(s: Sniffed, e: unknown): MediaError {
  if (e instanceof MediaError && !(e instanceof FfmpegFailedError)) return e;
  return new MediaError("unsupported_input", `Cannot decode this ${s.mimetype} file (${(e as Error).message})`, { cause: e });
}

/** The best WebP of one picture under `maxBytes`; shrinks the picture (up to 3 times) when even the lowest quality is too big. */
async function fitPicture(bytes: Uint8Array, src: PictureSource, opts: { maxSide: number; maxBytes: number }, engine: FfmpegExec, call: ViewCall): Promise<{ data: Uint8Array; side: number }> {
  let side = opts.maxSide;
  for (let attempt = 0; ; attempt++) {
    const outputs = WEBP_QUALITIES.map((_, i) => qualityOutput(i));
    const r = await engine.run({ args: webpLadderArgs(src, side), inputs: { input: bytes }, outputs, timeoutMs: call.timeoutMs, signal: call.signal });
    const sizes = outputs.map((o) => r.outputs[o]?.length ?? 0);
    const i = bestFit(sizes, opts.maxBytes);
    if (i >= 0) return { data: r.outputs[outputs[i]!]!, side };
    if (attempt >= 3 || side <= 64) {
      const last = outputs.length - 1;
      return { data: r.outputs[outputs[last]!]!, side };
    }
    side = Math.max(64, Math.floor(side * 0.6));
  }
}

async function viewImage(bytes: Uint8Array, s: Sniffed, kind: "image" | "gif", o: ViewOptions, engine: FfmpegExec, call: ViewCall): Promise<MediaView> {
  const maxBytes = o.maxKb * 1024;
  const notes: string[] = [];
  try {
    const { data, side } = await fitPicture(bytes, { demuxer: IMAGE_DEMUXER[s.type]! }, { maxSide: o.maxSide, maxBytes }, engine, call);
    if (side < o.maxSide) notes.push(`scaled below ${o.maxSide} px (to at most ${side} px) to fit ${o.maxKb} KB`);
    if (kind === "gif") notes.push("an animated GIF is shown by its first frame");
    return { kind, mimetype: s.mimetype, sizeBytes: bytes.length, images: [{ mimeType: "image/webp", data }], notes };
  } catch (e) {
    throw unreadable(s, e);
  }
}

async function viewSticker(bytes: Uint8Array, s: Sniffed, o: ViewOptions, engine: FfmpegExec, call: ViewCall): Promise<MediaView> {
  const base = { kind: "sticker" as const, mimetype: s.mimetype, sizeBytes: bytes.length, notes: [] as string[] };
  // Stickers are small WebP images (512 px); models read WebP, and animated ones show their first frame.
  if (s.type === "webp" && bytes.length <= o.maxKb * 1024) return { ...base, images: [{ mimeType: "image/webp", data: bytes }] };
  try {
    const { data } = await fitPicture(bytes, { demuxer: IMAGE_DEMUXER[s.type] ?? "webp_pipe" }, { maxSide: Math.min(o.maxSide, 512), maxBytes: o.maxKb * 1024 }, engine, call);
    return { ...base, images: [{ mimeType: "image/webp", data }] };
  } catch (e) {
    throw unreadable(s, e);
  }
}

async function viewVideo(bytes: Uint8Array, s: Sniffed, o: ViewOptions, engine: FfmpegExec, call: ViewCall): Promise<MediaView> {
  const probe = await probeMedia(bytes, engine, call).catch((e) => {
    throw unreadable(s, e);
  });
  if (!probe.streams.some((x) => x.type === "video")) return viewAudio(bytes, s, engine, call, probe.durationMs);
  const times = keyframeTimes(probe.durationMs !== undefined ? probe.durationMs / 1000 : undefined, o.frames);
  const perFrame = Math.floor((o.maxKb * 1024) / times.length);
  const images: ViewImage[] = [];
  const notes: string[] = [];
  if (times.length < o.frames) notes.push("the video's duration is unknown: only its first frame is shown");
  for (const t of times) {
    try {
      // Seeking before the input jumps to the keyframe at or before t: fast, and a real frame.
      const { data } = await fitPicture(bytes, { demuxer: s.demuxer!, seekSec: t }, { maxSide: o.maxSide, maxBytes: perFrame }, engine, call);
      images.push({ mimeType: "image/webp", data, atMs: Math.round(t * 1000) });
    } catch (e) {
      if (images.length === 0 && t === times[times.length - 1]) throw unreadable(s, e);
      if (!(e instanceof FfmpegFailedError)) throw e;
      notes.push(`no frame could be read at ${t.toFixed(1)} s`);
    }
  }
  if (images.length === 0) throw new MediaError("unsupported_input", `Cannot read any frame of this ${s.mimetype} video`);
  return { kind: "video", mimetype: s.mimetype, sizeBytes: bytes.length, durationMs: probe.durationMs, images, notes };
}

async function viewAudio(bytes: Uint8Array, s: Sniffed, engine: FfmpegExec, call: ViewCall, knownMs?: number): Promise<MediaView> {
  if (!s.demuxer) throw new MediaError("unsupported_input", `Cannot decode audio in this ${s.mimetype} file`);
  let pcm: Uint8Array;
  try {
    const r = await engine.run({ args: envelopeOnlyArgs(s.demuxer), inputs: { input: bytes }, outputs: ["envelope.pcm"], timeoutMs: call.timeoutMs, signal: call.signal });
    pcm = r.outputs["envelope.pcm"]!;
  } catch (e) {
    throw unreadable(s, e);
  }
  const samples = pcmS16leToSamples(pcm);
  // The decoded length is the real duration (a container's header can lie); 8 kHz mono.
  const durationMs = samples.length > 0 ? Math.round((samples.length / 8000) * 1000) : knownMs;
  const notes: string[] = [];
  let transcript: string | undefined;
  if (call.transcriber) {
    try {
      transcript = await call.transcriber.transcribe(samples, 8000, { signal: call.signal });
    } catch (e) {
      notes.push(`transcription failed: ${(e as Error).message}`);
    }
  }
  return { kind: "audio", mimetype: s.mimetype, sizeBytes: bytes.length, durationMs, images: [], waveform: [...computeWaveform(samples)], transcript, notes };
}

async function viewDocument(bytes: Uint8Array, s: Sniffed, hint: ViewHint, o: ViewOptions, engine: ViewEngine, call: ViewCall): Promise<MediaView> {
  const base = { kind: "document" as const, mimetype: s.mimetype, sizeBytes: bytes.length, images: [], notes: [] as string[] };
  if (s.type === "pdf") {
    let r: { totalPages: number; pages: string[] };
    try {
      r = await engine.pdfText(bytes, { maxPages: o.pages, timeoutMs: call.timeoutMs, signal: call.signal });
    } catch (e) {
      if (e instanceof FfmpegFailedError) throw new MediaError("unsupported_input", `Cannot read this PDF: ${e.message.replace(/^ffmpeg could not run the job: /, "")}`, { cause: e });
      throw e;
    }
    const f = formatPages(r.pages, r.totalPages);
    const notes = r.pages.every((p) => p.trim() === "") ? ["the pages read have no text layer (a scan?): download_media gives the file"] : [];
    return { ...base, text: f.text, pages: { total: r.totalPages, shown: f.shown }, truncated: f.truncated, notes };
  }
  if (s.type === "docx") {
    let text: string;
    try {
      text = await docxText(bytes);
    } catch (e) {
      throw new MediaError("unsupported_input", `Cannot read this Word document: ${(e as Error).message}`, { cause: e });
    }
    const c = cutText(text);
    return { ...base, text: c.text, truncated: c.truncated };
  }
  if (s.type === "text") {
    const c = cutText(decodeText(bytes));
    const mt = hint.mimetype && /^text\/(csv|tab-separated-values)\b/i.test(hint.mimetype) ? hint.mimetype.split(";")[0]!.toLowerCase() : s.mimetype;
    return { ...base, mimetype: mt, text: c.text, truncated: c.truncated };
  }
  throw new MediaError(
    "unsupported_input",
    `Cannot show a ${s.mimetype} file's content here (PDF, Word .docx, plain text and CSV can be read): use download_media for the file`,
  );
}

/**
 * Renders `bytes`. Throws `MediaError`: `too_large`, `unsupported_input` (what it is and what
 * would work), and the worker's codes (`timeout`, `worker_crashed`, `queue_full`...).
 */
export async function viewMedia(bytes: Uint8Array, hint: ViewHint, o: ViewOptions, engine: ViewEngine, call: ViewCall = {}): Promise<MediaView> {
  if (bytes.length === 0) throw new MediaError("unsupported_input", "The media is empty");
  if (bytes.length > MAX_VIEW_BYTES) {
    throw new MediaError("too_large", `The media is ${Math.round(bytes.length / 1024 / 1024)} MB; view_media reads up to ${MAX_VIEW_BYTES / 1024 / 1024} MB (download_media saves any size)`);
  }
  const s = sniff(bytes);
  if (hint.messageType === "sticker" && s.family === "image") return viewSticker(bytes, s, o, engine, call);
  switch (s.family) {
    case "image":
      return viewImage(bytes, s, s.type === "gif" ? "gif" : "image", o, engine, call);
    case "video":
      return viewVideo(bytes, s, o, engine, call);
    case "audio":
      return viewAudio(bytes, s, engine, call);
    default:
      return viewDocument(bytes, s, hint, o, engine, call);
  }
}

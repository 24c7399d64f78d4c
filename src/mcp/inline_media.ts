/**
 * Inline media for download_media: clients that cannot open local files (remote, sandboxed) still
 * get small images and short audio as MCP image/audio content. The type comes from the bytes (the
 * sender's mimetype is not trusted), and only formats clients render are inlined, under a size cap.
 */
import { sniff } from "../media/sniff.ts";
import { bytesToBase64 } from "../store/codec.ts";

/** Largest attachment returned inline (base64 grows it by a third). */
export const MAX_INLINE_BYTES = 1024 * 1024;

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
const AUDIO_TYPES = new Set(["audio/ogg", "audio/mpeg", "audio/mp4", "audio/wav", "audio/x-wav", "audio/webm", "audio/flac"]);

/** An MCP content block for the bytes, or null when they are too large or not an inlinable type. */
export function inlineContent(
  bytes: Uint8Array,
): { type: "image" | "audio"; data: string; mimeType: string } | null {
  if (bytes.length === 0 || bytes.length > MAX_INLINE_BYTES) return null;
  const s = sniff(bytes);
  const base = s.mimetype.split(";")[0].trim();
  if (s.family === "image" && IMAGE_TYPES.has(base)) return { type: "image", data: bytesToBase64(bytes), mimeType: base };
  if (s.family === "audio" && AUDIO_TYPES.has(base)) return { type: "audio", data: bytesToBase64(bytes), mimeType: base };
  return null;
}

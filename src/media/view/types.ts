/** What `view_media` makes of a message's media: shapes shared by the media worker side and the MCP tool. */

/** How to render. Every field has a default (`VIEW_DEFAULTS`) and bounds (`VIEW_BOUNDS`). */
export interface ViewOptions {
  /** Longest side of an image or frame, in pixels. */
  maxSide: number;
  /** Byte budget of all images together, in KB (a video's frames share it). */
  maxKb: number;
  /** Keyframes of a video (first, then evenly spaced). */
  frames: number;
  /** Pages of a document to read. */
  pages: number;
}

/** Defaults: what a vision model takes without further scaling (1568 px on the long side) and a budget a client accepts. */
export const VIEW_DEFAULTS: ViewOptions = { maxSide: 1568, maxKb: 750, frames: 3, pages: 20 };

/** Inclusive bounds of each option. */
export const VIEW_BOUNDS: { [K in keyof ViewOptions]: readonly [number, number] } = {
  maxSide: [64, 4096],
  maxKb: [16, 4096],
  frames: [1, 8],
  pages: [1, 200],
};

/** Most characters of document text returned; the rest is cut at a page boundary where possible. */
export const MAX_DOC_CHARS = 60_000;

/** One picture for the model. */
export interface ViewImage {
  mimeType: "image/jpeg" | "image/png" | "image/webp";
  data: Uint8Array;
  /** Where in a video this frame is. */
  atMs?: number;
}

/** The rendering of one attachment. */
export interface MediaView {
  kind: "image" | "sticker" | "gif" | "video" | "audio" | "document";
  /** The type found in the bytes (not the sender's claim). */
  mimetype: string;
  sizeBytes: number;
  durationMs?: number;
  images: ViewImage[];
  /** Document text, with `--- page N ---` lines for PDFs. */
  text?: string;
  /** PDFs: pages in the file and pages whose text is in `text`. */
  pages?: { total: number; shown: number };
  /** The text was cut (pages or characters). */
  truncated?: boolean;
  /** Audio: 64 loudness values 0..100 over the recording. */
  waveform?: number[];
  /** Audio: a transcript, when a transcription engine is configured. */
  transcript?: string;
  /** Things the model should know (a frame that could not be read, a budget that forced a smaller size). */
  notes: string[];
}

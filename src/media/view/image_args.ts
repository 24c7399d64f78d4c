/**
 * ffmpeg arguments that turn one picture (an image, or the frame of a video at a time) into
 * WebP at several qualities in one decode, so the caller can keep the best one under a byte
 * budget without decoding again (pure).
 *
 * WebP, not JPEG: in the ffmpeg.wasm core we ship, the mjpeg encoder traps ("memory access out
 * of bounds") or hangs on frames above about 1000 px at good quality, while libwebp encodes a
 * 1568 px picture reliably; vision models read WebP, and it keeps a sticker's transparency.
 */

/** libwebp qualities tried, best first (0-100). */
export const WEBP_QUALITIES = [80, 55, 30] as const;

/** Largest picture a decoder may allocate (about 50 MP): a hostile header cannot ask for gigabytes. */
export const MAX_PIXELS = 50_000_000;

/** Output file name of quality index `i`. */
export const qualityOutput = (i: number) => `q${i}.webp`;

/** A scale filter that fits the picture inside `maxSide`×`maxSide`, never enlarging it. */
export function fitFilter(maxSide: number): string {
  const s = Math.max(16, Math.floor(maxSide));
  return `scale=w='min(iw,${s})':h='min(ih,${s})':force_original_aspect_ratio=decrease`;
}

/** What to decode: an ffmpeg demuxer name, and for video a time to seek to (seconds). */
export interface PictureSource {
  demuxer: string;
  seekSec?: number;
}

/**
 * One run: decode the first picture (after seeking), scale it, write it as WebP at each of
 * `WEBP_QUALITIES` (`q0.webp`…). Metadata is dropped (EXIF can carry the place a photo was taken).
 */
export function webpLadderArgs(src: PictureSource, maxSide: number): string[] {
  const n = WEBP_QUALITIES.length;
  const labels = WEBP_QUALITIES.map((_, i) => `[o${i}]`).join("");
  const args = ["-hide_banner", "-v", "error", "-max_pixels", String(MAX_PIXELS)];
  if (src.seekSec !== undefined && src.seekSec > 0) args.push("-ss", src.seekSec.toFixed(3));
  args.push("-f", src.demuxer, "-i", "input", "-map_metadata", "-1");
  args.push("-filter_complex", `[0:v:0]${fitFilter(maxSide)},split=${n}${labels}`);
  WEBP_QUALITIES.forEach((q, i) =>
    args.push("-map", `[o${i}]`, "-frames:v", "1", "-c:v", "libwebp", "-quality", String(q), "-f", "webp", qualityOutput(i))
  );
  return args;
}

/** Index of the best quality whose size fits `maxBytes`, or -1 (pure). */
export function bestFit(sizes: number[], maxBytes: number): number {
  return sizes.findIndex((s) => s > 0 && s <= maxBytes);
}

/** Times (seconds) of `n` keyframes over `durationSec`: the first, then evenly spaced (pure). */
export function keyframeTimes(durationSec: number | undefined, n: number): number[] {
  if (!durationSec || !(durationSec > 0) || n <= 1) return [0];
  const count = Math.max(1, Math.floor(n));
  return Array.from({ length: count }, (_, i) => Math.round(((i * durationSec) / count) * 1000) / 1000);
}

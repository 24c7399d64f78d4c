/**
 * view_media's work between the tool and the media worker: the stored message, the cache
 * (by the hash the message announces, so a cached view needs no download and no link), the
 * verified download, the rendering, and the MCP content a model reads.
 */
import type { MediaView, ViewOptions } from "../media/view/types.ts";
import { bytesToBase64 } from "../store/codec.ts";
import { announcedSha256, fetchMedia, messageWithMedia } from "./media_fetch.ts";
import { ToolInputError } from "./results.ts";
import type { ResolvedDeps } from "./tool.ts";

/** Cache key of a rendering: content hash + options (pure). */
export function viewCacheKey(sha256: string, o: ViewOptions): string {
  return `${sha256}.s${o.maxSide}.k${o.maxKb}.f${o.frames}.p${o.pages}`;
}

/** A rendering, and whether it came from the cache. */
export interface ViewOutcome {
  view: MediaView;
  cached: boolean;
  messageType: string;
}

/** Renders a stored message's media (cache first). Throws `ToolInputError`/`MediaError` with reasons. */
export async function viewStoredMedia(deps: ResolvedDeps, chatJid: string, messageId: string, o: ViewOptions): Promise<ViewOutcome> {
  const m = await messageWithMedia(deps, chatJid, messageId);
  const view = deps.media.view;
  if (!view) throw new ToolInputError("view_media is not available: this server runs without its media worker.");
  const announced = announcedSha256(m);
  if (announced && deps.viewCache) {
    const hit = await deps.viewCache.get(viewCacheKey(announced, o)).catch(() => null);
    if (hit) return { view: hit, cached: true, messageType: m.type };
  }
  const got = await fetchMedia(deps, m);
  const rendered = await view.call(deps.media, got.bytes, { messageType: m.type, mimetype: got.mimetype }, o);
  if (deps.viewCache) {
    await deps.viewCache.put(viewCacheKey(got.sha256, o), rendered).catch((err) => deps.log.warn("view cache write failed", { error: err }));
  }
  return { view: rendered, cached: false, messageType: m.type };
}

/** A loudness sparkline of a waveform (16 steps), for the text block (pure). */
export function sparkline(waveform: number[], steps = 16): string {
  const bars = "▁▂▃▄▅▆▇█";
  if (waveform.length === 0) return "";
  const out: string[] = [];
  for (let i = 0; i < steps; i++) {
    const slice = waveform.slice(Math.floor((i * waveform.length) / steps), Math.max(Math.floor(((i + 1) * waveform.length) / steps), Math.floor((i * waveform.length) / steps) + 1));
    const v = Math.max(...slice);
    out.push(bars[Math.min(bars.length - 1, Math.floor((v / 101) * bars.length))]!);
  }
  return out.join("");
}

/** "12.3 s" / "4 min 05 s" (pure). */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "unknown length";
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, "0")} s`;
}

/** The trusted headline of a rendering (built from our own fields only, never sender text). */
export function viewHeadline(v: MediaView): string {
  const kb = (n: number) => `${Math.max(1, Math.round(n / 1024))} KB`;
  switch (v.kind) {
    case "image":
    case "gif":
    case "sticker":
      return `A ${v.kind} (${v.mimetype}, ${kb(v.sizeBytes)}), shown as ${v.images[0]?.mimeType ?? "no picture"} of ${kb(v.images[0]?.data.length ?? 0)}.`;
    case "video":
      return `A video of ${formatDuration(v.durationMs)} (${v.mimetype}, ${kb(v.sizeBytes)}): ${v.images.length} frame${v.images.length === 1 ? "" : "s"} at ` +
        v.images.map((i) => `${((i.atMs ?? 0) / 1000).toFixed(1)} s`).join(", ") + ".";
    case "audio":
      return `Audio of ${formatDuration(v.durationMs)} (${v.mimetype}). Loudness over time: ${sparkline(v.waveform ?? [])}` +
        (v.transcript === undefined ? " (no transcript: no transcription engine is configured)." : ".");
    case "document":
      return v.pages
        ? `A PDF of ${v.pages.total} page${v.pages.total === 1 ? "" : "s"}; the text of ${v.pages.shown} follows.`
        : `A ${v.mimetype} document (${kb(v.sizeBytes)}); its text follows.`;
  }
}

/** MCP image blocks of a rendering. */
export function imageBlocks(v: MediaView): Array<{ type: "image"; data: string; mimeType: string }> {
  return v.images.map((i) => ({ type: "image" as const, data: bytesToBase64(i.data), mimeType: i.mimeType }));
}

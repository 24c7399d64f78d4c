/**
 * What a media file is: type from the bytes, and for audio, video and images what ffprobe says
 * (duration, codecs, sample rate, channels, dimensions). Documents are not handed to ffmpeg.
 */
import { FfmpegFailedError, MediaError } from "./errors.ts";
import type { FfmpegExec } from "./ffmpeg/protocol.ts";
import { sniff, type Sniffed, type SniffedType } from "./sniff.ts";

/** One stream as ffprobe reports it. */
export interface ProbedStream {
  type: "audio" | "video" | "other";
  codec: string;
  sampleRate?: number;
  channels?: number;
  width?: number;
  height?: number;
}

/** The result of `probeMedia`. */
export interface MediaProbe {
  type: SniffedType;
  mimetype: string;
  family: Sniffed["family"];
  sizeBytes: number;
  /** Container duration in ms, when ffprobe knows it. */
  durationMs?: number;
  streams: ProbedStream[];
}

// Image demuxers: forcing them keeps ffprobe from guessing other formats.
const IMAGE_DEMUXER: Partial<Record<SniffedType, string>> = {
  jpeg: "jpeg_pipe",
  png: "png_pipe",
  gif: "gif",
  webp: "webp_pipe",
};

const num = (v: unknown): number | undefined => {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** Reads ffprobe's `-print_format json -show_format -show_streams` output (pure). */
export function parseFfprobeJson(stdout: string): { durationMs?: number; streams: ProbedStream[] } {
  let data: { streams?: Array<Record<string, unknown>>; format?: Record<string, unknown> };
  try {
    data = JSON.parse(stdout);
  } catch {
    return { streams: [] };
  }
  const streams: ProbedStream[] = (data.streams ?? []).map((s) => {
    const type = s.codec_type === "audio" ? "audio" : s.codec_type === "video" ? "video" : "other";
    const out: ProbedStream = { type, codec: String(s.codec_name ?? "unknown") };
    if (type === "audio") {
      out.sampleRate = num(s.sample_rate);
      out.channels = num(s.channels);
    } else if (type === "video") {
      out.width = num(s.width);
      out.height = num(s.height);
    }
    return out;
  });
  const seconds = num(data.format?.duration);
  return { durationMs: seconds !== undefined ? Math.round(seconds * 1000) : undefined, streams };
}

/**
 * Probes `bytes`. Audio/video that ffprobe cannot read is an error (`unsupported_input`); an image it
 * cannot read just comes back without dimensions; documents are only sniffed.
 */
export async function probeMedia(bytes: Uint8Array, ffmpeg: FfmpegExec, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<MediaProbe> {
  const s = sniff(bytes);
  const base: MediaProbe = { type: s.type, mimetype: s.mimetype, family: s.family, sizeBytes: bytes.length, streams: [] };
  const demuxer = s.demuxer ?? IMAGE_DEMUXER[s.type];
  if (!demuxer) return base;
  let stdout = "";
  try {
    const r = await ffmpeg.run({
      tool: "ffprobe",
      args: ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-f", demuxer, "input"],
      inputs: { input: bytes },
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    });
    stdout = r.stdout;
  } catch (e) {
    if (!(e instanceof FfmpegFailedError)) throw e;
  }
  const parsed = parseFfprobeJson(stdout);
  if (parsed.streams.length === 0 && s.family !== "image" && s.family !== "document") {
    throw new MediaError("unsupported_input", `Cannot read this ${s.mimetype} file: no audio or video stream could be decoded`);
  }
  return { ...base, ...parsed };
}

/**
 * Voice notes as WhatsApp plays them: Ogg/Opus, mono, 48 kHz, voice-tuned, with the real duration
 * and a 64-value waveform from the decoded sound (the system we replace sent a fake waveform and a
 * guessed duration). One ffmpeg run both encodes the Opus and decodes a low-rate PCM copy for the
 * waveform; Ogg/Opus input is passed through byte for byte and only decoded for the waveform.
 */
import { FfmpegFailedError, MediaError } from "./errors.ts";
import type { FfmpegExec } from "./ffmpeg/protocol.ts";
import { parseOgg } from "./ogg.ts";
import { sniff, type Sniffed, type SniffedType } from "./sniff.ts";
import { computeWaveform, pcmS16leToSamples } from "./waveform.ts";

/** MIME type WhatsApp expects for a voice note (`ptt: true`). */
export const VOICE_NOTE_MIMETYPE = "audio/ogg; codecs=opus";

/** Sample rate of the PCM decoded for the waveform: plenty for a loudness envelope, small for 5-minute notes. */
export const ENVELOPE_RATE = 8000;

/** A voice note ready for Baileys: `{ audio: bytes, mimetype, ptt: true, seconds, waveform }`. */
export interface VoiceNote {
  bytes: Uint8Array;
  mimetype: typeof VOICE_NOTE_MIMETYPE;
  /** Real duration in ms. */
  durationMs: number;
  /** Whole seconds for the message's `seconds` field (at least 1). */
  seconds: number;
  /** 64 values 0..100. */
  waveform: Uint8Array;
  /** False when Ogg/Opus input was passed through unchanged. */
  converted: boolean;
  /** What the input was. */
  source: SniffedType;
}

/** Options for one conversion. */
export interface VoiceNoteOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

// Audio, and the containers audio commonly arrives in (voice recorders write MP4/3GP/WebM).
const AUDIO_SOURCES = new Set<SniffedType>([
  "mp3", "aac", "m4a", "wav", "flac", "amr", "amr_wb",
  "ogg_opus", "ogg_vorbis", "ogg_flac", "ogg_speex",
  "mp4", "mov", "3gp", "webm", "mkv",
]);

const INPUT = "input";
const OUTPUT = "voice.ogg";
const ENVELOPE = "envelope.pcm";

// Only the first audio stream, no metadata (tags can carry names), nothing but audio.
function envelopeArgs(): string[] {
  return ["-map", "0:a:0", "-ac", "1", "-ar", String(ENVELOPE_RATE), "-c:a", "pcm_s16le", "-f", "s16le", ENVELOPE];
}

/** ffmpeg arguments to encode a voice note and the waveform PCM in one run (pure). */
export function voiceNoteArgs(demuxer: string): string[] {
  return [
    "-hide_banner", "-v", "error",
    "-f", demuxer, "-i", INPUT,
    "-map", "0:a:0", "-map_metadata", "-1", "-vn", "-sn", "-dn",
    "-c:a", "libopus", "-ac", "1", "-ar", "48000", "-application", "voip", "-b:a", "32k", "-vbr", "on",
    "-f", "ogg", OUTPUT,
    ...envelopeArgs(),
  ];
}

/** ffmpeg arguments to decode only the waveform PCM (pure). */
export function envelopeOnlyArgs(demuxer: string): string[] {
  return ["-hide_banner", "-v", "error", "-f", demuxer, "-i", INPUT, ...envelopeArgs()];
}

/** Throws `MediaError` `unsupported_input` unless the bytes can hold audio; returns what they are. */
export function checkVoiceSource(bytes: Uint8Array): Sniffed {
  if (bytes.length === 0) throw new MediaError("unsupported_input", "Cannot make a voice note from an empty file");
  const s = sniff(bytes);
  if (!AUDIO_SOURCES.has(s.type) || !s.demuxer) {
    throw new MediaError(
      "unsupported_input",
      `Cannot make a voice note from ${s.type === "unknown" ? "unrecognised data" : s.mimetype}: expected audio (mp3, wav, m4a/aac, ogg, opus, flac, amr)`,
    );
  }
  return s;
}

function translate(e: unknown, s: Sniffed): unknown {
  if (!(e instanceof FfmpegFailedError)) return e;
  if (/matches no streams|does not contain any stream|Output file .* does not contain/i.test(e.log)) {
    return new MediaError("no_audio_stream", `Cannot make a voice note: the ${s.mimetype} file has no audio track`, { cause: e });
  }
  return new MediaError("unsupported_input", `Cannot decode the audio in this ${s.mimetype} file (${e.message})`, { cause: e });
}

function finish(bytes: Uint8Array, durationMs: number, pcm: Uint8Array, converted: boolean, source: SniffedType): VoiceNote {
  if (!(durationMs > 0)) throw new MediaError("unsupported_input", "Cannot make a voice note: the audio decodes to nothing (zero length)");
  return {
    bytes,
    mimetype: VOICE_NOTE_MIMETYPE,
    durationMs,
    seconds: Math.max(1, Math.round(durationMs / 1000)),
    waveform: computeWaveform(pcmS16leToSamples(pcm)),
    converted,
    source,
  };
}

/**
 * Makes a voice note from audio bytes of any supported format (detected from the content).
 * Throws `MediaError` (`unsupported_input`, `no_audio_stream`, and the runner's codes).
 */
export async function makeVoiceNote(bytes: Uint8Array, ffmpeg: FfmpegExec, opts: VoiceNoteOptions = {}): Promise<VoiceNote> {
  const s = checkVoiceSource(bytes);
  const job = { inputs: { [INPUT]: bytes }, timeoutMs: opts.timeoutMs, signal: opts.signal };
  if (s.type === "ogg_opus") {
    const info = parseOgg(bytes);
    // Pass through only a clean single-stream file; anything odd is re-encoded.
    if (info && info.intact && info.streams === 1 && info.codec === "opus" && info.durationMs > 0) {
      try {
        const r = await ffmpeg.run({ ...job, args: envelopeOnlyArgs("ogg"), outputs: [ENVELOPE] });
        return finish(bytes, info.durationMs, r.outputs[ENVELOPE]!, false, s.type);
      } catch (e) {
        throw translate(e, s);
      }
    }
  }
  let r;
  try {
    r = await ffmpeg.run({ ...job, args: voiceNoteArgs(s.demuxer!), outputs: [OUTPUT, ENVELOPE] });
  } catch (e) {
    throw translate(e, s);
  }
  const out = r.outputs[OUTPUT]!;
  const info = parseOgg(out);
  if (!info || info.codec !== "opus") throw new MediaError("ffmpeg_failed", "The converter did not produce Ogg/Opus");
  return finish(out, info.durationMs, r.outputs[ENVELOPE]!, true, s.type);
}

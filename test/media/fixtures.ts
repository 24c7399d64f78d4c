// Test audio made here, in pure TypeScript (WAV, AMR) or by ffmpeg.wasm from that WAV, and small helpers.
import type { FfmpegExec } from "../../src/media/ffmpeg/protocol.ts";
import type { Clock } from "../../supervisors/mod.ts";

/** A stretch of mono sound: a sine at `freq` Hz (0 = silence) for `seconds`. */
export interface Segment {
  seconds: number;
  freq: number;
  amplitude?: number;
}

/** 16-bit PCM WAV of the segments, one after another. */
export function makeWav(segments: Segment[], sampleRate = 44100, channels = 1): Uint8Array {
  const frames = segments.reduce((n, s) => n + Math.round(s.seconds * sampleRate), 0);
  const dataLen = frames * channels * 2;
  const buf = new Uint8Array(44 + dataLen);
  const dv = new DataView(buf.buffer);
  const str = (at: number, s: string) => [...s].forEach((c, i) => (buf[at + i] = c.charCodeAt(0)));
  str(0, "RIFF");
  dv.setUint32(4, 36 + dataLen, true);
  str(8, "WAVE");
  str(12, "fmt ");
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true); // PCM
  dv.setUint16(22, channels, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * channels * 2, true);
  dv.setUint16(32, channels * 2, true);
  dv.setUint16(34, 16, true);
  str(36, "data");
  dv.setUint32(40, dataLen, true);
  let at = 44;
  for (const seg of segments) {
    const n = Math.round(seg.seconds * sampleRate);
    const amp = (seg.amplitude ?? 0.5) * 32767;
    for (let i = 0; i < n; i++) {
      const v = seg.freq > 0 ? Math.round(amp * Math.sin((2 * Math.PI * seg.freq * i) / sampleRate)) : 0;
      for (let c = 0; c < channels; c++, at += 2) dv.setInt16(at, v, true);
    }
  }
  return buf;
}

/**
 * AMR-NB file of `frames` 20 ms frames in mode 7 (12.2 kbit/s) with pseudo-random payload
 * (ffmpeg.wasm has an AMR decoder but no encoder). Decodes to noise of exactly frames × 20 ms.
 */
export function makeAmr(frames: number): Uint8Array {
  const header = new TextEncoder().encode("#!AMR\n");
  const out = new Uint8Array(header.length + frames * 32);
  out.set(header);
  let seed = 12345;
  for (let f = 0; f < frames; f++) {
    const at = header.length + f * 32;
    out[at] = (7 << 3) | 0x04; // frame type 7, quality bit set
    for (let i = 1; i < 32; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      out[at + i] = seed >>> 24;
    }
  }
  return out;
}

/** Encodes `wav` with ffmpeg.wasm using `codecArgs`, returning the file. */
export async function encode(ffmpeg: FfmpegExec, wav: Uint8Array, codecArgs: string[], outName: string): Promise<Uint8Array> {
  const r = await ffmpeg.run({
    args: ["-hide_banner", "-v", "error", "-f", "wav", "-i", "src.wav", ...codecArgs, outName],
    inputs: { "src.wav": wav },
    outputs: [outName],
  });
  return r.outputs[outName]!;
}

/** What ffprobe and a full decode say about an audio file: independent of the code under test. */
export async function inspectAudio(
  ffmpeg: FfmpegExec,
  bytes: Uint8Array,
): Promise<{ format: string; codec: string; sampleRate: number; channels: number; decodedSeconds: number }> {
  const probe = await ffmpeg.run({
    tool: "ffprobe",
    args: ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "input"],
    inputs: { input: bytes },
  });
  const info = JSON.parse(probe.stdout) as {
    format: { format_name: string };
    streams: Array<{ codec_type: string; codec_name: string; sample_rate: string; channels: number }>;
  };
  const audio = info.streams.find((s) => s.codec_type === "audio");
  if (!audio) throw new Error("no audio stream");
  // Decode at the stream's own rate and count samples: the true playable length.
  const rate = Number(audio.sample_rate);
  const dec = await ffmpeg.run({
    args: ["-v", "error", "-i", "input", "-map", "0:a:0", "-ac", "1", "-c:a", "pcm_s16le", "-f", "s16le", "out.pcm"],
    inputs: { input: bytes },
    outputs: ["out.pcm"],
  });
  return {
    format: info.format.format_name,
    codec: audio.codec_name,
    sampleRate: rate,
    channels: audio.channels,
    decodedSeconds: dec.outputs["out.pcm"]!.length / 2 / rate,
  };
}

/** A clock that only moves when told to (timeouts and idle stops without waiting). */
export function manualClock(): Pick<Clock, "setTimeout" | "clearTimeout"> & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = target;
    },
    pending: () => timers.size,
  };
}

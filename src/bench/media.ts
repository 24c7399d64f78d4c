/**
 * Media benchmark (for the `bench` command): MP3 → voice note with ffmpeg.wasm, cold (a new
 * runner: worker start + wasm compile + the job) and warm (median of repeated jobs), for 30 s and
 * 5 min of audio; and the same ffmpeg arguments with a native `ffmpeg` from PATH when there is one
 * (a development tool for comparison only, never a runtime dependency).
 *
 * Running the native binary is `src/bench/media_native.ts`'s job: process spawning stays with the
 * bench entry points.
 */
import { timeNativeFfmpeg } from "./media_native.ts";
import { FfmpegRunner } from "../media/ffmpeg/runner.ts";
import { makeVoiceNote, voiceNoteArgs } from "../media/voice_note.ts";

const WARM_RUNS = 3;

/** Mono 16-bit WAV, 44.1 kHz: a 220 Hz tone whose loudness varies like speech syllables, plus a little noise. */
function speechLikeWav(seconds: number): Uint8Array {
  const rate = 44100;
  const n = Math.round(seconds * rate);
  const out = new Uint8Array(44 + n * 2);
  const dv = new DataView(out.buffer);
  const str = (at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  str(0, "RIFF");
  dv.setUint32(4, 36 + n * 2, true);
  str(8, "WAVEfmt ");
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true);
  dv.setUint16(22, 1, true);
  dv.setUint32(24, rate, true);
  dv.setUint32(28, rate * 2, true);
  dv.setUint16(32, 2, true);
  dv.setUint16(34, 16, true);
  str(36, "data");
  dv.setUint32(40, n * 2, true);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    seed = (seed * 1103515245 + 12345) >>> 0;
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t);
    const v = envelope * (0.4 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 660 * t)) + ((seed >>> 16) / 65536 - 0.5) * 0.02;
    dv.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, Math.round(v * 32767))), true);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Times a native ffmpeg run of `args` over `inputs`, `times` times (ms each); undefined if unavailable. */
export type NativeFfmpegTimer = (args: string[], inputs: Record<string, Uint8Array>, times: number) => Promise<number[] | undefined>;

/** Runs the media benchmark and returns its numbers (milliseconds). `native: false` skips the native comparison. */
export async function runMediaBench(opts: { native?: NativeFfmpegTimer | false } = {}): Promise<object> {
  const native = opts.native === false ? undefined : (opts.native ?? timeNativeFfmpeg);
  const helper = new FfmpegRunner({ idleMs: 0 });
  const cases: Array<{ label: string; seconds: number; mp3: Uint8Array }> = [];
  try {
    for (const [label, seconds] of [["30s", 30], ["5min", 300]] as const) {
      const r = await helper.run({
        args: ["-v", "error", "-f", "wav", "-i", "in.wav", "-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3", "out.mp3"],
        inputs: { "in.wav": speechLikeWav(seconds) },
        outputs: ["out.mp3"],
      });
      cases.push({ label, seconds, mp3: r.outputs["out.mp3"]! });
    }
  } finally {
    await helper.close();
  }
  const results: Record<string, unknown> = {};
  for (const c of cases) {
    // Cold: a brand-new runner, so the time includes starting the worker and compiling the wasm.
    const runner = new FfmpegRunner({ idleMs: 0 });
    try {
      const t0 = performance.now();
      const first = await makeVoiceNote(c.mp3, runner);
      const coldMs = performance.now() - t0;
      const compileMs = runner.stats().lastCompileMs;
      const warm: number[] = [];
      for (let i = 0; i < WARM_RUNS; i++) {
        const t = performance.now();
        await makeVoiceNote(c.mp3, runner);
        warm.push(performance.now() - t);
      }
      const wasm = { coldMs: round(coldMs), warmMs: round(median(warm)), compileMs: compileMs === undefined ? undefined : round(compileMs) };
      // The very same arguments as the wasm job; the first run counts as cold.
      const nativeTimes = native ? await native(["-nostdin", "-y", ...voiceNoteArgs("mp3")], { input: c.mp3 }, 1 + WARM_RUNS) : undefined;
      const nativeMs = nativeTimes && { coldMs: round(nativeTimes[0]!), warmMs: round(median(nativeTimes.slice(1))) };
      results[c.label] = {
        inputBytes: c.mp3.length,
        outputBytes: first.bytes.length,
        durationMs: first.durationMs,
        wasm,
        native: nativeMs ?? (native ? "ffmpeg not on PATH (or it failed)" : "skipped"),
        warmRatioWasmToNative: nativeMs ? Math.round((wasm.warmMs / nativeMs.warmMs) * 100) / 100 : undefined,
      };
    } finally {
      await runner.close();
    }
  }
  return { voiceNoteFromMp3: results, warmRuns: WARM_RUNS };
}

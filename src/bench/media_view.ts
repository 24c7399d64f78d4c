/**
 * view_media benchmark (for `bench view`): a 12 MP photo scaled to the default 1568 px / 750 KB,
 * 3 keyframes of a 60 s video, and the text of a 50-page PDF, each cold (a new worker: start +
 * wasm compile + the job) and warm, with the largest ffmpeg.wasm instance memory of its jobs and
 * the process's peak resident memory while it ran (the worker lives in this process; RSS also holds
 * what earlier work left reserved, so it is an upper bound). Fixtures are made here by ffmpeg.wasm
 * and in code.
 */
import { residentMemoryBytes } from "../runtime/bench_host.ts";
import { FfmpegRunner } from "../media/ffmpeg/runner.ts";
import { MediaService } from "../media/service.ts";
import { makeTextPdf } from "../media/view/sample_files.ts";
import { VIEW_DEFAULTS } from "../media/view/types.ts";

const MiB = 1024 * 1024;
const round = (x: number) => Math.round(x * 10) / 10;

/** A 4000×3000 picture: gradients and a checkerboard, as raw RGB. */
function photoRgb(w: number, h: number): Uint8Array {
  const raw = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      raw[i] = (x * 255) / w;
      raw[i + 1] = (y * 255) / h;
      raw[i + 2] = ((x >> 6) ^ (y >> 6)) & 1 ? 200 : 40;
    }
  }
  return raw;
}

async function fixtures(): Promise<{ photo: Uint8Array; video: Uint8Array; pdf: Uint8Array }> {
  const ff = new FfmpegRunner({ idleMs: 0, defaultTimeoutMs: 600_000 });
  try {
    const photo = (await ff.run({
      args: ["-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "4000x3000", "-i", "raw.rgb", "-frames:v", "1", "-q:v", "6", "photo.jpg"],
      inputs: { "raw.rgb": photoRgb(4000, 3000) },
      outputs: ["photo.jpg"],
    })).outputs["photo.jpg"]!;
    const video = (await ff.run({
      args: ["-v", "error", "-f", "lavfi", "-i", "testsrc=duration=60:size=640x360:rate=25", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "clip.mp4"],
      outputs: ["clip.mp4"],
    })).outputs["clip.mp4"]!;
    const pdf = makeTextPdf(Array.from({ length: 50 }, (_, p) => Array.from({ length: 45 }, (_, l) => `Page ${p + 1}, line ${l + 1}: the minutes of the meeting, with numbers ${p * 45 + l}`)));
    return { photo, video, pdf };
  } finally {
    await ff.close();
  }
}

/** Runs `fn`, sampling resident memory every 5 ms; returns its time and the peak. */
async function measure<T>(fn: () => Promise<T>): Promise<{ ms: number; peakRssMiB: number; value: T }> {
  let peak = residentMemoryBytes();
  const timer = setInterval(() => (peak = Math.max(peak, residentMemoryBytes())), 2);
  const t0 = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - t0;
    peak = Math.max(peak, residentMemoryBytes());
    return { ms: round(ms), peakRssMiB: round(peak / MiB), value };
  } finally {
    clearInterval(timer);
  }
}

/** Runs the view benchmark and returns its numbers. */
export async function runViewBench(): Promise<object> {
  const fx = await fixtures();
  const cases = [
    { label: "photo12mp", bytes: fx.photo, opts: VIEW_DEFAULTS },
    { label: "video60s3frames", bytes: fx.video, opts: { ...VIEW_DEFAULTS, frames: 3 } },
    { label: "pdf50pages", bytes: fx.pdf, opts: { ...VIEW_DEFAULTS, pages: 50 } },
  ];
  const out: Record<string, unknown> = {};
  for (const c of cases) {
    const runner = new FfmpegRunner({ idleMs: 0 });
    let wasmPeak = 0;
    const svc = new MediaService({
      roots: [],
      ffmpeg: {
        run: async (job) => {
          const r = await runner.run(job);
          wasmPeak = Math.max(wasmPeak, r.memoryBytes ?? 0);
          return r;
        },
        pdfText: (b, o) => runner.pdfText(b, o),
      },
    });
    try {
      const baseline = round(residentMemoryBytes() / MiB);
      const cold = await measure(() => svc.view(c.bytes, {}, c.opts));
      const warm = await measure(() => svc.view(c.bytes, {}, c.opts));
      const v = warm.value;
      out[c.label] = {
        inputBytes: c.bytes.length,
        coldMs: cold.ms,
        warmMs: warm.ms,
        baselineRssMiB: baseline,
        peakRssMiB: Math.max(cold.peakRssMiB, warm.peakRssMiB),
        peakWasmMiB: wasmPeak ? round(wasmPeak / MiB) : undefined,
        result: {
          images: v.images.map((i) => i.data.length),
          durationMs: v.durationMs,
          pages: v.pages,
          textChars: v.text?.length,
        },
      };
    } finally {
      await runner.close();
    }
  }
  return out;
}

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FfmpegRunner } from "../../src/media/ffmpeg/runner.ts";
import { parseFfprobeJson, probeMedia } from "../../src/media/probe.ts";
import { MediaError } from "../../src/media/errors.ts";
import { encode, makeWav } from "./fixtures.ts";

describe("probing media", () => {
  let ffmpeg: FfmpegRunner;
  before(() => {
    ffmpeg = new FfmpegRunner({ idleMs: 0 });
  });
  after(async () => {
    await ffmpeg.close();
  });

  test("an image reports its dimensions", async () => {
    const r = await ffmpeg.run({
      args: ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=32x24:rate=1", "-frames:v", "1", "-c:v", "png", "-f", "image2", "out.png"],
      outputs: ["out.png"],
    });
    const p = await probeMedia(r.outputs["out.png"]!, ffmpeg);
    assert.equal(p.type, "png");
    assert.deepEqual(p.streams, [{ type: "video", codec: "png", width: 32, height: 24 }]);
  });

  test("a video with sound reports both streams and its duration", async () => {
    const r = await ffmpeg.run({
      args: [
        "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=2", "-f", "lavfi", "-i", "sine=duration=2",
        "-c:v", "mpeg4", "-c:a", "aac", "-shortest", "-f", "mp4", "v.mp4",
      ],
      outputs: ["v.mp4"],
    });
    const p = await probeMedia(r.outputs["v.mp4"]!, ffmpeg);
    assert.equal(p.family, "video");
    assert.deepEqual(p.streams.map((s) => s.type).sort(), ["audio", "video"]);
    assert.ok(Math.abs(p.durationMs! - 2000) <= 100, String(p.durationMs));
  });

  test("audio reports codec, rate and channels", async () => {
    const flac = await encode(ffmpeg, makeWav([{ seconds: 1, freq: 440 }], 22050, 2), ["-c:a", "flac", "-f", "flac"], "a.flac");
    const p = await probeMedia(flac, ffmpeg);
    assert.deepEqual(p.streams, [{ type: "audio", codec: "flac", sampleRate: 22050, channels: 2 }]);
  });

  test("documents are only sniffed; broken audio is an error", async () => {
    const before = ffmpeg.stats().jobsDone;
    const pdf = await probeMedia(new TextEncoder().encode("%PDF-1.7\n"), ffmpeg);
    assert.deepEqual([pdf.type, pdf.family, pdf.streams.length], ["pdf", "document", 0]);
    assert.equal(ffmpeg.stats().jobsDone, before);
    // A RIFF/WAVE header with no fmt chunk: looks like WAV, holds no stream.
    const broken = new Uint8Array([...new TextEncoder().encode("RIFF"), 0, 0, 0, 0, ...new TextEncoder().encode("WAVEjunkjunkjunkjunk")]);
    await assert.rejects(probeMedia(broken, ffmpeg), (e: unknown) => e instanceof MediaError && e.code === "unsupported_input");
  });

  test("ffprobe JSON is read tolerantly", () => {
    assert.deepEqual(parseFfprobeJson("not json"), { streams: [] });
    assert.deepEqual(parseFfprobeJson('{"streams":[{"codec_type":"data","codec_name":"bin_data"}],"format":{"duration":"N/A"}}'), {
      durationMs: undefined,
      streams: [{ type: "other", codec: "bin_data" }],
    });
  });
});

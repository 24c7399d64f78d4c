import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FfmpegRunner } from "../../src/media/ffmpeg/runner.ts";
import { makeVoiceNote, VOICE_NOTE_MIMETYPE } from "../../src/media/voice_note.ts";
import { MediaError } from "../../src/media/errors.ts";
import { parseOgg } from "../../src/media/ogg.ts";
import { sniff } from "../../src/media/sniff.ts";
import { encode, inspectAudio, makeAmr, makeWav } from "./fixtures.ts";

const SECONDS = 3;

describe("voice notes", () => {
  let ffmpeg: FfmpegRunner;
  let wav: Uint8Array;

  before(() => {
    ffmpeg = new FfmpegRunner({ idleMs: 0 });
    wav = makeWav([{ seconds: SECONDS, freq: 440 }], 44100, 2);
  });
  after(async () => {
    await ffmpeg.close();
  });

  // Each input: how to make it from the WAV, and the type the sniffer must see.
  const inputs: Array<{ name: string; type: string; make: () => Promise<Uint8Array> }> = [
    { name: "wav", type: "wav", make: async () => wav },
    { name: "mp3", type: "mp3", make: () => encode(ffmpeg, wav, ["-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"], "a.mp3") },
    { name: "m4a (iTunes brand)", type: "m4a", make: () => encode(ffmpeg, wav, ["-c:a", "aac", "-f", "ipod"], "a.m4a") },
    { name: "m4a (generic isom brand)", type: "m4a", make: () => encode(ffmpeg, wav, ["-c:a", "aac", "-f", "mp4"], "a.mp4") },
    { name: "aac (ADTS)", type: "aac", make: () => encode(ffmpeg, wav, ["-c:a", "aac", "-f", "adts"], "a.aac") },
    { name: "ogg/vorbis", type: "ogg_vorbis", make: () => encode(ffmpeg, wav, ["-c:a", "libvorbis", "-f", "ogg"], "a.ogg") },
    { name: "flac", type: "flac", make: () => encode(ffmpeg, wav, ["-c:a", "flac", "-f", "flac"], "a.flac") },
    // This ffmpeg.wasm build's libopus crashes on stereo input (we always encode mono); ffmpeg's own encoder does stereo.
    { name: "webm/opus", type: "webm", make: () => encode(ffmpeg, wav, ["-c:a", "opus", "-strict", "-2", "-f", "webm"], "a.webm") },
  ];

  for (const input of inputs) {
    test(`${input.name} becomes ogg/opus mono 48 kHz with the input's duration`, async () => {
      const bytes = await input.make();
      assert.equal(sniff(bytes).type, input.type);
      const note = await makeVoiceNote(bytes, ffmpeg);
      assert.equal(note.mimetype, VOICE_NOTE_MIMETYPE);
      assert.equal(note.converted, true);
      const seen = await inspectAudio(ffmpeg, note.bytes);
      assert.equal(seen.format, "ogg");
      assert.equal(seen.codec, "opus");
      assert.equal(seen.sampleRate, 48000);
      assert.equal(seen.channels, 1);
      assert.ok(Math.abs(seen.decodedSeconds - SECONDS) <= 0.1, `decoded ${seen.decodedSeconds} s, expected ${SECONDS}`);
      assert.ok(Math.abs(note.durationMs / 1000 - SECONDS) <= 0.1, `reported ${note.durationMs} ms`);
      assert.equal(note.seconds, SECONDS);
      assert.equal(note.waveform.length, 64);
      // A steady tone: every bucket loud (the edges may hold an encoder's fade-in/priming).
      assert.ok(Math.min(...note.waveform.slice(2, -2)) >= 80, `waveform ${[...note.waveform]}`);
    });
  }

  test("amr (handmade AMR-NB frames) becomes a voice note of exactly its frame time", async () => {
    const amr = makeAmr(150); // 150 × 20 ms = 3 s
    assert.equal(sniff(amr).type, "amr");
    const note = await makeVoiceNote(amr, ffmpeg);
    const seen = await inspectAudio(ffmpeg, note.bytes);
    assert.equal(seen.codec, "opus");
    assert.equal(seen.channels, 1);
    assert.ok(Math.abs(seen.decodedSeconds - 3) <= 0.1, `decoded ${seen.decodedSeconds} s`);
    assert.ok(Math.abs(note.durationMs - 3000) <= 100);
  });

  test("ogg/opus input passes through unchanged, with its granule duration and a computed waveform", async () => {
    const stereo = makeWav([{ seconds: 1, freq: 0 }, { seconds: 1.5, freq: 300 }], 48000, 2);
    const opus = await encode(ffmpeg, stereo, ["-c:a", "opus", "-strict", "-2", "-f", "ogg"], "a.opus");
    assert.equal(sniff(opus).type, "ogg_opus");
    const note = await makeVoiceNote(opus, ffmpeg);
    assert.equal(note.converted, false);
    assert.deepEqual(note.bytes, opus);
    const seen = await inspectAudio(ffmpeg, opus);
    assert.ok(Math.abs(note.durationMs / 1000 - seen.decodedSeconds) <= 0.02, `${note.durationMs} ms vs decoded ${seen.decodedSeconds} s`);
    assert.ok(Math.abs(note.durationMs - 2500) <= 100);
    assert.ok(note.waveform.slice(0, 24).every((v) => v <= 5), `start should be silent: ${[...note.waveform]}`);
    assert.ok(note.waveform.slice(28).every((v) => v >= 70), `end should be loud: ${[...note.waveform]}`);
  });

  test("a damaged ogg/opus file is re-encoded rather than passed through", async () => {
    const opus = await encode(ffmpeg, makeWav([{ seconds: 2, freq: 300 }], 48000, 1), ["-c:a", "libopus", "-f", "ogg"], "a.opus");
    const damaged = opus.slice();
    damaged[damaged.length - 10] ^= 0xff; // breaks the last page's CRC
    assert.equal(parseOgg(damaged)?.intact, false);
    const note = await makeVoiceNote(damaged, ffmpeg);
    assert.equal(note.converted, true);
    assert.equal(parseOgg(note.bytes)?.intact, true);
  });

  test("silence then tone gives low then high waveform values", async () => {
    const input = makeWav([{ seconds: 2, freq: 0 }, { seconds: 2, freq: 500, amplitude: 0.8 }]);
    const note = await makeVoiceNote(input, ffmpeg);
    const w = [...note.waveform];
    assert.equal(w.length, 64);
    assert.ok(w.every((v) => Number.isInteger(v) && v >= 0 && v <= 100));
    assert.ok(w.slice(0, 30).every((v) => v <= 5), `first half should be low: ${w}`);
    assert.ok(w.slice(34).every((v) => v >= 80), `second half should be high: ${w}`);
    assert.equal(Math.max(...w), 100);
  });

  test("non-audio input is refused with a MediaError before any conversion", async () => {
    const before = ffmpeg.stats().jobsDone + ffmpeg.stats().jobsFailed;
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const pdf = new TextEncoder().encode("%PDF-1.7\n1 0 obj\n");
    const text = new TextEncoder().encode("hello, this is not audio\n");
    const random = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 251);
    for (const bytes of [png, pdf, text, random, new Uint8Array(0)]) {
      await assert.rejects(makeVoiceNote(bytes, ffmpeg), (e: unknown) => e instanceof MediaError && e.code === "unsupported_input");
    }
    assert.equal(ffmpeg.stats().jobsDone + ffmpeg.stats().jobsFailed, before);
  });

  test("a video without an audio track is refused as no_audio_stream", async () => {
    const r = await ffmpeg.run({
      args: ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=1", "-c:v", "mpeg4", "-f", "mp4", "v.mp4"],
      outputs: ["v.mp4"],
    });
    const video = r.outputs["v.mp4"]!;
    assert.equal(sniff(video).type, "mp4");
    await assert.rejects(makeVoiceNote(video, ffmpeg), (e: unknown) => e instanceof MediaError && e.code === "no_audio_stream");
  });

  test("audio-looking bytes that do not decode are refused as unsupported_input", async () => {
    const id3Only = new Uint8Array(2000);
    id3Only.set([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]); // an ID3 tag of size 0, then nothing
    const flac = new TextEncoder().encode("fLaC\u0000\u0000\u0000\u0000garbage garbage");
    const wav = new Uint8Array([...new TextEncoder().encode("RIFF"), 0, 0, 0, 0, ...new TextEncoder().encode("WAVEjunkjunkjunkjunk")]);
    for (const bytes of [id3Only, flac, wav]) {
      await assert.rejects(makeVoiceNote(bytes, ffmpeg), (e: unknown) => e instanceof MediaError && e.code === "unsupported_input" && /Cannot decode/.test(e.message));
    }
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { computeWaveform, pcmS16leToSamples, WAVEFORM_BUCKETS } from "../../src/media/waveform.ts";
import { parseOgg } from "../../src/media/ogg.ts";

// Ogg page CRC, written independently of the code under test (bitwise, straight from RFC 3533).
function crc(page: Uint8Array): number {
  let c = 0;
  for (const byte of page) {
    c ^= byte << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  }
  return c >>> 0;
}

// One Ogg page holding one packet.
function page(opts: { serial: number; seq: number; granule: number; flags: number; packet: Uint8Array }): Uint8Array {
  const { packet } = opts;
  const segs: number[] = [];
  let left = packet.length;
  while (left >= 255) {
    segs.push(255);
    left -= 255;
  }
  segs.push(left);
  const p = new Uint8Array(27 + segs.length + packet.length);
  const dv = new DataView(p.buffer);
  p.set([0x4f, 0x67, 0x67, 0x53]);
  p[5] = opts.flags;
  dv.setUint32(6, opts.granule % 2 ** 32, true);
  dv.setUint32(10, Math.floor(opts.granule / 2 ** 32), true);
  dv.setUint32(14, opts.serial, true);
  dv.setUint32(18, opts.seq, true);
  p[26] = segs.length;
  p.set(segs, 27);
  p.set(packet, 27 + segs.length);
  dv.setUint32(22, crc(p), true);
  return p;
}

const opusHead = (channels: number, preSkip: number) => {
  const h = new Uint8Array(19);
  h.set(new TextEncoder().encode("OpusHead"));
  h[8] = 1;
  h[9] = channels;
  h[10] = preSkip & 255;
  h[11] = preSkip >> 8;
  new DataView(h.buffer).setUint32(12, 44100, true);
  return h;
};

function opusFile(granules: number[], preSkip = 312): Uint8Array {
  const pages = [
    page({ serial: 7, seq: 0, granule: 0, flags: 2, packet: opusHead(1, preSkip) }),
    page({ serial: 7, seq: 1, granule: 0, flags: 0, packet: new TextEncoder().encode("OpusTags\0\0\0\0\0\0\0\0") }),
    ...granules.map((g, i) => page({ serial: 7, seq: i + 2, granule: g, flags: i === granules.length - 1 ? 4 : 0, packet: new Uint8Array(300) })),
  ];
  const out = new Uint8Array(pages.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pages) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("ogg reading", () => {
  test("opus duration is the last granule minus the pre-skip, at 48 kHz", () => {
    const info = parseOgg(opusFile([48000, 96000, 48000 * 2.5 + 312]))!;
    assert.equal(info.codec, "opus");
    assert.equal(info.channels, 1);
    assert.equal(info.preSkip, 312);
    assert.equal(info.durationMs, 2500);
    assert.equal(info.streams, 1);
    assert.equal(info.intact, true);
  });

  test("pages without a finished packet (granule -1) do not count", () => {
    const bytes = opusFile([48000 + 312, 0]);
    // Rewrite the last page's granule to all ones (-1) and recompute its CRC.
    const last = bytes.length - (27 + 2 + 300);
    bytes.fill(0xff, last + 6, last + 14);
    bytes.fill(0, last + 22, last + 26);
    new DataView(bytes.buffer).setUint32(last + 22, crc(bytes.subarray(last)), true);
    const info = parseOgg(bytes)!;
    assert.equal(info.intact, true);
    assert.equal(info.durationMs, 1000);
  });

  test("a flipped byte, a truncated page or trailing junk mark the file as not intact", () => {
    const good = opusFile([48000 + 312]);
    const flipped = good.slice();
    flipped[flipped.length - 5] ^= 1;
    assert.equal(parseOgg(flipped)!.intact, false);
    assert.equal(parseOgg(good.subarray(0, good.length - 10))!.intact, false);
    const junk = new Uint8Array(good.length + 3);
    junk.set(good);
    assert.equal(parseOgg(junk)!.intact, false);
  });

  test("non-Ogg bytes give undefined", () => {
    assert.equal(parseOgg(new TextEncoder().encode("RIFF....WAVE")), undefined);
  });

  test("the first of several streams that is audio is the one measured, and several streams are reported", () => {
    const a = opusFile([48000 + 312]);
    const b = page({ serial: 9, seq: 0, granule: 0, flags: 2, packet: new TextEncoder().encode("\x80theora-ish header") });
    const both = new Uint8Array(b.length + a.length);
    both.set(b);
    both.set(a, b.length);
    const info = parseOgg(both)!;
    assert.equal(info.codec, "opus");
    assert.equal(info.streams, 2);
    assert.equal(info.durationMs, 1000);
  });
});

describe("waveform", () => {
  test("has 64 values 0..100 and follows loudness: silence low, loud high, half-loud in between", () => {
    const n = 64 * 100;
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const amp = i < n / 4 ? 0 : i < n / 2 ? 0.25 : 0.5;
      s[i] = amp * Math.sin(i / 3);
    }
    const w = computeWaveform(s);
    assert.equal(w.length, WAVEFORM_BUCKETS);
    assert.ok(w.slice(0, 16).every((v) => v === 0));
    assert.ok(w.slice(16, 32).every((v) => v >= 45 && v <= 55), `${[...w]}`);
    assert.ok(w.slice(32).every((v) => v >= 95));
    assert.equal(Math.max(...w), 100);
  });

  test("digital silence is all zeros (no division by zero), and so is empty input", () => {
    assert.deepEqual([...computeWaveform(new Int16Array(48000))], new Array(64).fill(0));
    assert.deepEqual([...computeWaveform(new Int16Array(0))], new Array(64).fill(0));
  });

  test("near-silent hiss is not stretched to full height", () => {
    const s = new Int16Array(8000).map((_, i) => (i % 2 ? 3 : -3)); // about -80 dBFS
    assert.ok(Math.max(...computeWaveform(s)) < 10);
  });

  test("fewer samples than buckets still gives 64 values", () => {
    const w = computeWaveform(new Int16Array([0, 10000, 0, 20000]));
    assert.equal(w.length, 64);
    assert.equal(Math.max(...w), 100);
  });

  test("s16le bytes decode to the right samples even when unaligned", () => {
    const bytes = new Uint8Array([0, 0x01, 0x80, 0xff, 0x7f]);
    const samples = pcmS16leToSamples(bytes.subarray(1)); // odd offset
    assert.deepEqual([...samples], [-32767, 32767]);
  });
});

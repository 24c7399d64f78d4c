/**
 * Ogg container reading, pure: codec of the first audio stream, its real duration from the
 * granule position of its last page (Opus: minus the pre-skip, at 48 kHz), and whether every page
 * is intact (capture pattern, lengths, CRC). Used to pass ogg/opus voice notes through unchanged
 * and to measure what ffmpeg produced.
 */

/** What an Ogg file holds. */
export interface OggInfo {
  codec: "opus" | "vorbis" | "flac" | "speex" | "theora" | "unknown";
  /** Channels from the stream's identification header (0 if unknown). */
  channels: number;
  /** Rate the granule positions count in (Opus: always 48000). 0 if unknown. */
  granuleRate: number;
  /** Opus pre-skip in 48 kHz samples (0 for other codecs). */
  preSkip: number;
  /** Duration of the stream in milliseconds (0 if it cannot be told). */
  durationMs: number;
  /** Number of logical streams (a voice note has exactly one). */
  streams: number;
  /** Every page had a valid header, length and CRC, and nothing trailed the last page. */
  intact: boolean;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

// Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial 0, computed with the CRC field zeroed.
function pageCrc(b: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    const byte = i >= start + 22 && i < start + 26 ? 0 : b[i]!;
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  }
  return crc;
}

function u32le(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function ascii(b: Uint8Array, at: number, len: number): string {
  let s = "";
  for (let i = at; i < at + len && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

interface Stream {
  serial: number;
  codec: OggInfo["codec"];
  channels: number;
  granuleRate: number;
  preSkip: number;
  lastGranule: number;
}

function identify(b: Uint8Array, at: number, len: number, serial: number): Stream {
  const s: Stream = { serial, codec: "unknown", channels: 0, granuleRate: 0, preSkip: 0, lastGranule: -1 };
  if (len >= 19 && ascii(b, at, 8) === "OpusHead") {
    s.codec = "opus";
    s.channels = b[at + 9]!;
    s.preSkip = b[at + 10]! | (b[at + 11]! << 8);
    s.granuleRate = 48000;
  } else if (len >= 16 && b[at] === 1 && ascii(b, at + 1, 6) === "vorbis") {
    s.codec = "vorbis";
    s.channels = b[at + 11]!;
    s.granuleRate = u32le(b, at + 12);
  } else if (len >= 9 && b[at] === 0x7f && ascii(b, at + 1, 4) === "FLAC") {
    s.codec = "flac";
    // STREAMINFO follows the 13-byte Ogg FLAC header and the 4-byte block header: 20-bit rate, 3-bit channels-1.
    if (len >= 13 + 4 + 18) {
      const si = at + 17;
      s.granuleRate = (b[si + 10]! << 12) | (b[si + 11]! << 4) | (b[si + 12]! >> 4);
      s.channels = ((b[si + 12]! >> 1) & 7) + 1;
    }
  } else if (len >= 52 && ascii(b, at, 8) === "Speex   ") {
    s.codec = "speex";
    s.granuleRate = u32le(b, at + 36);
    s.channels = u32le(b, at + 48);
  } else if (len >= 7 && b[at] === 0x80 && ascii(b, at + 1, 6) === "theora") {
    s.codec = "theora";
  }
  return s;
}

/** Reads an Ogg file. Returns undefined if `bytes` does not start with an Ogg page. */
export function parseOgg(bytes: Uint8Array): OggInfo | undefined {
  const b = bytes;
  if (ascii(b, 0, 4) !== "OggS") return undefined;
  const streams = new Map<number, Stream>();
  let intact = true;
  let at = 0;
  while (at < b.length) {
    if (at + 27 > b.length || ascii(b, at, 4) !== "OggS" || b[at + 4] !== 0) {
      intact = false;
      break;
    }
    const headerType = b[at + 5]!;
    const granLo = u32le(b, at + 6);
    const granHi = u32le(b, at + 10);
    const serial = u32le(b, at + 14);
    const crc = u32le(b, at + 22);
    const nseg = b[at + 26]!;
    if (at + 27 + nseg > b.length) {
      intact = false;
      break;
    }
    let bodyLen = 0;
    for (let i = 0; i < nseg; i++) bodyLen += b[at + 27 + i]!;
    const bodyAt = at + 27 + nseg;
    const end = bodyAt + bodyLen;
    if (end > b.length) {
      intact = false;
      break;
    }
    if (pageCrc(b, at, end) !== crc) intact = false;
    if (headerType & 0x02 && !streams.has(serial)) {
      // Beginning of stream: the first packet is the identification header (it fits in the first page).
      streams.set(serial, identify(b, bodyAt, bodyLen, serial));
    }
    const st = streams.get(serial);
    // Granule -1 (all ones) marks a page on which no packet ends.
    if (st && !(granLo === 0xffffffff && granHi === 0xffffffff)) st.lastGranule = granHi * 2 ** 32 + granLo;
    at = end;
  }
  const audio = [...streams.values()].find((s) => s.codec !== "unknown" && s.codec !== "theora");
  const main = audio ?? streams.values().next().value;
  if (!main) return { codec: "unknown", channels: 0, granuleRate: 0, preSkip: 0, durationMs: 0, streams: 0, intact: false };
  const samples = Math.max(0, main.lastGranule - main.preSkip);
  const durationMs = main.granuleRate > 0 && main.lastGranule >= 0 ? Math.round((samples * 1000) / main.granuleRate) : 0;
  return {
    codec: main.codec,
    channels: main.channels,
    granuleRate: main.granuleRate,
    preSkip: main.preSkip,
    durationMs,
    streams: streams.size,
    intact,
  };
}

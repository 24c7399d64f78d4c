/**
 * Content type from the bytes themselves (magic numbers), never from a file name: a name is
 * whatever the sender or the model says it is. Pure; looks only at the bytes it is given
 * (the first 64 KiB is plenty for everything except telling audio-only MP4 from video, for which
 * the `moov` box must be among the bytes).
 */

/** Every type this module recognises. */
export type SniffedType =
  | "jpeg" | "png" | "gif" | "webp" | "heic" | "avif"
  | "mp4" | "m4a" | "mov" | "3gp" | "webm" | "mkv"
  | "ogg_opus" | "ogg_vorbis" | "ogg_flac" | "ogg_speex" | "ogg_video" | "ogg"
  | "mp3" | "aac" | "wav" | "flac" | "amr" | "amr_wb"
  | "pdf" | "docx" | "xlsx" | "pptx" | "odt" | "ods" | "odp" | "zip" | "ole"
  | "text" | "unknown";

/** What the bytes are, with what to call them. */
export interface Sniffed {
  type: SniffedType;
  /** MIME type to label the content with. */
  mimetype: string;
  /** Usual file extension, without the dot. */
  ext: string;
  /** Broad family, by what the bytes can hold (an MP4 is "video" unless it is known to be audio only). */
  family: "image" | "video" | "audio" | "document";
  /** ffmpeg demuxer name (`-f`) for audio/video containers: forcing it stops ffmpeg from guessing another format. */
  demuxer?: string;
}

const INFO: Record<SniffedType, Omit<Sniffed, "type">> = {
  jpeg: { mimetype: "image/jpeg", ext: "jpg", family: "image" },
  png: { mimetype: "image/png", ext: "png", family: "image" },
  gif: { mimetype: "image/gif", ext: "gif", family: "image" },
  webp: { mimetype: "image/webp", ext: "webp", family: "image" },
  // WhatsApp does not show HEIC/AVIF inline: they travel as documents.
  heic: { mimetype: "image/heic", ext: "heic", family: "document" },
  avif: { mimetype: "image/avif", ext: "avif", family: "document" },
  mp4: { mimetype: "video/mp4", ext: "mp4", family: "video", demuxer: "mov" },
  m4a: { mimetype: "audio/mp4", ext: "m4a", family: "audio", demuxer: "mov" },
  mov: { mimetype: "video/quicktime", ext: "mov", family: "video", demuxer: "mov" },
  "3gp": { mimetype: "video/3gpp", ext: "3gp", family: "video", demuxer: "mov" },
  webm: { mimetype: "video/webm", ext: "webm", family: "video", demuxer: "matroska" },
  mkv: { mimetype: "video/x-matroska", ext: "mkv", family: "video", demuxer: "matroska" },
  ogg_opus: { mimetype: "audio/ogg; codecs=opus", ext: "ogg", family: "audio", demuxer: "ogg" },
  ogg_vorbis: { mimetype: "audio/ogg", ext: "ogg", family: "audio", demuxer: "ogg" },
  ogg_flac: { mimetype: "audio/ogg", ext: "oga", family: "audio", demuxer: "ogg" },
  ogg_speex: { mimetype: "audio/ogg", ext: "spx", family: "audio", demuxer: "ogg" },
  ogg_video: { mimetype: "video/ogg", ext: "ogv", family: "video", demuxer: "ogg" },
  ogg: { mimetype: "application/ogg", ext: "ogx", family: "document", demuxer: "ogg" },
  mp3: { mimetype: "audio/mpeg", ext: "mp3", family: "audio", demuxer: "mp3" },
  aac: { mimetype: "audio/aac", ext: "aac", family: "audio", demuxer: "aac" },
  wav: { mimetype: "audio/wav", ext: "wav", family: "audio", demuxer: "wav" },
  flac: { mimetype: "audio/flac", ext: "flac", family: "audio", demuxer: "flac" },
  amr: { mimetype: "audio/amr", ext: "amr", family: "audio", demuxer: "amr" },
  amr_wb: { mimetype: "audio/amr-wb", ext: "awb", family: "audio", demuxer: "amr" },
  pdf: { mimetype: "application/pdf", ext: "pdf", family: "document" },
  docx: { mimetype: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ext: "docx", family: "document" },
  xlsx: { mimetype: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ext: "xlsx", family: "document" },
  pptx: { mimetype: "application/vnd.openxmlformats-officedocument.presentationml.presentation", ext: "pptx", family: "document" },
  odt: { mimetype: "application/vnd.oasis.opendocument.text", ext: "odt", family: "document" },
  ods: { mimetype: "application/vnd.oasis.opendocument.spreadsheet", ext: "ods", family: "document" },
  odp: { mimetype: "application/vnd.oasis.opendocument.presentation", ext: "odp", family: "document" },
  zip: { mimetype: "application/zip", ext: "zip", family: "document" },
  // OLE2 compound file: legacy .doc/.xls/.ppt/.msg, told apart only by name.
  ole: { mimetype: "application/x-ole-storage", ext: "bin", family: "document" },
  text: { mimetype: "text/plain; charset=utf-8", ext: "txt", family: "document" },
  unknown: { mimetype: "application/octet-stream", ext: "bin", family: "document" },
};

/** The label for a type (e.g. to describe what was expected). */
export function describeType(type: SniffedType): Sniffed {
  return { type, ...INFO[type] };
}

function ascii(b: Uint8Array, at: number, len: number): string {
  let s = "";
  for (let i = at; i < at + len && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function startsWith(b: Uint8Array, sig: number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}

/** Detects the content type of `bytes`. */
export function sniff(bytes: Uint8Array): Sniffed {
  return describeType(sniffType(bytes));
}

function sniffType(b: Uint8Array): SniffedType {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  const head6 = ascii(b, 0, 6);
  if (head6 === "GIF87a" || head6 === "GIF89a") return "gif";
  if (ascii(b, 0, 4) === "RIFF" && b.length >= 12) {
    const form = ascii(b, 8, 4);
    if (form === "WEBP") return "webp";
    if (form === "WAVE") return "wav";
  }
  if (ascii(b, 0, 4) === "RF64" && ascii(b, 8, 4) === "WAVE") return "wav";
  if (ascii(b, 4, 4) === "ftyp") return sniffIsoBmff(b);
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return sniffEbml(b);
  if (ascii(b, 0, 4) === "OggS") return sniffOgg(b);
  if (ascii(b, 0, 4) === "fLaC") return "flac";
  if (ascii(b, 0, 9) === "#!AMR-WB\n") return "amr_wb";
  if (ascii(b, 0, 6) === "#!AMR\n") return "amr";
  if (ascii(b, 0, 5) === "%PDF-") return "pdf";
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04])) return sniffZip(b);
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return "ole";
  const mpeg = sniffMpegAudio(b);
  if (mpeg) return mpeg;
  if (looksLikeText(b)) return "text";
  return "unknown";
}

// ISO base media (MP4 family): the major and compatible brands in `ftyp` say what it is.
function sniffIsoBmff(b: Uint8Array): SniffedType {
  const size = u32be(b, 0);
  const brands: string[] = [ascii(b, 8, 4)];
  for (let at = 16; at + 4 <= Math.min(size, b.length); at += 4) brands.push(ascii(b, at, 4));
  const major = brands[0]!;
  if (major === "avif" || major === "avis") return "avif";
  if (["heic", "heix", "heim", "heis", "mif1", "msf1"].includes(major)) {
    return brands.includes("avif") || brands.includes("avis") ? "avif" : "heic";
  }
  if (major === "M4A " || major === "M4B " || major === "M4P " || major === "F4A ") return "m4a";
  if (major === "qt  ") return "mov";
  if (major.startsWith("3g")) return "3gp";
  // Generic brands (isom, mp41, mp42, dash...): audio only if the tracks say so.
  const handlers = trackHandlers(b);
  if (handlers.length > 0 && !handlers.includes("vide") && handlers.includes("soun")) return "m4a";
  return "mp4";
}

// Handler types (`vide`, `soun`...) of the tracks in `moov`, if `moov` is within the bytes.
function trackHandlers(b: Uint8Array): string[] {
  const out: string[] = [];
  const walk = (start: number, end: number, depth: number) => {
    for (let at = start; at + 8 <= end; ) {
      let size = u32be(b, at);
      const type = ascii(b, at + 4, 4);
      let header = 8;
      if (size === 1) {
        if (at + 16 > end) return;
        // 64-bit size: the high word must be 0 for anything we could hold in memory.
        if (u32be(b, at + 8) !== 0) return;
        size = u32be(b, at + 12);
        header = 16;
      } else if (size === 0) size = end - at;
      if (size < header) return;
      const boxEnd = Math.min(at + size, end);
      if (depth < 4 && (type === "moov" || type === "trak" || type === "mdia")) walk(at + header, boxEnd, depth + 1);
      if (type === "hdlr" && at + header + 12 <= boxEnd) out.push(ascii(b, at + header + 8, 4));
      at += size;
    }
  };
  walk(0, b.length, 0);
  return out;
}

// EBML (Matroska/WebM): the DocType element (0x4282) in the header says which.
function sniffEbml(b: Uint8Array): SniffedType {
  const limit = Math.min(b.length, 64);
  for (let i = 4; i + 2 < limit; i++) {
    if (b[i] === 0x42 && b[i + 1] === 0x82) {
      const lenByte = b[i + 2]!;
      if (lenByte & 0x80) {
        const docType = ascii(b, i + 3, lenByte & 0x7f);
        if (docType === "webm") return "webm";
        if (docType === "matroska") return "mkv";
      }
    }
  }
  return "mkv";
}

// Ogg: the first packet of the first page names the codec.
function sniffOgg(b: Uint8Array): SniffedType {
  if (b.length < 27) return "ogg";
  const nseg = b[26]!;
  const at = 27 + nseg;
  if (ascii(b, at, 8) === "OpusHead") return "ogg_opus";
  if (b[at] === 0x01 && ascii(b, at + 1, 6) === "vorbis") return "ogg_vorbis";
  if (b[at] === 0x7f && ascii(b, at + 1, 4) === "FLAC") return "ogg_flac";
  if (ascii(b, at, 8) === "Speex   ") return "ogg_speex";
  if (b[at] === 0x80 && ascii(b, at + 1, 6) === "theora") return "ogg_video";
  return "ogg";
}

// ZIP: office formats are told apart by the entry names (OOXML) or the `mimetype` entry (ODF).
function sniffZip(b: Uint8Array): SniffedType {
  const names: string[] = [];
  let at = 0;
  for (let n = 0; n < 64 && at + 30 <= b.length && u32be(b, at) === 0x504b0304; n++) {
    const flags = b[at + 6]! | (b[at + 7]! << 8);
    const compressed = (b[at + 18]! | (b[at + 19]! << 8) | (b[at + 20]! << 16) | (b[at + 21]! << 24)) >>> 0;
    const nameLen = b[at + 26]! | (b[at + 27]! << 8);
    const extraLen = b[at + 28]! | (b[at + 29]! << 8);
    const name = ascii(b, at + 30, nameLen);
    names.push(name);
    if (n === 0 && name === "mimetype") {
      const mt = ascii(b, at + 30 + nameLen + extraLen, Math.min(compressed, 80));
      if (mt === "application/vnd.oasis.opendocument.text") return "odt";
      if (mt === "application/vnd.oasis.opendocument.spreadsheet") return "ods";
      if (mt === "application/vnd.oasis.opendocument.presentation") return "odp";
    }
    // With a data descriptor (flag bit 3) the size is not in the local header: stop walking.
    if (flags & 0x08) break;
    at += 30 + nameLen + extraLen + compressed;
  }
  const has = (prefix: string) => names.some((n) => n.startsWith(prefix));
  if (has("word/")) return "docx";
  if (has("xl/")) return "xlsx";
  if (has("ppt/")) return "pptx";
  return "zip";
}

const MPEG_BITRATES: Record<string, number[]> = {
  // [version][layer] kbit/s by index 1..14 (index 0 = free, 15 = bad)
  "1-1": [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  "1-2": [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  "1-3": [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "2-1": [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  "2-2": [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  "2-3": [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MPEG_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

// Length of the MPEG audio frame whose header is at `at`, or 0 if it is not a valid header.
function mpegFrameLength(b: Uint8Array, at: number): number {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return 0;
  const versionBits = (b[at + 1]! >> 3) & 3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5, 1 = reserved
  const layerBits = (b[at + 1]! >> 1) & 3; // 3 = I, 2 = II, 1 = III, 0 = reserved
  const bitrateIdx = b[at + 2]! >> 4;
  const rateIdx = (b[at + 2]! >> 2) & 3;
  const padding = (b[at + 2]! >> 1) & 1;
  if (versionBits === 1 || layerBits === 0 || bitrateIdx === 0 || bitrateIdx === 15 || rateIdx === 3) return 0;
  const layer = 4 - layerBits;
  const kbps = MPEG_BITRATES[`${versionBits === 3 ? 1 : 2}-${layer}`]![bitrateIdx - 1]!;
  const rate = MPEG_RATES[versionBits]![rateIdx]!;
  if (layer === 1) return Math.floor((12 * kbps * 1000) / rate + padding) * 4;
  const perFrame = layer === 3 && versionBits !== 3 ? 72 : 144;
  return Math.floor((perFrame * kbps * 1000) / rate) + padding;
}

// ADTS (raw AAC) frame length at `at`, or 0.
function adtsFrameLength(b: Uint8Array, at: number): number {
  if (at + 7 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xf6) !== 0xf0) return 0;
  if (((b[at + 2]! >> 2) & 0xf) > 12) return 0; // sampling frequency index
  const len = ((b[at + 3]! & 3) << 11) | (b[at + 4]! << 3) | (b[at + 5]! >> 5);
  return len >= 7 ? len : 0;
}

// MP3 / MP2 (frame sync, optionally after an ID3v2 tag) and ADTS AAC. A lone header could be
// chance, so a second frame must follow where the bytes reach that far.
function sniffMpegAudio(b: Uint8Array): SniffedType | undefined {
  let at = 0;
  // ID3v2: version 2..4, no undefined flag bits, a 28-bit "syncsafe" size (high bits clear).
  const id3 = ascii(b, 0, 3) === "ID3" && b.length >= 10 && b[3]! >= 2 && b[3]! <= 4 && b[4] !== 0xff &&
    (b[5]! & 0x0f) === 0 && (b[6]! | b[7]! | b[8]! | b[9]!) < 0x80;
  if (id3) {
    const size = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
    at = 10 + size + (b[5]! & 0x10 ? 10 : 0);
    // Some encoders pad after the tag.
    while (at < b.length && b[at] === 0) at++;
  }
  const check = (len: (b: Uint8Array, at: number) => number): boolean => {
    const first = len(b, at);
    if (first === 0) return false;
    const next = at + first;
    return next + 4 > b.length || len(b, next) > 0;
  };
  if (at < b.length) {
    if (check(adtsFrameLength)) return "aac";
    if (check(mpegFrameLength)) return "mp3";
  }
  // A tag with its audio beyond the bytes given: trust the tag.
  if (id3 && at >= b.length) return "mp3";
  return undefined;
}

// UTF-8 (BOM allowed) without control characters other than tab, newline, form feed, carriage return.
function looksLikeText(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  let end = Math.min(b.length, 8192);
  // Do not judge a multibyte character cut by the window.
  if (end < b.length) {
    let back = 0;
    while (back < 3 && end - back - 1 > 0 && (b[end - back - 1]! & 0xc0) === 0x80) back++;
    if (end - back - 1 >= 0 && b[end - back - 1]! >= 0xc0) end = end - back - 1;
  }
  const chunk = b.subarray(0, end);
  for (const c of chunk) if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) return false;
  if (chunk.includes(0x7f)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(chunk);
    return true;
  } catch {
    return false;
  }
}

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sniff } from "../../src/media/sniff.ts";
import { makeAmr, makeWav } from "./fixtures.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Array<Uint8Array | number[]>) => {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : new Uint8Array(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
};
const u32be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const box = (type: string, ...body: Uint8Array[]) => {
  const inner = cat(...body);
  return cat(u32be(8 + inner.length), enc(type), inner);
};
const ftyp = (major: string, ...compatible: string[]) => box("ftyp", enc(major), new Uint8Array(4), ...compatible.map(enc));
const trak = (handler: string) => box("trak", box("mdia", box("hdlr", new Uint8Array(8), enc(handler), new Uint8Array(12))));
const oggPage = (packet: Uint8Array) => cat(enc("OggS"), [0, 2], new Uint8Array(20), [1, packet.length], packet);
const zipEntry = (name: string, data = "x") => {
  const n = enc(name);
  const d = enc(data);
  const le16 = (v: number) => [v & 255, v >> 8];
  const le32 = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24];
  return cat([0x50, 0x4b, 3, 4], le16(20), le16(0), le16(0), le16(0), le16(0), le32(0), le32(d.length), le32(d.length), le16(n.length), le16(0), n, d);
};
// Two consecutive MPEG-1 layer III frames, 128 kbit/s, 44.1 kHz: 417 bytes each.
const mp3Frame = () => cat([0xff, 0xfb, 0x90, 0x00], new Uint8Array(413));

describe("content sniffing", () => {
  const cases: Array<[string, Uint8Array, string, string]> = [
    ["jpeg", cat([0xff, 0xd8, 0xff, 0xe0], new Uint8Array(20)), "jpeg", "image"],
    ["png", cat([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], new Uint8Array(20)), "png", "image"],
    ["gif", enc("GIF89a\u0001\u0000"), "gif", "image"],
    ["webp", cat(enc("RIFF"), [0, 0, 0, 0], enc("WEBPVP8 ")), "webp", "image"],
    ["heic", ftyp("heic", "mif1"), "heic", "document"],
    ["avif", ftyp("avif", "mif1"), "avif", "document"],
    ["mp4 with a video track", cat(ftyp("isom", "mp41"), box("moov", trak("vide"), trak("soun"))), "mp4", "video"],
    ["mp4 whose moov is not among the bytes", ftyp("mp42", "isom"), "mp4", "video"],
    ["mp4 with only a sound track", cat(ftyp("isom", "mp42"), box("moov", trak("soun"))), "m4a", "audio"],
    ["m4a by brand", ftyp("M4A ", "isom"), "m4a", "audio"],
    ["mov", ftyp("qt  "), "mov", "video"],
    ["3gp", ftyp("3gp4", "isom"), "3gp", "video"],
    ["webm", cat([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], enc("webm")), "webm", "video"],
    ["matroska", cat([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88], enc("matroska")), "mkv", "video"],
    ["ogg opus", oggPage(cat(enc("OpusHead"), [1, 1, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0, 0])), "ogg_opus", "audio"],
    ["ogg vorbis", oggPage(cat([1], enc("vorbis"), new Uint8Array(23))), "ogg_vorbis", "audio"],
    ["ogg of something else", oggPage(enc("somethingelse")), "ogg", "document"],
    ["mp3 with ID3", cat(enc("ID3"), [4, 0, 0, 0, 0, 0, 2], new Uint8Array(2), mp3Frame(), mp3Frame()), "mp3", "audio"],
    ["mp3 by frame sync", cat(mp3Frame(), mp3Frame()), "mp3", "audio"],
    ["aac (ADTS)", cat([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc], new Uint8Array(9), [0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc]), "aac", "audio"],
    ["wav", makeWav([{ seconds: 0.01, freq: 440 }]), "wav", "audio"],
    ["flac", cat(enc("fLaC"), [0, 0, 0, 34]), "flac", "audio"],
    ["amr", makeAmr(3), "amr", "audio"],
    ["pdf", enc("%PDF-1.7\n%âãÏÓ\n"), "pdf", "document"],
    ["docx", cat(zipEntry("[Content_Types].xml"), zipEntry("_rels/.rels"), zipEntry("word/document.xml")), "docx", "document"],
    ["xlsx", cat(zipEntry("[Content_Types].xml"), zipEntry("xl/workbook.xml")), "xlsx", "document"],
    ["pptx", cat(zipEntry("[Content_Types].xml"), zipEntry("ppt/presentation.xml")), "pptx", "document"],
    ["odt", zipEntry("mimetype", "application/vnd.oasis.opendocument.text"), "odt", "document"],
    ["plain zip", zipEntry("notes/readme.txt"), "zip", "document"],
    ["legacy office (OLE2)", cat([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], new Uint8Array(8)), "ole", "document"],
    ["utf-8 text", enc("Grüße aus Köln — 東京\r\n\tline two\n"), "text", "document"],
    ["binary noise", new Uint8Array(256).map((_, i) => (i * 37 + 11) & 255), "unknown", "document"],
    ["empty", new Uint8Array(0), "unknown", "document"],
  ];
  for (const [name, bytes, type, family] of cases) {
    test(`recognises ${name} from its bytes`, () => {
      const s = sniff(bytes);
      assert.equal(s.type, type);
      assert.equal(s.family, family);
    });
  }

  test("a name never matters: only bytes are looked at (text starting like nothing else is text)", () => {
    assert.equal(sniff(enc("%PDF")).type, "text"); // too short to be a PDF header
    assert.equal(sniff(enc("ID3 is a tag format")).type, "text");
  });

  test("text cut in the middle of a multibyte character is still text", () => {
    // "a" then 2-byte characters: the 8 KiB window ends between the two bytes of one of them.
    const long = enc("a" + "é".repeat(5000));
    assert.equal(long[8191]! & 0xe0, 0xc0);
    assert.equal(sniff(long).type, "text");
  });

  test("a lone MPEG sync word followed by something that is not a frame is not mp3", () => {
    assert.equal(sniff(cat([0xff, 0xfb, 0x90, 0x00], new Uint8Array(413), enc("not a frame header"))).type, "unknown");
  });
});

/**
 * Text of a Word (.docx) file: the ZIP's `word/document.xml`, inflated with the platform's
 * `DecompressionStream` under a size cap (a ZIP bomb stops at the cap), and its paragraphs,
 * tabs and line breaks turned into plain text. No layout, no tables beyond their cell text.
 */

/** Most bytes of document.xml inflated. */
export const MAX_DOCX_XML_BYTES = 32 * 1024 * 1024;

/** A file in a ZIP, as its central directory lists it. */
interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
}

function entries(zip: Uint8Array): ZipEntry[] {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // End of central directory: 22 bytes + a comment of up to 64 KB, at the end.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a ZIP file (no end of central directory)");
  const count = dv.getUint16(eocd + 10, true);
  let at = dv.getUint32(eocd + 16, true);
  const out: ZipEntry[] = [];
  for (let k = 0; k < count; k++) {
    if (at + 46 > zip.length || dv.getUint32(at, true) !== 0x02014b50) throw new Error("broken ZIP central directory");
    const nameLen = dv.getUint16(at + 28, true);
    const extraLen = dv.getUint16(at + 30, true);
    const commentLen = dv.getUint16(at + 32, true);
    out.push({
      name: new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLen)),
      method: dv.getUint16(at + 10, true),
      compressedSize: dv.getUint32(at + 20, true),
      localOffset: dv.getUint32(at + 42, true),
    });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

async function inflateCapped(data: Uint8Array, cap: number): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel();
      throw new Error(`the document text is larger than ${cap / 1024 / 1024} MB when unpacked`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Reads one file out of a ZIP (stored or deflated), or null if it is not there. */
export async function readZipFile(zip: Uint8Array, name: string, cap: number): Promise<Uint8Array | null> {
  const e = entries(zip).find((x) => x.name === name);
  if (!e) return null;
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = e.localOffset;
  if (at + 30 > zip.length || dv.getUint32(at, true) !== 0x04034b50) throw new Error("broken ZIP local header");
  const start = at + 30 + dv.getUint16(at + 26, true) + dv.getUint16(at + 28, true);
  const data = zip.subarray(start, start + e.compressedSize);
  if (e.method === 0) {
    if (data.length > cap) throw new Error(`the document text is larger than ${cap / 1024 / 1024} MB`);
    return data;
  }
  if (e.method !== 8) throw new Error(`unsupported ZIP compression method ${e.method}`);
  return inflateCapped(data, cap);
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
    if (e[0] === "#") {
      const cp = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(cp) && cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

/** Plain text of WordprocessingML (pure): text runs, tabs, breaks; a line per paragraph. */
export function wordXmlToText(xml: string): string {
  const out: string[] = [];
  const re = /<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>|<w:tab\/>|<w:(?:br|cr)(?:\s[^>]*)?\/>|<\/w:p>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const tag = m[0];
    if (m[1] !== undefined) out.push(decodeEntities(m[1]));
    else if (tag.startsWith("<w:tab")) out.push("\t");
    else out.push("\n");
  }
  return out.join("").replace(/\n{3,}/g, "\n\n").trim();
}

/** Text of a .docx file. Throws with a reason when it is not one. */
export async function docxText(bytes: Uint8Array): Promise<string> {
  const xml = await readZipFile(bytes, "word/document.xml", MAX_DOCX_XML_BYTES);
  if (!xml) throw new Error("the ZIP has no word/document.xml (not a Word document)");
  return wordXmlToText(new TextDecoder().decode(xml));
}

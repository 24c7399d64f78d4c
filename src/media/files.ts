/**
 * The `send_file` path policy. A file may be sent only if its real path (every symlink resolved)
 * lies inside one of the configured roots, and only up to the size cap of its kind; the kind comes
 * from the bytes, never from the name. Baileys then gets the bytes, never a path or URL.
 * Pure decisions (`isWithinRoot`, `sendKindFor`) are separate from the reading.
 */
import {
  baseName,
  isAbsolutePath,
  openRegularFile,
  pathPlatform,
  realPath,
  resolvePath,
  statIdentity,
} from "../runtime/fs_paths.ts";
import { MediaError } from "./errors.ts";
import { documentMimetypeForName } from "./mime.ts";
import { sniff, type Sniffed } from "./sniff.ts";

export { safeDownloadName } from "./download_name.ts";

/** How WhatsApp will carry the file. */
export type SendKind = "image" | "video" | "audio" | "document" | "sticker";

const MB = 1024 * 1024;

/** Size caps per kind, in bytes. */
export const MAX_SEND_BYTES: Readonly<Record<SendKind, number>> = {
  image: 16 * MB,
  video: 64 * MB,
  audio: 16 * MB,
  document: 100 * MB,
  sticker: 1 * MB,
};

/** Cap on a voice-note source file: it is converted to small opus, so a long WAV may be larger than an audio attachment. */
export const MAX_VOICE_SOURCE_BYTES = 64 * MB;

/** A file ready to hand to Baileys. */
export interface SendableFile {
  bytes: Uint8Array;
  mimetype: string;
  kind: SendKind;
  /** The name the file was asked for by (last segment of the requested path). */
  fileName: string;
  /** What the bytes are. */
  sniffed: Sniffed;
}

// Types WhatsApp shows inline per kind; other audio/video containers travel as documents.
const INLINE_VIDEO = new Set(["mp4", "mov", "3gp"]);
const INLINE_AUDIO = new Set(["mp3", "m4a", "aac", "amr", "ogg_opus", "ogg_vorbis"]);

/**
 * Decides the kind from the content (pure). `asSticker` asks for a sticker, which must be WebP.
 * Returns the kind and the MIME type to send (documents whose bytes say only "text"/"unknown"/"ole"
 * are labelled by the file name's extension when it is a known document type).
 */
export function sendKindFor(sniffed: Sniffed, fileName: string, opts: { asSticker?: boolean } = {}): { kind: SendKind; mimetype: string } {
  if (opts.asSticker) {
    if (sniffed.type !== "webp") {
      throw new MediaError("unsupported_input", `A sticker must be a WebP image; this file is ${sniffed.mimetype}`);
    }
    return { kind: "sticker", mimetype: "image/webp" };
  }
  if (sniffed.family === "image") return { kind: "image", mimetype: sniffed.mimetype };
  if (sniffed.family === "video" && INLINE_VIDEO.has(sniffed.type)) return { kind: "video", mimetype: sniffed.mimetype };
  if (sniffed.family === "audio" && INLINE_AUDIO.has(sniffed.type)) return { kind: "audio", mimetype: sniffed.mimetype };
  let mimetype = sniffed.mimetype;
  if (sniffed.type === "text" || sniffed.type === "unknown" || sniffed.type === "ole") {
    const byName = documentMimetypeForName(fileName);
    // A name never turns text into a binary format or unknown bytes into text.
    if (byName && (sniffed.type !== "text" || byName.startsWith("text/") || byName.endsWith("json") || byName.endsWith("xml") || byName.endsWith("rtf"))) {
      mimetype = byName;
    }
  }
  return { kind: "document", mimetype };
}

/**
 * True if `path` is `root` or inside it (pure). Both must be absolute and canonical (realpath);
 * Windows comparison ignores case and accepts either separator.
 */
export function isWithinRoot(path: string, root: string, platform: "win32" | "posix" = pathPlatform): boolean {
  const norm = (p: string) => (platform === "win32" ? p.replace(/\//g, "\\").toLowerCase() : p);
  const sep = platform === "win32" ? "\\" : "/";
  const p = norm(path);
  let r = norm(root);
  if (r.length > 1 && r.endsWith(sep) && !(platform === "win32" && /^[a-z]:\\$/.test(r))) r = r.slice(0, -1);
  if (p === r) return true;
  return p.startsWith(r.endsWith(sep) ? r : r + sep);
}

function describeRoots(roots: string[]): string {
  return roots.length ? roots.join(", ") : "(none configured)";
}

/**
 * Resolves `requested` (absolute, or relative to the first root) to its real path and checks it lies
 * in a root. Throws `MediaError` `outside_roots` (naming the allowed roots) or `not_found`.
 * A missing path outside the roots is reported as outside, so the answer says nothing about what
 * exists elsewhere.
 */
export async function resolveWithinRoots(requested: string, roots: string[]): Promise<{ requestedPath: string; realPath: string }> {
  if (roots.length === 0) {
    throw new MediaError("outside_roots", "Sending files is disabled: no media roots are configured (allowed roots: none)");
  }
  if (typeof requested !== "string" || requested.trim() === "" || requested.includes("\u0000")) {
    throw new MediaError("not_found", "No file path given");
  }
  const requestedPath = isAbsolutePath(requested) ? resolvePath(requested, ".") : resolvePath(roots[0]!, requested);
  const realRoots: string[] = [];
  for (const r of roots) {
    try {
      realRoots.push(await realPath(r));
    } catch {
      // a root that does not exist allows nothing
    }
  }
  const outside = (shown: string) =>
    new MediaError("outside_roots", `Refusing to read ${shown}: files can only be sent from inside ${describeRoots(roots)} (symlinks are resolved before checking)`);
  let real: string;
  try {
    real = await realPath(requestedPath);
  } catch {
    if (!realRoots.some((r) => isWithinRoot(requestedPath, r)) && !roots.some((r) => isWithinRoot(requestedPath, resolvePath(r, ".")))) {
      throw outside(requested);
    }
    throw new MediaError("not_found", `File not found: ${requested}`);
  }
  if (!realRoots.some((r) => isWithinRoot(real, r))) {
    throw outside(real === requestedPath ? requested : `${requested} (resolves to ${real})`);
  }
  return { requestedPath, realPath: real };
}

/**
 * Reads a file inside the roots, refusing more than `maxBytes(sniffedHead)` bytes. The file is
 * opened once; after opening, the path must still resolve to the same file (no swap in between).
 */
async function readChecked(
  requested: string,
  roots: string[],
  capFor: (head: Sniffed) => number,
): Promise<{ bytes: Uint8Array; fileName: string; sniffedHead: Sniffed }> {
  const { requestedPath, realPath: real } = await resolveWithinRoots(requested, roots);
  let file;
  try {
    file = await openRegularFile(real);
  } catch (e) {
    throw new MediaError("not_found", `Cannot read ${requested}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const again = await realPath(requestedPath).catch(() => "");
    const id = await statIdentity(real).catch(() => ({ dev: -1, ino: -1 }));
    if (again !== real || id.dev !== file.dev || id.ino !== file.ino) {
      throw new MediaError("outside_roots", `Refusing to read ${requested}: the file changed while it was being checked`);
    }
    const sniffedHead = sniff(await file.readHead(64 * 1024));
    const cap = capFor(sniffedHead);
    if (file.size > cap) {
      throw new MediaError("too_large", `${baseName(requestedPath)} is ${formatBytes(file.size)}; the limit for this kind of file (${sniffedHead.mimetype}) is ${formatBytes(cap)}`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await file.readAll(cap);
    } catch (e) {
      if (e instanceof RangeError) throw new MediaError("too_large", `${baseName(requestedPath)} grew past ${formatBytes(cap)} while being read`);
      throw e;
    }
    return { bytes, fileName: baseName(requestedPath), sniffedHead };
  } finally {
    await file.close();
  }
}

function formatBytes(n: number): string {
  return n >= MB ? `${(n / MB).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/**
 * Reads a file for `send_file`: inside the roots, within its kind's cap, kind and MIME type from
 * the content. Throws `MediaError` (`outside_roots`, `not_found`, `too_large`, `unsupported_input`).
 */
export async function readSendableFile(requested: string, roots: string[], opts: { asSticker?: boolean } = {}): Promise<SendableFile> {
  const capFor = (head: Sniffed) => MAX_SEND_BYTES[sendKindFor(head, baseName(requested), opts).kind];
  const { bytes, fileName } = await readChecked(requested, roots, capFor);
  // The whole file can say more than its head (an MP4 whose moov is at the end may be audio only).
  const sniffed = sniff(bytes);
  const { kind, mimetype } = sendKindFor(sniffed, fileName, opts);
  if (bytes.length > MAX_SEND_BYTES[kind]) {
    throw new MediaError("too_large", `${fileName} is ${formatBytes(bytes.length)}; the limit for ${kind} files is ${formatBytes(MAX_SEND_BYTES[kind])}`);
  }
  return { bytes, mimetype, kind, fileName, sniffed };
}

/**
 * Reads a voice-note source file: inside the roots, at most `MAX_VOICE_SOURCE_BYTES`. The content
 * check (is it audio?) is the converter's.
 */
export async function readVoiceSourceFile(requested: string, roots: string[]): Promise<{ bytes: Uint8Array; fileName: string }> {
  const { bytes, fileName } = await readChecked(requested, roots, () => MAX_VOICE_SOURCE_BYTES);
  return { bytes, fileName };
}

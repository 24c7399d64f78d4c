/**
 * view_media results kept in the data folder (`media-cache/`, 0700; files 0600), one JSON file
 * per key (the SHA-256 of the media and the rendering options), so a second look at the same
 * photo, video or PDF costs neither a download nor a decode. The cache is bounded: past
 * `maxFiles` the least recently written entries go. A broken entry is a miss.
 */
import type { ViewCachePort } from "../mcp/deps.ts";
import type { MediaView } from "../media/view/types.ts";
import { base64ToBytes, bytesToBase64 } from "../store/codec.ts";
import { type FsPort, joinPath, renameWithRetry, unlinkWithRetry } from "../runtime/fs.ts";

const KEY = /^[a-z0-9_.-]{16,200}$/;

function encode(v: MediaView): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ ...v, images: v.images.map((i) => ({ ...i, data: bytesToBase64(i.data) })) }));
}

function decode(bytes: Uint8Array): MediaView | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Omit<MediaView, "images"> & { images: Array<Omit<MediaView["images"][number], "data"> & { data: string }> };
    if (!v || typeof v.kind !== "string" || !Array.isArray(v.images)) return null;
    return { ...v, images: v.images.map((i) => ({ ...i, data: base64ToBytes(i.data) })) };
  } catch {
    return null;
  }
}

/** The cache over `dir`. */
export function folderViewCache(dir: string, fs: FsPort, opts: { maxFiles?: number } = {}): ViewCachePort {
  const maxFiles = opts.maxFiles ?? 2000;
  let seq = 0;
  let writes = 0;
  const prune = async () => {
    const names = (await fs.readDir(dir)).filter((n) => n.endsWith(".json"));
    if (names.length <= maxFiles) return;
    const stats = await Promise.all(names.map(async (n) => ({ n, t: (await fs.stat(joinPath(dir, n)))?.mtimeMs ?? 0 })));
    stats.sort((a, b) => a.t - b.t);
    for (const { n } of stats.slice(0, names.length - maxFiles)) await unlinkWithRetry(fs, joinPath(dir, n), sleep).catch(() => {});
  };
  return {
    async get(key) {
      if (!KEY.test(key)) return null;
      const path = joinPath(dir, `${key}.json`);
      if (!(await fs.exists(path))) return null;
      return decode(await fs.readFile(path).catch(() => new Uint8Array()));
    },
    async put(key, view) {
      if (!KEY.test(key)) return;
      await fs.mkdir(dir, 0o700);
      const path = joinPath(dir, `${key}.json`);
      const tmp = `${path}.${++seq}.part`;
      try {
        await fs.writeFile(tmp, encode(view), 0o600);
        await renameWithRetry(fs, tmp, path, sleep);
      } catch (err) {
        await unlinkWithRetry(fs, tmp, sleep).catch(() => {});
        throw err;
      }
      if (++writes % 50 === 1) await prune().catch(() => {});
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Where download_media puts files: the download folder (0700), one file per (chat, message) named
 * by us (never by the sender), written 0600 through a temp file and a rename so a half-written
 * file never carries the final name.
 */
import type { DownloadsPort } from "../mcp/deps.ts";
import { safeDownloadName } from "../media/download_name.ts";
import { type FsPort, joinPath, renameWithRetry } from "../runtime/fs.ts";

/** Builds the downloads port over a folder. */
export function folderDownloads(dir: string, fs: FsPort): DownloadsPort {
  return {
    async save(chatJid, id, bytes, mimetype, fileName) {
      await fs.mkdir(dir, 0o700);
      const name = safeDownloadName(chatJid, id, mimetype ?? "application/octet-stream", fileName ?? undefined);
      const path = joinPath(dir, name);
      const tmp = `${path}.part`;
      await fs.writeFile(tmp, bytes, 0o600);
      await renameWithRetry(fs, tmp, path, (ms) => new Promise((r) => setTimeout(r, ms)));
      return path;
    },
  };
}

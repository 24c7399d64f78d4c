/**
 * Where download_media puts files: the download folder (0700), one file per (chat, message) named
 * by us (never by the sender), written 0600 through a temp file and a rename so a half-written
 * file never carries the final name.
 */
import type { DownloadsPort } from "../mcp/deps.ts";
import { safeDownloadName } from "../media/download_name.ts";
import { type FsPort, joinPath, renameWithRetry, unlinkWithRetry } from "../runtime/fs.ts";

/**
 * Builds the downloads port over a folder. On Windows a rename over a file another program has
 * open (a viewer showing the previous download) fails for a while: it is retried, and if it
 * keeps failing the temp file is removed and the error reported.
 */
export function folderDownloads(
  dir: string,
  fs: FsPort,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): DownloadsPort {
  let seq = 0;
  return {
    async save(chatJid, id, bytes, mimetype, fileName) {
      await fs.mkdir(dir, 0o700);
      const name = safeDownloadName(chatJid, id, mimetype ?? "application/octet-stream", fileName ?? undefined);
      const path = joinPath(dir, name);
      // Unique per call: two downloads of the same message at once must not write one temp file.
      const tmp = `${path}.${++seq}.part`;
      try {
        await fs.writeFile(tmp, bytes, 0o600);
        await renameWithRetry(fs, tmp, path, sleep);
      } catch (err) {
        await unlinkWithRetry(fs, tmp, sleep).catch(() => {});
        throw err;
      }
      return path;
    },
  };
}

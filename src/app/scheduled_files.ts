/**
 * Copies of scheduled attachments: `<data dir>/scheduled/<id>.bin` (folder 0700, files 0600).
 * A copy is written to a temp file, fsynced, renamed into place and the folder fsynced, so it is
 * durable before the schedule that names it is committed (see src/schedule/service.ts).
 */
import type { ScheduledFiles } from "../schedule/types.ts";
import { type FsPort, fsErrorCode, joinPath, renameWithRetry, unlinkWithRetry } from "../runtime/fs.ts";

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const SUFFIX = ".bin";

/** Builds the port over `dir`. Ids are ours (random, URL-safe); anything else is refused. */
export function folderScheduledFiles(
  dir: string,
  fs: FsPort,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): ScheduledFiles {
  const pathOf = (id: string) => {
    if (!ID.test(id)) throw new Error("not a scheduled send id");
    return joinPath(dir, `${id}${SUFFIX}`);
  };
  return {
    async put(id, bytes) {
      const path = pathOf(id);
      await fs.mkdir(dir, 0o700);
      const tmp = `${path}.part`;
      try {
        const f = await fs.open(tmp, "w+", 0o600);
        try {
          await fs.write(f, bytes, 0);
          await fs.fsync(f);
        } finally {
          await fs.close(f);
        }
        await renameWithRetry(fs, tmp, path, sleep);
        await fs.fsyncDir(dir);
      } catch (err) {
        await unlinkWithRetry(fs, tmp, sleep).catch(() => {});
        throw err;
      }
    },
    async get(id) {
      try {
        return await fs.readFile(pathOf(id));
      } catch (err) {
        if (fsErrorCode(err) === "ENOENT") return null;
        throw err;
      }
    },
    async remove(id) {
      await unlinkWithRetry(fs, pathOf(id), sleep);
      await unlinkWithRetry(fs, `${pathOf(id)}.part`, sleep); // a copy a crash left half-written
    },
    async list() {
      if (!(await fs.exists(dir))) return [];
      const out: Array<{ id: string; writtenAt: number }> = [];
      for (const name of await fs.readDir(dir)) {
        const id = name.replace(/\.part$/, "").slice(0, -SUFFIX.length);
        if (!name.replace(/\.part$/, "").endsWith(SUFFIX) || !ID.test(id)) continue;
        const st = await fs.stat(joinPath(dir, name));
        if (st) out.push({ id, writtenAt: st.mtimeMs });
      }
      return out;
    },
  };
}

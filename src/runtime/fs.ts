/**
 * The file-system port the durable store writes through, and its adapter over `node:fs`
 * (which Deno 2 implements too: verified for open flags/modes, positional read/write,
 * datasync, truncate, directory fsync, rename, chmod, readdir).
 *
 * `FsPort` is a plain interface of functions taking an opaque `FsFile`, so a test can wrap
 * any one function to inject EIO, ENOSPC or EPERM without faking the rest.
 */
import { constants as fsConstants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";

/** An open file. Opaque: only the port that opened it can use it. */
export interface FsFile {
  readonly path: string;
}

/** How to open a file: "r" read, "r+" read/write existing, "w+" create or truncate, "wx+" create, failing with EEXIST. */
export type OpenFlags = "r" | "r+" | "w+" | "wx+";

/** The subset of stat the store needs. */
export interface FsStat {
  size: number;
  /** Permission bits (mode & 0o777); meaningless on Windows. */
  mode: number;
  mtimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
}

/** File operations used by the durable store. Errors carry a Node-style `code` ("ENOENT", "ENOSPC"...). */
export interface FsPort {
  /** Opens a file; `mode` applies when it is created (e.g. 0o600). */
  open(path: string, flags: OpenFlags, mode?: number): Promise<FsFile>;
  /** Reads up to `into.length` bytes at `position`; resolves with the count (0 at end of file). */
  read(file: FsFile, into: Uint8Array, position: number): Promise<number>;
  /** Writes all of `data` at `position` (looping over short writes). */
  write(file: FsFile, data: Uint8Array, position: number): Promise<void>;
  /** Makes the file's data (and size) durable: fdatasync. */
  fsync(file: FsFile): Promise<void>;
  /** Sets the file's length. */
  truncate(file: FsFile, length: number): Promise<void>;
  /** Size and mode of an open file. */
  fstat(file: FsFile): Promise<FsStat>;
  close(file: FsFile): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  /** Creates or replaces a file with `data` (not atomic, not fsynced). */
  writeFile(path: string, data: Uint8Array, mode: number): Promise<void>;
  /** Atomic replace of `to` where the OS provides it; no retry here (see `renameWithRetry`). */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Creates a folder and its parents; `mode` applies to the folders created. */
  mkdir(path: string, mode: number): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  /** Stat of a path, or null if nothing is there. */
  stat(path: string): Promise<FsStat | null>;
  exists(path: string): Promise<boolean>;
  /** Names of the entries of a folder. */
  readDir(path: string): Promise<string[]>;
  /** Makes a folder's entries (a rename, a new file) durable. A no-op on Windows, which cannot open folders. */
  fsyncDir(path: string): Promise<void>;
}

/** True on Windows (no folder fsync, no POSIX modes, renames blocked by open handles). */
export const isWindows: boolean = process.platform === "win32";

/** Joins path segments with the platform separator. */
export function joinPath(...parts: string[]): string {
  return join(...parts);
}

/** The `code` of a file-system error ("ENOENT"...), or undefined. */
export function fsErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

class NodeFile implements FsFile {
  constructor(readonly path: string, readonly fh: FileHandle) {}
}

function handle(file: FsFile): FileHandle {
  if (!(file instanceof NodeFile)) throw new TypeError(`not a file opened by this port: ${file.path}`);
  return file.fh;
}

function toStat(st: { size: number; mode: number; mtimeMs: number; isFile(): boolean; isDirectory(): boolean }): FsStat {
  return { size: st.size, mode: st.mode & 0o777, mtimeMs: st.mtimeMs, isFile: st.isFile(), isDirectory: st.isDirectory() };
}

/** The real file system through `node:fs/promises` (Node 20 and Deno 2). */
export const nodeFs: FsPort = {
  async open(path, flags, mode = 0o600) {
    return new NodeFile(path, await fsp.open(path, flags, mode));
  },
  async read(file, into, position) {
    const { bytesRead } = await handle(file).read(into, 0, into.length, position);
    return bytesRead;
  },
  async write(file, data, position) {
    const fh = handle(file);
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await fh.write(data, off, data.length - off, position + off);
      if (bytesWritten <= 0) throw Object.assign(new Error(`short write to ${file.path}`), { code: "EIO" });
      off += bytesWritten;
    }
  },
  fsync: (file) => handle(file).datasync(),
  truncate: (file, length) => handle(file).truncate(length),
  fstat: async (file) => toStat(await handle(file).stat()),
  close: (file) => handle(file).close(),
  async readFile(path) {
    const buf = await fsp.readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  },
  writeFile: (path, data, mode) => fsp.writeFile(path, data, { mode }),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  async mkdir(path, mode) {
    await fsp.mkdir(path, { recursive: true, mode });
  },
  chmod: (path, mode) => (isWindows ? Promise.resolve() : fsp.chmod(path, mode)),
  async stat(path) {
    try {
      return toStat(await fsp.stat(path));
    } catch (err) {
      if (fsErrorCode(err) === "ENOENT") return null;
      throw err;
    }
  },
  async exists(path) {
    try {
      await fsp.access(path, fsConstants.F_OK);
      return true;
    } catch {
      return false;
    }
  },
  readDir: (path) => fsp.readdir(path),
  async fsyncDir(path) {
    if (isWindows) return;
    const fh = await fsp.open(path, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};

/** Error codes Windows gives while an antivirus or indexer briefly holds a file. */
const TRANSIENT_RENAME = new Set(["EPERM", "EBUSY", "EACCES"]);

/**
 * Runs `op`, retrying a transient EPERM/EBUSY/EACCES with growing pauses (20, 40, 80... ms;
 * `attempts` tries in all). Harmless on POSIX, where these are rare and real: the last error is
 * rethrown.
 */
async function withTransientRetry(
  op: () => Promise<void>,
  sleep: (ms: number) => Promise<void>,
  attempts: number,
): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await op();
      return;
    } catch (err) {
      if (i >= attempts || !TRANSIENT_RENAME.has(fsErrorCode(err) ?? "")) throw err;
      await sleep(20 * 2 ** (i - 1));
    }
  }
}

/** Renames, retrying while Windows briefly holds the file (see `withTransientRetry`). */
export function renameWithRetry(
  fs: FsPort,
  from: string,
  to: string,
  sleep: (ms: number) => Promise<void>,
  attempts = 6,
): Promise<void> {
  return withTransientRetry(() => fs.rename(from, to), sleep, attempts);
}

/**
 * Removes a file, retrying the same way (Windows refuses to delete a file an antivirus or
 * indexer has open for a moment). A missing file is not an error.
 */
export function unlinkWithRetry(
  fs: FsPort,
  path: string,
  sleep: (ms: number) => Promise<void>,
  attempts = 6,
): Promise<void> {
  return withTransientRetry(async () => {
    try {
      await fs.unlink(path);
    } catch (err) {
      if (fsErrorCode(err) !== "ENOENT") throw err;
    }
  }, sleep, attempts);
}

/**
 * File-system and path helpers for the media code and the wasm locator. `node:fs` and
 * `node:path` work unchanged on Deno 2 and Node 20, so one implementation serves both;
 * this is the only media-related file allowed to touch them.
 */
import { constants as fsConstants } from "node:fs";
import { open, readFile, realpath, stat } from "node:fs/promises";
import { basename, isAbsolute, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Path flavour of the host, for the pure containment check in `src/media/files.ts`. */
export const pathPlatform: "win32" | "posix" = sep === "\\" ? "win32" : "posix";

/** Converts a `file:` URL (string or URL) to a local path. */
export function fileUrlToPath(url: string | URL): string {
  return fileURLToPath(url);
}

/** Converts a local path to a `file:` URL. */
export function pathToFileUrl(path: string): URL {
  return pathToFileURL(path);
}

/** True if `path` is absolute on this host. */
export function isAbsolutePath(path: string): boolean {
  return isAbsolute(path);
}

/** Resolves `path` against `base` (like `path.resolve`). */
export function resolvePath(base: string, path: string): string {
  return resolve(base, path);
}

/** The last path segment. */
export function baseName(path: string): string {
  return basename(path);
}

/** Follows every symlink and returns the canonical absolute path; rejects (ENOENT...) if it does not exist. */
export async function realPath(path: string): Promise<string> {
  return await realpath(path);
}

/** True if a regular file exists at `path` (symlinks followed). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Reads a whole file. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const buf = await readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** An open, read-only regular file whose identity was pinned when it was opened. */
export interface OpenedFile {
  /** Size in bytes at open time. */
  readonly size: number;
  /** Device and inode (0 where the platform has none), to compare with `statIdentity`. */
  readonly dev: number;
  readonly ino: number;
  /** Reads up to `n` bytes from the start. */
  readHead(n: number): Promise<Uint8Array>;
  /** Reads the whole file; RangeError if it holds more than `maxBytes` or grew since it was opened. */
  readAll(maxBytes: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * Opens a regular file for reading. Rejects with an Error whose message says why if the path is
 * not a regular file (a folder, a device...). Reading through the descriptor means a later swap of
 * the path (symlink race) cannot change what is read.
 */
export async function openRegularFile(path: string): Promise<OpenedFile> {
  // Checked BEFORE open: opening a FIFO for reading blocks until a writer appears (it hung the file
  // tools, then every send). Opened non-blocking in case the path is swapped to one in between,
  // then checked again on the descriptor: it must be the very file that was checked.
  const before = await stat(path);
  if (!before.isFile()) throw new Error(`not a regular file: ${basename(path)}`);
  const fh = await open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.dev !== before.dev || st.ino !== before.ino) throw new Error(`not a regular file: ${basename(path)}`);
    return {
      size: st.size,
      dev: st.dev,
      ino: st.ino,
      async readHead(n) {
        const buf = new Uint8Array(Math.min(n, st.size));
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        return buf.subarray(0, bytesRead);
      },
      async readAll(maxBytes) {
        const limit = Math.min(st.size, maxBytes);
        // One spare byte detects a file that is larger than the limit (or grew since open).
        const out = new Uint8Array(limit + 1);
        let off = 0;
        while (off < out.length) {
          const { bytesRead } = await fh.read(out, off, out.length - off, off);
          if (bytesRead === 0) break;
          off += bytesRead;
        }
        if (off > limit) {
          throw new RangeError(st.size > maxBytes ? `file is larger than ${maxBytes} bytes` : "file grew while being read");
        }
        return out.subarray(0, off);
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Device and inode of a path (symlinks followed), to check an opened descriptor still is that path. */
export async function statIdentity(path: string): Promise<{ dev: number; ino: number }> {
  const st = await stat(path);
  return { dev: st.dev, ino: st.ino };
}

/**
 * Folder of the program's entry module: `Deno.mainModule` on Deno (inside a `deno compile`
 * binary this is in the embedded file system), `process.argv[1]` on Node. Undefined if unknown.
 */
export function entryDirectory(): string | undefined {
  try {
    const deno = (globalThis as { Deno?: { mainModule?: string } }).Deno;
    if (deno?.mainModule?.startsWith("file:")) return fileURLToPath(new URL(".", deno.mainModule));
    const argv1 = (globalThis as { process?: { argv?: string[] } }).process?.argv?.[1];
    if (!deno && argv1) return resolve(argv1, "..");
  } catch {
    // no entry information (e.g. a REPL): callers fall back to other places
  }
  return undefined;
}

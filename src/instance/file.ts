/**
 * `<dataDir>/instance.json`: how a second process on the same data folder reaches the owner's
 * MCP endpoint (loopback port + a random bearer token). Written 0600 by the owner once that
 * endpoint listens, through a temp file and a rename (a reader never sees half a file), and
 * removed on clean exit. The token is a secret: it is never logged.
 */
import { type FsPort, fsErrorCode, joinPath, renameWithRetry, unlinkWithRetry } from "../runtime/fs.ts";

/** File name of the instance file inside the data folder. */
export const INSTANCE_FILE = "instance.json";

/** What the owner publishes. */
export interface InstanceInfo {
  /** Format version of this file. */
  v: 1;
  /** The owner's process id (matches the instance lock's holder). */
  pid: number;
  /** Loopback port of the owner's instance endpoint (`http://127.0.0.1:<port>/mcp`). */
  port: number;
  /** Bearer token the endpoint accepts (and nothing else). */
  token: string;
  /** The owner's program version. */
  version: string;
  startedAt: string;
}

/** Parses and checks an instance file's text; null when it is not a valid one. Pure. */
export function parseInstanceInfo(text: string): InstanceInfo | null {
  let v: Partial<InstanceInfo>;
  try {
    v = JSON.parse(text) as Partial<InstanceInfo>;
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null || v.v !== 1) return null;
  if (!Number.isInteger(v.pid) || (v.pid as number) <= 0) return null;
  if (!Number.isInteger(v.port) || (v.port as number) < 1 || (v.port as number) > 65535) return null;
  if (typeof v.token !== "string" || v.token.length < 32) return null;
  return { v: 1, pid: v.pid!, port: v.port!, token: v.token, version: String(v.version ?? "?"), startedAt: String(v.startedAt ?? "?") };
}

/** Path of the instance file in `dataDir`. */
export function instanceFilePath(dataDir: string): string {
  return joinPath(dataDir, INSTANCE_FILE);
}

/** Writes the instance file (0600) atomically, replacing any previous one. */
export async function writeInstanceFile(
  fs: FsPort,
  dataDir: string,
  info: InstanceInfo,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  await fs.mkdir(dataDir, 0o700);
  const path = instanceFilePath(dataDir);
  const tmp = `${path}.tmp-${info.pid}`;
  // A leftover temp file would keep its old mode through writeFile: start from nothing.
  await unlinkWithRetry(fs, tmp, sleep).catch(() => {});
  await fs.writeFile(tmp, new TextEncoder().encode(JSON.stringify(info) + "\n"), 0o600);
  await fs.chmod(tmp, 0o600);
  await renameWithRetry(fs, tmp, path, sleep);
}

/** Reads the instance file; null when missing or not valid (a half-written or foreign file). */
export async function readInstanceFile(fs: FsPort, dataDir: string): Promise<InstanceInfo | null> {
  try {
    return parseInstanceInfo(new TextDecoder().decode(await fs.readFile(instanceFilePath(dataDir))));
  } catch (err) {
    if (fsErrorCode(err) === "ENOENT") return null;
    throw err;
  }
}

/** Removes the instance file if it still carries `token` (a successor's file is left alone). Never throws. */
export async function removeInstanceFile(
  fs: FsPort,
  dataDir: string,
  token: string,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  try {
    const info = await readInstanceFile(fs, dataDir);
    if (info?.token === token) await unlinkWithRetry(fs, instanceFilePath(dataDir), sleep);
  } catch {
    // Best effort: a stale file names a dead pid and a closed port; the next owner replaces it.
  }
}

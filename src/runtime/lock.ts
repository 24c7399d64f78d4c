/**
 * One process per store: a lock file created with O_EXCL (mode 0600) holding
 * `{pid, startedAt, host, token}`. A lock whose pid is no longer running (a crash, a kill -9)
 * is stale and taken over with a warning. The token tells our own locks apart from a previous
 * incarnation that had the same pid (a container restart often reuses pid 1).
 */
import type { FsPort } from "./fs.ts";
import { fsErrorCode, unlinkWithRetry } from "./fs.ts";
import { currentPid, hostName, isProcessAlive } from "./process.ts";
import { StoreLockedError } from "../store/sqljs/durable_errors.ts";

/** A held lock. */
export interface StoreLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Never throws. */
  release(): Promise<void>;
}

/** What the lock file says. */
interface LockInfo {
  pid: number;
  startedAt: string;
  host: string;
  token: string;
}

/** Process facts, injectable for tests of the decision logic. */
export interface LockProcess {
  pid: number;
  host: string;
  isAlive(pid: number): boolean;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Tokens of the locks this process holds (so a second open in the same process is refused). */
const heldHere = new Set<string>();

function parseLock(bytes: Uint8Array): LockInfo | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Partial<LockInfo>;
    if (typeof v.pid !== "number" || typeof v.token !== "string") return null;
    return { pid: v.pid, startedAt: String(v.startedAt ?? "?"), host: String(v.host ?? ""), token: v.token };
  } catch {
    return null;
  }
}

async function readLock(fs: FsPort, path: string): Promise<LockInfo | null | "missing"> {
  try {
    return parseLock(await fs.readFile(path));
  } catch (err) {
    if (fsErrorCode(err) === "ENOENT") return "missing";
    throw err;
  }
}

/** Why a lock is (not) ours to take: "ours-here", "alive", or "stale" with a reason. */
function judge(
  info: LockInfo,
  proc: LockProcess,
): { verdict: "ours-here" } | { verdict: "alive" } | { verdict: "stale"; why: string } {
  if (heldHere.has(info.token)) return { verdict: "ours-here" };
  if (info.host && proc.host && info.host !== proc.host) return { verdict: "alive" }; // cannot check another machine
  if (info.pid === proc.pid) return { verdict: "stale", why: `pid ${info.pid} is this process, which did not take it` };
  if (proc.isAlive(info.pid)) return { verdict: "alive" };
  return { verdict: "stale", why: `pid ${info.pid} is not running` };
}

/**
 * Takes the store lock or throws StoreLockedError naming the holder. `warn` hears about a stale
 * lock being taken over.
 */
export async function acquireLock(
  fs: FsPort,
  path: string,
  dir: string,
  warn: (msg: string) => void,
  proc: LockProcess = defaultLockProcess(),
): Promise<StoreLock> {
  const token = crypto.randomUUID();
  const info: LockInfo = { pid: proc.pid, startedAt: new Date(proc.now()).toISOString(), host: proc.host, token };
  const content = new TextEncoder().encode(JSON.stringify(info) + "\n");

  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const f = await fs.open(path, "wx+", 0o600);
      try {
        await fs.write(f, content, 0);
        await fs.fsync(f);
      } finally {
        await fs.close(f);
      }
      await fs.chmod(path, 0o600);
      // Re-read: if two processes raced through a stale takeover, only one token survives.
      const check = await readLock(fs, path);
      if (check === "missing" || check === null || check.token !== token) continue;
      heldHere.add(token);
      return { path, release: () => releaseLock(fs, path, token, proc.sleep) };
    } catch (err) {
      if (fsErrorCode(err) !== "EEXIST") throw err;
    }
    let other = await readLock(fs, path);
    if (other === null) {
      // Empty or half-written: maybe a process is writing it right now. Look again shortly.
      await proc.sleep(100);
      other = await readLock(fs, path);
    }
    if (other === "missing") continue;
    if (other !== null) {
      const j = judge(other, proc);
      if (j.verdict === "ours-here") {
        throw new StoreLockedError(`This process already has the store at ${dir} open; close it before opening it again.`, path, other.pid);
      }
      if (j.verdict === "alive") {
        const where = other.host && other.host !== proc.host ? ` on host ${other.host}` : "";
        throw new StoreLockedError(
          `Another whatsapp-mcp process (pid ${other.pid}${where}, started ${other.startedAt}) is using the store at ${dir}. ` +
            `Stop it first, or give this one a different store folder. If that process is gone, delete ${path}.`,
          path,
          other.pid,
        );
      }
      warn(`Taking over a stale store lock (${j.why}; it was left by a process that did not exit cleanly).`);
    } else {
      warn(`Taking over an unreadable store lock file (a process probably died while creating it).`);
    }
    // Windows may refuse the delete for a moment (an antivirus scanning the file): retried.
    await unlinkWithRetry(fs, path, proc.sleep);
  }
  throw new StoreLockedError(`Could not take the lock of the store at ${dir}: another process keeps taking it (${path}).`, path, null);
}

async function releaseLock(fs: FsPort, path: string, token: string, sleep: (ms: number) => Promise<void>): Promise<void> {
  heldHere.delete(token);
  try {
    const info = await readLock(fs, path);
    if (info !== "missing" && info !== null && info.token === token) await unlinkWithRetry(fs, path, sleep);
  } catch {
    // Best effort: a lock left behind is stale once we exit and is taken over then.
  }
}

/** The real process facts. */
export function defaultLockProcess(): LockProcess {
  return {
    pid: currentPid(),
    host: hostName(),
    isAlive: isProcessAlive,
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}

/**
 * Process facts the store's lock needs: our pid, whether another pid is alive, the host
 * name, and unref'ing a timer so a background timer never keeps the program running.
 * `node:process`/`node:os` behave the same on Deno 2 (verified: kill(pid, 0) gives ESRCH
 * for a dead pid on both).
 */
import os from "node:os";
import process from "node:process";

/** This process's id. */
export function currentPid(): number {
  return process.pid;
}

/**
 * True if a process with this pid exists. EPERM means it exists but belongs to someone
 * else: still alive. Any answer other than ESRCH counts as alive (the safe side for a lock).
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (killZeroTerminates()) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== "ESRCH";
  }
}

/**
 * Deno before 2.4 implemented node's `process.kill` on Windows with TerminateProcess whatever
 * the signal (denoland/deno#23938, fixed by #29609): asking "alive?" would kill the lock holder.
 * There we never ask, and report "alive" (the user is told to delete the lock if it is stale).
 */
function killZeroTerminates(): boolean {
  if (process.platform !== "win32") return false;
  const v = (globalThis as { Deno?: { version?: { deno?: string } } }).Deno?.version?.deno;
  if (!v) return false;
  const [major = 0, minor = 0] = v.split(".").map(Number);
  return major < 2 || (major === 2 && minor < 4);
}

/** The host name, or "" when it cannot be read (Deno without --allow-sys=hostname). */
export function hostName(): string {
  try {
    return os.hostname();
  } catch {
    return "";
  }
}

/** Lets the program exit while this timer (from globalThis.setTimeout) is pending. */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === "object" && timer !== null && typeof (timer as { unref?: unknown }).unref === "function") {
    (timer as { unref(): void }).unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === "number" && deno?.unrefTimer) deno.unrefTimer(timer);
}

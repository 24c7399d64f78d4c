/**
 * Host facts the store benchmark needs: a scratch folder it can delete afterwards, and the
 * process's resident memory. `node:fs`/`node:os`/`node:process` behave the same on Deno 2.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** Creates a fresh folder (mode 0700) under the system temp folder. */
export async function makeScratchDir(prefix: string): Promise<string> {
  return await mkdtemp(join(tmpdir(), prefix));
}

/** Deletes a folder and everything in it (no error if it is gone). */
export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** A file's size in bytes (0 if it does not exist). */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Resident set size of this process in bytes. */
export function residentMemoryBytes(): number {
  return process.memoryUsage().rss;
}

/** CPU time (user + system) this process has used, in seconds: a benchmark figure less sensitive to load than wall time. */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The 1, 5 and 15 minute load averages (zeros where the system has none): benchmarks report the load they ran at. */
export function loadAverages(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/**
 * CPU time (user + system) used so far by other processes of this machine (e.g. database server
 * backends), in microseconds, from /proc/<pid>/stat (Linux; null elsewhere). Processes that are
 * gone count 0.
 */
export function cpuMicrosOfPids(pids: readonly number[]): number | null {
  if (!existsSync("/proc/self/stat")) return null;
  let micros = 0;
  for (const pid of pids) micros += statCpuMicros(`/proc/${pid}/stat`);
  return micros;
}

/**
 * CPU time used so far by a process's main thread alone (its JavaScript; not the runtime's
 * compiler and GC helper threads), in microseconds (Linux; null elsewhere, 0 once it is gone).
 */
export function mainThreadCpuMicros(pid: number): number | null {
  if (!existsSync("/proc/self/stat")) return null;
  return statCpuMicros(`/proc/${pid}/task/${pid}/stat`);
}

/**
 * Time a process's threads have run on a CPU so far, in microseconds at nanosecond resolution
 * (the scheduler's count, /proc/<pid>/task/<tid>/schedstat; Linux, null elsewhere): the main
 * thread alone, and all its threads (the runtime's compiler and GC helpers too). Unlike the
 * stat files' 10 ms ticks, fine enough for one call of a millisecond; time spent waiting for a
 * CPU on a busy machine is not in it.
 */
export function runMicros(pid: number): { main: number; all: number } | null {
  if (!existsSync("/proc/self/schedstat")) return null;
  const of = (tid: string) => {
    try {
      return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1000;
    } catch {
      return 0; // the thread (or the process) has ended
    }
  };
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { main: 0, all: 0 };
  }
  return { main: of(String(pid)), all: tids.reduce((sum, tid) => sum + of(tid), 0) };
}

/** utime + stime of a /proc stat file, in microseconds (0 if it cannot be read). */
function statCpuMicros(path: string): number {
  const ticksPerSecond = 100; // USER_HZ: 100 on every Linux ABI in use
  try {
    const stat = readFileSync(path, "utf8");
    // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(rest[11]) + Number(rest[12])) / ticksPerSecond) * 1e6;
  } catch {
    return 0; // exited
  }
}

/**
 * Starts a new peak-memory window: the process's high-water mark (VmHWM) is reset to its current
 * resident size (Linux: /proc/self/clear_refs). False where that is not possible.
 */
export function resetPeakMemory(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** The process's peak resident size since start or the last `resetPeakMemory` (Linux), or null. */
export function peakResidentMemoryBytes(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

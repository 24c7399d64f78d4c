/**
 * Host facts the store benchmark needs: a scratch folder it can delete afterwards, and the
 * process's resident memory. `node:fs`/`node:os`/`node:process` behave the same on Deno 2.
 */
import { mkdtemp, rm } from "node:fs/promises";
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

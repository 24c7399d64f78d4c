/**
 * The process adapter: argv, environment, platform facts, exit, signals and stdin closing.
 * `node:process` works on Node and on Deno (its Node compatibility layer), so one file serves both;
 * the Deno-specific bits are guarded.
 */
import process from "node:process";
import os from "node:os";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { HostInfo } from "../config/paths.ts";

/** Runtime name, for logs and status. */
export function runtimeName(): string {
  const deno = (globalThis as { Deno?: { version?: { deno?: string } } }).Deno;
  return deno?.version?.deno ? `deno ${deno.version.deno}` : `node ${process.versions.node}`;
}

/** Command-line arguments after the script. */
export function programArgs(): string[] {
  return process.argv.slice(2);
}

/** A copy of the environment. */
export function environment(): Record<string, string | undefined> {
  return { ...process.env };
}

/** Platform facts for default paths. */
export function hostInfo(): HostInfo {
  return { platform: process.platform, home: os.homedir(), env: environment(), programDir: programDir() };
}

/**
 * The server's own folder (see `HostInfo.programDir`): a compiled binary's folder, else the
 * nearest folder above this module with a package.json (the repository, or the installed package).
 */
export function programDir(): string {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno) {
    const exe = deno.execPath();
    if (!/^deno(\.exe)?$/i.test(path.basename(exe))) return path.dirname(exe);
  }
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.dirname(fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Sets the exit code and exits once pending stderr writes had a chance to flush. */
export function exitProcess(code: number): never {
  process.exit(code);
}

/**
 * Calls `onStop` once on SIGINT, SIGTERM (where the platform has it), or when stdin ends
 * (Claude Desktop closes stdin to stop a server). Returns a function removing the hooks.
 */
export function onStopRequest(onStop: (why: string) => void, opts: { watchStdin: boolean }): () => void {
  let fired = false;
  const fire = (why: string) => {
    if (fired) return;
    fired = true;
    onStop(why);
  };
  const handlers: Array<[string, () => void]> = [];
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    if (process.platform === "win32" && sig === "SIGTERM") continue;
    const h = () => fire(sig);
    try {
      process.on(sig, h);
      handlers.push([sig, h]);
    } catch {
      // Some runtimes refuse some signals on some platforms; the other hooks still apply.
    }
  }
  const onEnd = () => fire("stdin closed");
  if (opts.watchStdin) {
    process.stdin.on("end", onEnd);
    process.stdin.on("close", onEnd);
  }
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
    process.stdin.off("end", onEnd);
    process.stdin.off("close", onEnd);
  };
}

/** Registers a test-only hook (enabled by an environment variable) on SIGUSR2 where it exists. */
export function onDebugSignal(handler: () => void): void {
  if (process.platform === "win32") return;
  try {
    process.on("SIGUSR2", handler);
  } catch {
    // Not available: the hook is for tests on POSIX only.
  }
}

/**
 * Keeps the process alive on a promise rejection nobody handled (Baileys rejects one on a malformed
 * frame; Node and Deno would exit): the handler logs it, and the socket's keep-alive recovers.
 */
export function onUnhandledRejection(handler: (reason: unknown) => void): void {
  process.on("unhandledRejection", (reason) => handler(reason));
  const g = globalThis as { addEventListener?: (type: string, fn: (e: { reason: unknown; preventDefault(): void }) => void) => void; Deno?: unknown };
  if (g.Deno && g.addEventListener) {
    // Deno also dispatches a cancellable event; preventDefault() keeps the process running.
    g.addEventListener("unhandledrejection", (e) => e.preventDefault());
  }
}

/** Where the repository is, from a test file running as TS (Deno) or compiled JS (Node, under dist/). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root (the folder with package.json and deno.json, above dist/ if compiled). */
export function repoRoot(): string {
  let dir = fileURLToPath(new URL(".", import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "deno.json"))) return dir;
    const up = join(dir, "..");
    if (up === dir) throw new Error("repository root not found");
    dir = up;
  }
}

/** True when the test runs under Deno. */
export const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** Options of `serverCommand`. */
export interface ServerCommandOptions {
  /**
   * A module to run before the server's entry point, as a repository-relative TypeScript path
   * (e.g. "test/sim/preload.ts"): on Node its compiled form under dist/ through `--import`, on
   * Deno the file itself through `--preload`. Product code stays untouched (test-only hooks such
   * as the simulator's root key live in the child process this way).
   */
  preload?: string;
}

/**
 * The command line that starts the server on the runtime running this test: compiled JS on Node,
 * the TypeScript entry as is on Deno.
 */
export function serverCommand(extraArgs: string[] = [], opts: ServerCommandOptions = {}): { command: string; args: string[] } {
  const root = repoRoot();
  if (isDeno) {
    const deno = (globalThis as unknown as { Deno: { execPath(): string } }).Deno;
    const preload = opts.preload ? ["--preload", join(root, opts.preload)] : [];
    return { command: deno.execPath(), args: ["run", "-A", "--no-check", ...preload, join(root, "src", "main.ts"), ...extraArgs] };
  }
  // --import takes a module specifier: a file URL works for absolute paths on every platform.
  const preload = opts.preload ? ["--import", pathToFileURL(join(root, "dist", opts.preload.replace(/\.ts$/, ".js"))).href] : [];
  return { command: process.execPath, args: [...preload, join(root, "dist", "src", "main.js"), ...extraArgs] };
}

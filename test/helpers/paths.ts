/** Where the repository is, from a test file running as TS (Deno) or compiled JS (Node, under dist/). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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

/**
 * The command line that starts the server on the runtime running this test: compiled JS on Node,
 * the TypeScript entry as is on Deno.
 */
export function serverCommand(extraArgs: string[] = []): { command: string; args: string[] } {
  const root = repoRoot();
  if (isDeno) {
    const deno = (globalThis as unknown as { Deno: { execPath(): string } }).Deno;
    return { command: deno.execPath(), args: ["run", "-A", "--no-check", join(root, "src", "main.ts"), ...extraArgs] };
  }
  return { command: process.execPath, args: [join(root, "dist", "src", "main.js"), ...extraArgs] };
}

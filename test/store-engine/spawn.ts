/** Spawning the test child on either runtime: Node runs the compiled JS, Deno the TypeScript. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;

/** The repository root (cwd for children, so Deno finds deno.json and node_modules). */
export const repoRoot: string = fileURLToPath(new URL(deno ? "../../" : "../../../", import.meta.url));

/** Starts `child_store` with args; stdout is piped. */
export function spawnChild(args: string[]): ChildProcess {
  const script = fileURLToPath(new URL(deno ? "./child_store.ts" : "./child_store.js", import.meta.url));
  const [cmd, argv] = deno ? [deno.execPath(), ["run", "-A", script, ...args]] : [process.execPath, [script, ...args]];
  return spawn(cmd, argv, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
}

/** Starts a process that exits at once; resolves with its (now dead) pid. */
export function deadPid(): Promise<number> {
  const [cmd, argv] = deno ? [deno.execPath(), ["eval", ""]] : [process.execPath, ["-e", ""]];
  const child = spawn(cmd, argv, { stdio: "ignore" });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", () => resolve(child.pid!));
  });
}

/** Calls `onLine` for each stdout line; resolves with the exit code/signal. */
export function watchLines(child: ChildProcess, onLine: (line: string) => void): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  let buf = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    buf += chunk;
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      onLine(line);
    }
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (c: string) => (stderr += c));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr })));
}

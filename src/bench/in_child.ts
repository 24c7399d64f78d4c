/**
 * Runs a `bench` subcommand in a new process of the same runtime and returns its JSON: a memory
 * figure (resident size, its peak) taken in the process that built a 1M store would count what
 * that process still holds (the generated history, the ingest's heap), not the store.
 * A development entry point, as `startup.ts`.
 */
import { spawn } from "node:child_process";
import { repoRoot, runtimeTargets } from "./startup.ts";
import { runtimeName } from "../runtime/host.ts";

/** The entry of this runtime (Node: the compiled JS; Deno: the .ts), or null when there is none (a compiled binary). */
function sameRuntime(): [string, string[]] | null {
  const name = runtimeName().split(" ")[0];
  const target = runtimeTargets(repoRoot()).find(([n]) => n === name);
  return target ? [target[1], target[2]] : null;
}

/** `bench <args>` in a child process: its printed JSON, or null when no child can be started here. */
export function benchInChild(args: string[]): Promise<Record<string, unknown>> | null {
  const entry = sameRuntime();
  if (entry === null) return null;
  const [command, base] = entry;
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...base, "bench", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (c: string) => (out += c));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`bench ${args[0]} in a child process exited with ${code}`));
      try {
        resolve(JSON.parse(out) as Record<string, unknown>);
      } catch {
        reject(new Error(`bench ${args[0]} in a child process printed no JSON`));
      }
    });
  });
}

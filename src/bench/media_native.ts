/**
 * Runs a native `ffmpeg` from PATH for the media benchmark's comparison (a development tool, never
 * a runtime dependency). It spawns processes and stages files, so it lives with the bench entry points.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Runs `ffmpeg <args>` `times` times in a folder holding `inputs`; ms per run, or undefined if ffmpeg is missing or fails. */
export async function timeNativeFfmpeg(args: string[], inputs: Record<string, Uint8Array>, times: number): Promise<number[] | undefined> {
  const dir = await mkdtemp(join(tmpdir(), "wa-mcp-bench-"));
  try {
    for (const [name, bytes] of Object.entries(inputs)) await writeFile(join(dir, name), bytes);
    const out: number[] = [];
    for (let i = 0; i < times; i++) {
      const t0 = performance.now();
      const code = await new Promise<number>((resolve) => {
        const child = spawn("ffmpeg", args, { cwd: dir, stdio: ["ignore", "ignore", "ignore"] });
        child.on("error", () => resolve(-1));
        child.on("close", (c) => resolve(c ?? -1));
      });
      if (code !== 0) return undefined;
      out.push(performance.now() - t0);
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

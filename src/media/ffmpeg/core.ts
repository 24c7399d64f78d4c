/**
 * Loads @ffmpeg/core ourselves (the `@ffmpeg/ffmpeg` wrapper refuses to run outside a browser)
 * and runs one job on a fresh instance of the once-compiled module: an instance can crash after
 * some runs (known upstream bug), and a fresh one costs a few ms while compiling costs ~100 ms.
 * Runs inside the worker; nothing here is specific to a runtime.
 */
import type { FromWorker } from "./protocol.ts";

/** The parts of the Emscripten module that we use. */
interface CoreModule {
  exec(...args: string[]): number;
  ffprobe(...args: string[]): number;
  setLogger(fn: (entry: { type: "stdout" | "stderr"; message: string }) => void): void;
  /** The instance's memory (its length is the wasm memory's high-water mark: it only grows). */
  HEAPU8: Uint8Array;
  FS: {
    writeFile(path: string, data: Uint8Array): void;
    readFile(path: string): Uint8Array;
    analyzePath(path: string): { exists: boolean };
  };
}

type CoreFactory = (moduleArg: Record<string, unknown>) => Promise<CoreModule>;

/** A compiled ffmpeg core, ready to make instances. */
export interface LoadedCore {
  factory: CoreFactory;
  module: WebAssembly.Module;
  compileMs: number;
}

/**
 * Compiles the wasm and imports the factory. The factory looks for `self.location` (it believes it
 * is in a browser worker); Node's worker threads have neither, and the value is never used for
 * loading because we hand over the compiled module.
 */
export async function loadCore(wasmBytes: Uint8Array, factoryUrl: string): Promise<LoadedCore> {
  const g = globalThis as { self?: unknown; location?: unknown };
  if (typeof g.self === "undefined") g.self = globalThis;
  const self = g.self as { location?: unknown };
  if (!self.location) self.location = { href: factoryUrl };
  const t0 = performance.now();
  const module = await WebAssembly.compile(wasmBytes as Uint8Array<ArrayBuffer>);
  const compileMs = performance.now() - t0;
  const imported = (await import(factoryUrl)) as { default: CoreFactory };
  return { factory: imported.default, module, compileMs };
}

// Keeps the tail of a long log: ffmpeg can print a line per frame.
class LineBuffer {
  private lines: string[] = [];
  private chars = 0;
  constructor(private readonly maxChars: number) {}
  push(line: string): void {
    this.lines.push(line);
    this.chars += line.length + 1;
    while (this.chars > this.maxChars && this.lines.length > 1) this.chars -= this.lines.shift()!.length + 1;
  }
  text(): string {
    return this.lines.join("\n");
  }
}

/** Runs one job on a fresh instance. Throws only if the instance could not be made or the run trapped. */
export async function runOnFreshInstance(
  core: LoadedCore,
  job: { id: number; tool: "ffmpeg" | "ffprobe"; args: string[]; inputs: Record<string, Uint8Array>; outputs: string[] },
): Promise<Extract<FromWorker, { type: "done" }>> {
  const t0 = performance.now();
  let instantiateFailed: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (instantiateFailed = reject));
  const instance = await Promise.race([
    core.factory({
      // Hands over the compiled module; without this the factory would try to fetch the .wasm.
      instantiateWasm(imports: WebAssembly.Imports, receive: (i: WebAssembly.Instance) => void) {
        WebAssembly.instantiate(core.module, imports).then(receive, instantiateFailed);
        return {};
      },
    }),
    failed,
  ]);
  const log = new LineBuffer(64 * 1024);
  const stdout = new LineBuffer(4 * 1024 * 1024);
  instance.setLogger((e) => {
    // The core ends every run through Emscripten's abort(), which prints this: it is not an error.
    if (e.message === "Aborted()") return;
    (e.type === "stdout" ? stdout : log).push(e.message);
  });
  for (const [name, bytes] of Object.entries(job.inputs)) instance.FS.writeFile(name, bytes);
  const exitCode = job.tool === "ffprobe" ? instance.ffprobe(...job.args) : instance.exec(...job.args);
  const outputs: Record<string, Uint8Array> = {};
  const missing: string[] = [];
  for (const name of job.outputs) {
    if (instance.FS.analyzePath(name).exists) outputs[name] = instance.FS.readFile(name);
    else missing.push(name);
  }
  return {
    type: "done", id: job.id, exitCode, outputs, missing, log: log.text(), stdout: stdout.text(), ms: performance.now() - t0,
    memoryBytes: instance.HEAPU8.length,
  };
}

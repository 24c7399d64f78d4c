/**
 * Runs ffmpeg.wasm jobs one at a time in a worker, with a bounded queue and a time limit per job.
 * A job that times out or is cancelled while running stops the worker; a worker that crashes
 * fails only the job it was running. Either way the next job gets a fresh worker. An idle worker
 * is stopped after a while to give its memory back.
 */
import { type Clock, systemClock } from "../../../supervisors/mod.ts";
import { createLogger } from "../../log.ts";
import { pathToFileUrl } from "../../runtime/fs_paths.ts";
import { siblingModuleUrl, spawnWorker, type WorkerHandle } from "../../runtime/worker.ts";
import { locateWasm, type WasmLocation } from "../../../wasm/locate.ts";
import { FfmpegFailedError, MediaError } from "../errors.ts";
import {
  type FfmpegExec,
  type FfmpegJob,
  type FfmpegResult,
  DOC_TEXT_OUTPUT,
  type FromWorker,
  JOB_FILE_NAME,
  type ToWorker,
  type WorkerFault,
} from "./protocol.ts";

const log = createLogger("media.ffmpeg");

/** The timers the runner needs: the kernel's clock (tests pass a manual one). */
type Timers = Pick<Clock, "setTimeout" | "clearTimeout">;

/** Tuning and seams of the runner. */
export interface FfmpegRunnerOptions {
  /** Jobs allowed to wait behind the running one; more are refused (`queue_full`). Default 16. */
  maxQueue?: number;
  /** Time limit for jobs that set none. Default 120 000 ms. */
  defaultTimeoutMs?: number;
  /** Stop the worker after this long without work (0 = keep it). Default 60 000 ms. */
  idleMs?: number;
  /** Replace the worker after this many jobs, bounding any slow leak. Default 500. */
  maxJobsPerWorker?: number;
  clock?: Timers;
  /** Where the core is (default: `locateWasm("ffmpeg-core")`). */
  locate?: () => Promise<WasmLocation>;
  /** Seam for starting workers (default: the runtime adapter). */
  spawn?: typeof spawnWorker;
  /**
   * Cap of the worker's JavaScript heap in MB (Node: `resourceLimits`; Deno has no per-worker cap).
   * A job past it kills only the worker (`worker_crashed`). ffmpeg's own memory is the wasm's,
   * bounded by the core's maximum. Default 768.
   */
  maxHeapMb?: number;
  /** Observes the runner's life (metrics, tests). Must not throw. */
  onEvent?: (event: FfmpegRunnerEvent) => void;
}

/** Things that happen in the runner. */
export type FfmpegRunnerEvent =
  | { type: "worker_spawned" }
  | { type: "worker_ready"; compileMs: number }
  | { type: "job_started"; id: number }
  | { type: "worker_stopped"; reason: "timeout" | "crash" | "aborted" | "idle" | "recycled" | "closed" | "init_failed" };

/** Counters, for status pages and tests. */
export interface FfmpegRunnerStats {
  queued: number;
  running: boolean;
  workerAlive: boolean;
  workersStarted: number;
  jobsDone: number;
  jobsFailed: number;
  timeouts: number;
  crashes: number;
  /** Compile time of the current worker's module, once known. */
  lastCompileMs?: number;
}

interface Pending {
  id: number;
  msg: ToWorker;
  tool: "ffmpeg" | "ffprobe";
  outputs: string[];
  timeoutMs: number;
  resolve(r: FfmpegResult): void;
  reject(e: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  cancelTimer?: () => void;
}

interface WorkerSlot {
  handle: WorkerHandle;
  jobs: number;
}

// The end of an ffmpeg log for an error message, without the "[mp3 @ 0x5f1e8]" context prefixes.
function lastLines(text: string, n = 3): string {
  return text
    .split("\n")
    .map((l) => l.replace(/\[[\w:.-]+ @ 0x[0-9a-f]+\]\s*/g, "").trim())
    .filter((l) => l !== "")
    .slice(-n)
    .join(" | ");
}

/** The ffmpeg job runner (see the file comment). */
export class FfmpegRunner implements FfmpegExec {
  private readonly maxQueue: number;
  private readonly defaultTimeoutMs: number;
  private readonly idleMs: number;
  private readonly maxJobsPerWorker: number;
  private readonly clock: Timers;
  private readonly locate: () => Promise<WasmLocation>;
  private readonly spawn: typeof spawnWorker;
  private readonly onEvent: (event: FfmpegRunnerEvent) => void;
  private readonly maxHeapMb: number;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private worker: WorkerSlot | undefined;
  private cancelIdle: (() => void) | undefined;
  private nextId = 1;
  private closed = false;
  private readonly counters: Omit<FfmpegRunnerStats, "queued" | "running" | "workerAlive"> = {
    workersStarted: 0,
    jobsDone: 0,
    jobsFailed: 0,
    timeouts: 0,
    crashes: 0,
  };

  constructor(opts: FfmpegRunnerOptions = {}) {
    this.maxQueue = opts.maxQueue ?? 16;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 120_000;
    this.idleMs = opts.idleMs ?? 60_000;
    this.maxJobsPerWorker = opts.maxJobsPerWorker ?? 500;
    this.clock = opts.clock ?? systemClock;
    this.locate = opts.locate ?? (() => locateWasm("ffmpeg-core"));
    this.spawn = opts.spawn ?? spawnWorker;
    this.onEvent = opts.onEvent ?? (() => {});
    this.maxHeapMb = opts.maxHeapMb ?? 768;
  }

  /**
   * Runs a job. Rejects with `MediaError` codes `queue_full`, `timeout`, `worker_crashed`,
   * `wasm_unavailable`, `aborted`, `closed`, or `FfmpegFailedError` (non-zero exit, missing output).
   */
  run(job: FfmpegJob): Promise<FfmpegResult> {
    const inputs = job.inputs ?? {};
    const outputs = job.outputs ?? [];
    for (const name of [...Object.keys(inputs), ...outputs]) {
      if (!JOB_FILE_NAME.test(name)) throw new TypeError(`Invalid job file name ${JSON.stringify(name)}: use letters, digits, ".", "_", "-"`);
    }
    if (!Array.isArray(job.args) || job.args.some((a) => typeof a !== "string")) throw new TypeError("job.args must be an array of strings");
    const tool = job.tool ?? "ffmpeg";
    // postMessage copies a view's whole underlying buffer: send only the bytes that matter.
    const sent: Record<string, Uint8Array> = {};
    for (const [name, bytes] of Object.entries(inputs)) {
      sent[name] = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    }
    return this.enqueue(
      (id) => ({ type: "job", id, tool, args: job.args, inputs: sent, outputs }),
      tool,
      outputs,
      job.timeoutMs,
      job.signal,
    );
  }

  /**
   * Reads the text of a PDF's first `maxPages` pages in the worker, under the same queue, time
   * limit and crash isolation as ffmpeg jobs. Rejects like `run` (a PDF that cannot be read:
   * `FfmpegFailedError` with PDF.js's message).
   */
  async pdfText(bytes: Uint8Array, opts: { maxPages: number; timeoutMs?: number; signal?: AbortSignal }): Promise<{ totalPages: number; pages: string[] }> {
    const copy = bytes.slice();
    const r = await this.enqueue(
      (id) => ({ type: "pdf_text", id, bytes: copy, maxPages: opts.maxPages }),
      "ffmpeg",
      [DOC_TEXT_OUTPUT],
      opts.timeoutMs,
      opts.signal,
    );
    return JSON.parse(new TextDecoder().decode(r.outputs[DOC_TEXT_OUTPUT]));
  }

  /**
   * Test hook: makes the worker throw (`throw`), exit (`exit`) or spin forever (`hang`) as its
   * next job. The returned promise rejects as a real failure would (`worker_crashed` / `timeout`).
   */
  injectFault(fault: WorkerFault, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<FfmpegResult> {
    return this.enqueue((id) => ({ type: "fault", id, fault }), "ffmpeg", [], opts.timeoutMs, opts.signal);
  }

  /** Current counters. */
  stats(): FfmpegRunnerStats {
    return { ...this.counters, queued: this.queue.length, running: this.current !== undefined, workerAlive: this.worker !== undefined };
  }

  /** Refuses new jobs, fails waiting and running ones (`closed`) and stops the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelIdle?.();
    const err = () => new MediaError("closed", "The media service is shutting down");
    for (const p of this.queue.splice(0)) this.settle(p, err());
    if (this.current) this.settle(this.current, err());
    this.current = undefined;
    await this.dropWorker("closed");
  }

  private enqueue(
    make: (id: number) => ToWorker,
    tool: "ffmpeg" | "ffprobe",
    outputs: string[],
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<FfmpegResult> {
    if (this.closed) return Promise.reject(new MediaError("closed", "The media service is shut down"));
    if (signal?.aborted) return Promise.reject(new MediaError("aborted", "The media job was cancelled before it started"));
    const waiting = this.queue.length;
    if (waiting >= this.maxQueue) {
      return Promise.reject(
        new MediaError("queue_full", `Media queue is full: ${waiting} jobs are already waiting (limit ${this.maxQueue}); try again shortly`),
      );
    }
    const ms = timeoutMs ?? this.defaultTimeoutMs;
    if (!(ms > 0) || !Number.isFinite(ms)) throw new TypeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
    const id = this.nextId++;
    return new Promise<FfmpegResult>((resolve, reject) => {
      const p: Pending = { id, msg: make(id), tool, outputs, timeoutMs: ms, resolve, reject, signal };
      if (signal) {
        p.onAbort = () => this.abort(p);
        signal.addEventListener("abort", p.onAbort, { once: true });
      }
      this.queue.push(p);
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const next = this.queue.shift();
    if (!next) {
      this.armIdle();
      return;
    }
    this.cancelIdle?.();
    this.cancelIdle = undefined;
    this.current = next;
    const timer = this.clock.setTimeout(() => this.onTimeout(next), next.timeoutMs);
    next.cancelTimer = () => this.clock.clearTimeout(timer);
    void this.dispatch(next);
  }

  private async dispatch(p: Pending): Promise<void> {
    let slot: WorkerSlot;
    try {
      slot = await this.ensureWorker();
    } catch (e) {
      if (this.current === p) {
        this.finish(p, new MediaError("wasm_unavailable", `Cannot start ffmpeg.wasm: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      }
      return;
    }
    if (this.current !== p || this.worker !== slot) return; // timed out, aborted or closed meanwhile
    slot.jobs++;
    slot.handle.keepAlive(true);
    slot.handle.post(p.msg);
  }

  private async ensureWorker(): Promise<WorkerSlot> {
    if (this.worker) return this.worker;
    const loc = await this.locate();
    if (!loc.factoryPath) throw new Error("the ffmpeg core factory (ffmpeg-core.js) was not found next to the wasm");
    if (this.worker) return this.worker; // another dispatch won the race
    if (this.closed) throw new Error("closed");
    const slot: WorkerSlot = { handle: undefined as unknown as WorkerHandle, jobs: 0 };
    slot.handle = this.spawn(siblingModuleUrl(import.meta.url, "worker_main"), {
      onMessage: (msg) => this.onWorkerMessage(slot, msg as FromWorker),
      onError: (err) => this.onWorkerGone(slot, `it threw: ${err.message}`),
      onExit: (code) => this.onWorkerGone(slot, `it exited with code ${code}`),
    }, { maxHeapMb: this.maxHeapMb });
    this.worker = slot;
    this.counters.workersStarted++;
    this.onEvent({ type: "worker_spawned" });
    slot.handle.post({ type: "init", wasmPath: loc.wasmPath, factoryUrl: pathToFileUrl(loc.factoryPath).href } satisfies ToWorker);
    return slot;
  }

  private onWorkerMessage(slot: WorkerSlot, msg: FromWorker): void {
    if (slot !== this.worker) return;
    const p = this.current;
    switch (msg.type) {
      case "ready":
        this.counters.lastCompileMs = msg.compileMs;
        log.debug("ffmpeg worker ready", { compileMs: Math.round(msg.compileMs) });
        this.onEvent({ type: "worker_ready", compileMs: msg.compileMs });
        return;
      case "started":
        if (p?.id === msg.id) this.onEvent({ type: "job_started", id: msg.id });
        return;
      case "init_failed":
        log.warn("ffmpeg worker could not load the core", { error: msg.message });
        void this.dropWorker("init_failed");
        if (p) this.finish(p, new MediaError("wasm_unavailable", `Cannot load ffmpeg.wasm: ${msg.message}`));
        return;
      case "failed":
        if (p?.id === msg.id) this.finish(p, new FfmpegFailedError(`ffmpeg could not run the job: ${msg.message}`, -1, msg.log));
        return;
      case "done": {
        if (p?.id !== msg.id) return;
        if (slot.jobs >= this.maxJobsPerWorker) void this.dropWorker("recycled");
        if (p.tool === "ffmpeg" && msg.exitCode !== 0) {
          this.finish(p, new FfmpegFailedError(`ffmpeg failed (exit ${msg.exitCode}): ${lastLines(msg.log)}`, msg.exitCode, msg.log));
        } else if (msg.missing.length > 0) {
          this.finish(p, new FfmpegFailedError(`ffmpeg produced no ${msg.missing.join(", ")}: ${lastLines(msg.log)}`, msg.exitCode, msg.log));
        } else {
          this.finish(p, { outputs: msg.outputs, log: msg.log, stdout: msg.stdout, exitCode: msg.exitCode, memoryBytes: msg.memoryBytes });
        }
        return;
      }
    }
  }

  private onWorkerGone(slot: WorkerSlot, why: string): void {
    if (slot !== this.worker) return;
    this.counters.crashes++;
    log.warn("ffmpeg worker died", { why });
    void this.dropWorker("crash");
    const p = this.current;
    if (p) {
      this.finish(p, new MediaError("worker_crashed", `The ffmpeg worker crashed during the job (${why}); the next job gets a new worker`));
    }
  }

  private onTimeout(p: Pending): void {
    if (this.current !== p) return;
    this.counters.timeouts++;
    log.warn("ffmpeg job timed out; stopping the worker", { timeoutMs: p.timeoutMs });
    void this.dropWorker("timeout");
    this.finish(p, new MediaError("timeout", `The media job took longer than ${p.timeoutMs} ms and was stopped`));
  }

  private abort(p: Pending): void {
    const err = new MediaError("aborted", "The media job was cancelled");
    const i = this.queue.indexOf(p);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.settle(p, err);
    } else if (this.current === p) {
      void this.dropWorker("aborted");
      this.finish(p, err);
    }
  }

  private finish(p: Pending, outcome: FfmpegResult | Error): void {
    if (this.current === p) this.current = undefined;
    this.settle(p, outcome);
    this.pump();
  }

  private settle(p: Pending, outcome: FfmpegResult | Error): void {
    p.cancelTimer?.();
    if (p.onAbort) p.signal?.removeEventListener("abort", p.onAbort);
    if (outcome instanceof Error) {
      this.counters.jobsFailed++;
      p.reject(outcome);
    } else {
      this.counters.jobsDone++;
      p.resolve(outcome);
    }
  }

  private armIdle(): void {
    const slot = this.worker;
    if (!slot) return;
    slot.handle.keepAlive(false);
    if (this.idleMs <= 0 || this.cancelIdle) return;
    const timer = this.clock.setTimeout(() => {
      this.cancelIdle = undefined;
      if (this.worker === slot && !this.current) void this.dropWorker("idle");
    }, this.idleMs);
    this.cancelIdle = () => this.clock.clearTimeout(timer);
  }

  private async dropWorker(reason: Extract<FfmpegRunnerEvent, { type: "worker_stopped" }>["reason"]): Promise<void> {
    const slot = this.worker;
    this.worker = undefined;
    if (!slot) return;
    this.onEvent({ type: "worker_stopped", reason });
    await slot.handle.terminate();
  }
}

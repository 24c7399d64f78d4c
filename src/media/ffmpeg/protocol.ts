/** Messages between the runner (parent) and the ffmpeg worker, and the job shapes both sides share. */

/** One ffmpeg (or ffprobe) run on files in a private in-memory file system. */
export interface FfmpegJob {
  /** Arguments after the program name, e.g. `["-i", "in.mp3", "out.ogg"]`. `-nostdin -y` are implied. */
  args: string[];
  /** Files to create before the run, by plain name (letters, digits, `._-`). */
  inputs?: Record<string, Uint8Array>;
  /** Files to read back after the run; a missing one fails the job. */
  outputs?: string[];
  /** Limit for this job in ms, counted from when it starts running (not while queued). */
  timeoutMs?: number;
  /** `ffprobe` runs ffprobe; its report is in `stdout`. Default `ffmpeg`. */
  tool?: "ffmpeg" | "ffprobe";
  /** Cancels the job (queued: removed; running: the worker is stopped). */
  signal?: AbortSignal;
}

/** What a job produced. */
export interface FfmpegResult {
  outputs: Record<string, Uint8Array>;
  /** ffmpeg's stderr (its log), last lines only if long. */
  log: string;
  /** The program's stdout (ffprobe's report). */
  stdout: string;
  /** Exit code (ffprobe reports -1 even on success in this build: judge its stdout). */
  exitCode: number;
  /** Memory the job's wasm instance ended with (its peak), when known. */
  memoryBytes?: number;
}

/** Anything that runs ffmpeg jobs: the runner, or a fake at this seam in tests of callers. */
export interface FfmpegExec {
  run(job: FfmpegJob): Promise<FfmpegResult>;
}

/** Faults a test can make the worker commit, to prove recovery. */
export type WorkerFault = "throw" | "exit" | "hang";

/** Parent → worker. */
export type ToWorker =
  | { type: "init"; wasmPath: string; factoryUrl: string }
  | {
    type: "job";
    id: number;
    tool: "ffmpeg" | "ffprobe";
    args: string[];
    inputs: Record<string, Uint8Array>;
    outputs: string[];
  }
  | { type: "fault"; id: number; fault: WorkerFault }
  /** Text of a PDF (pages 1..maxPages); answered with `done`, output `DOC_TEXT_OUTPUT` (JSON `PdfText`). */
  | { type: "pdf_text"; id: number; bytes: Uint8Array; maxPages: number };

/** Worker → parent. */
export type FromWorker =
  | { type: "ready"; compileMs: number }
  | { type: "started"; id: number }
  | { type: "init_failed"; message: string }
  | {
    type: "done";
    id: number;
    exitCode: number;
    outputs: Record<string, Uint8Array>;
    missing: string[];
    log: string;
    stdout: string;
    ms: number;
    memoryBytes?: number;
  }
  | { type: "failed"; id: number; message: string; log: string };

/** Name of the output a `pdf_text` job answers with (UTF-8 JSON). */
export const DOC_TEXT_OUTPUT = "pdf_text.json";

/** File names allowed in a job: plain names only (the in-memory file system has no other files to reach anyway). */
export const JOB_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

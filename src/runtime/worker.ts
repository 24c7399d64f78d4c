/**
 * Worker threads on both runtimes, behind one small interface.
 * Deno: a Web Worker (`new Worker(url, { type: "module" })`). Node: `node:worker_threads`.
 * The parent side is `spawnWorker`; a worker script calls `connectToParent` and never needs
 * to know which runtime it is on.
 */
import { parentPort, Worker as NodeWorker } from "node:worker_threads";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

// Deno gives the parent no event when a Web Worker closes itself, so a worker that exits on
// purpose sends this marker first and the parent reports it as an exit.
const EXIT_MARKER = "__wa_mcp_worker_exit__";

/** What the parent hears from a worker. */
export interface WorkerEvents {
  onMessage(msg: unknown): void;
  /** An uncaught error in the worker (it is gone afterwards). */
  onError(error: Error): void;
  /** The worker stopped by itself (`exit` in the worker, or the thread ended). */
  onExit(code: number): void;
}

/** The parent's handle on a worker. */
export interface WorkerHandle {
  /** Sends a message; buffers listed in `transfer` move to the worker (detached here). */
  post(msg: unknown, transfer?: ArrayBuffer[]): void;
  /** Stops the worker at once, even in the middle of a synchronous computation. */
  terminate(): Promise<void>;
  /** Node: whether this worker keeps the process alive (unref it while idle). No-op on Deno. */
  keepAlive(on: boolean): void;
}

/** Limits of one worker. */
export interface WorkerLimits {
  /** Cap of the worker's JavaScript heap (Node `resourceLimits.maxOldGenerationSizeMb`; Deno has no such cap). */
  maxHeapMb?: number;
}

/** Starts `url` (a module) as a worker. Events arrive after this returns. */
export function spawnWorker(url: URL, events: WorkerEvents, limits: WorkerLimits = {}): WorkerHandle {
  return isDeno ? spawnDeno(url, events) : spawnNode(url, events, limits);
}

function isExitMarker(msg: unknown): msg is { [EXIT_MARKER]: number } {
  return typeof msg === "object" && msg !== null && EXIT_MARKER in msg;
}

function spawnDeno(url: URL, events: WorkerEvents): WorkerHandle {
  const w = new Worker(url.href, { type: "module" });
  let ended = false;
  w.onmessage = (e: MessageEvent) => {
    if (ended) return;
    if (isExitMarker(e.data)) {
      ended = true;
      w.terminate();
      events.onExit(e.data[EXIT_MARKER]);
      return;
    }
    events.onMessage(e.data);
  };
  w.onerror = (e: ErrorEvent) => {
    // Without preventDefault an uncaught error in a worker takes the whole Deno process down.
    e.preventDefault();
    if (ended) return;
    ended = true;
    w.terminate();
    events.onError(new Error(e.message || "worker error"));
  };
  w.onmessageerror = () => {
    if (ended) return;
    events.onError(new Error("a message from the worker could not be deserialized"));
  };
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer ?? []),
    terminate: () => {
      ended = true;
      w.terminate();
      return Promise.resolve();
    },
    keepAlive: () => {},
  };
}

function spawnNode(url: URL, events: WorkerEvents, limits: WorkerLimits): WorkerHandle {
  // Past the heap cap Node ends the worker with ERR_WORKER_OUT_OF_MEMORY: an `error` event here.
  const w = new NodeWorker(url, limits.maxHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb } } : undefined);
  let ended = false;
  w.on("message", (msg: unknown) => {
    if (ended) return;
    if (isExitMarker(msg)) return; // the real "exit" event follows
    events.onMessage(msg);
  });
  w.on("error", (err: unknown) => {
    if (ended) return;
    ended = true;
    events.onError(err instanceof Error ? err : new Error(String(err)));
  });
  w.on("messageerror", () => {
    if (!ended) events.onError(new Error("a message from the worker could not be deserialized"));
  });
  w.on("exit", (code: number) => {
    if (ended) return;
    ended = true;
    events.onExit(code);
  });
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer ?? []),
    terminate: async () => {
      ended = true;
      await w.terminate();
    },
    keepAlive: (on) => (on ? w.ref() : w.unref()),
  };
}

/** The worker's side of the channel. */
export interface ParentPort {
  post(msg: unknown, transfer?: ArrayBuffer[]): void;
  /** Registers the message handler (one). */
  onMessage(handler: (msg: unknown) => void): void;
  /**
   * Ends this worker; the parent gets `onExit(code)`. On Deno the worker stops after the current
   * task, so the caller should return right after calling this.
   */
  exit(code: number): void;
}

/** Called inside a worker script: the channel to the parent. Throws if not running in a worker. */
export function connectToParent(): ParentPort {
  if (isDeno) {
    const scope = globalThis as unknown as {
      postMessage(msg: unknown, transfer?: Transferable[]): void;
      onmessage: ((e: MessageEvent) => void) | null;
      close(): void;
    };
    if (typeof scope.postMessage !== "function" || !("WorkerGlobalScope" in globalThis)) {
      throw new Error("connectToParent() called outside a worker");
    }
    return {
      post: (msg, transfer) => scope.postMessage(msg, transfer ?? []),
      onMessage: (handler) => {
        scope.onmessage = (e) => handler(e.data);
      },
      exit: (code) => {
        scope.postMessage({ [EXIT_MARKER]: code });
        scope.close();
      },
    };
  }
  const port = parentPort;
  if (!port) throw new Error("connectToParent() called outside a worker");
  return {
    post: (msg, transfer) => port.postMessage(msg, transfer ?? []),
    onMessage: (handler) => {
      port.on("message", handler);
    },
    exit: (code) => {
      // In a worker thread process.exit ends only this thread.
      process.exit(code);
    },
  };
}

/**
 * URL of a sibling module of `base` (pass `import.meta.url`) named `stem`, with the extension
 * the caller itself has: `.ts` when running from source (Deno), `.js` when compiled (Node).
 */
export function siblingModuleUrl(base: string, stem: string): URL {
  const ext = new URL(base).pathname.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`./${stem}${ext}`, base);
}

/**
 * The ffmpeg worker script (runs as a Deno Web Worker or a Node worker thread). It compiles the
 * core once on `init`, then runs each `job` on a fresh instance, one at a time in arrival order.
 * A job that fails inside ffmpeg is answered with `failed`; only a broken worker dies.
 */
import { connectToParent } from "../../runtime/worker.ts";
import { readFileBytes } from "../../runtime/fs_paths.ts";
import { loadCore, runOnFreshInstance, type LoadedCore } from "./core.ts";
import { pdfText } from "./doc_text.ts";
import { DOC_TEXT_OUTPUT, type FromWorker, type ToWorker } from "./protocol.ts";

const port = connectToParent();
let core: LoadedCore | undefined;
// Messages are handled strictly in order: a job posted right after `init` waits for the compile.
let chain: Promise<void> = Promise.resolve();

function reply(msg: FromWorker): void {
  const transfer: ArrayBuffer[] = [];
  if (msg.type === "done") {
    for (const bytes of Object.values(msg.outputs)) {
      if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) transfer.push(bytes.buffer as ArrayBuffer);
    }
  }
  port.post(msg, transfer);
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case "init": {
      try {
        core = await loadCore(await readFileBytes(msg.wasmPath), msg.factoryUrl);
        reply({ type: "ready", compileMs: core.compileMs });
      } catch (e) {
        reply({ type: "init_failed", message: e instanceof Error ? e.message : String(e) });
      }
      return;
    }
    case "job": {
      if (!core) {
        reply({ type: "failed", id: msg.id, message: "ffmpeg core not loaded", log: "" });
        return;
      }
      reply({ type: "started", id: msg.id });
      try {
        reply(await runOnFreshInstance(core, msg));
      } catch (e) {
        // A trap inside the wasm (or a failed instantiation): this instance is dropped anyway.
        reply({ type: "failed", id: msg.id, message: e instanceof Error ? e.message : String(e), log: "" });
      }
      return;
    }
    case "pdf_text": {
      reply({ type: "started", id: msg.id });
      const t0 = performance.now();
      try {
        const out = new TextEncoder().encode(JSON.stringify(await pdfText(msg.bytes, msg.maxPages)));
        reply({ type: "done", id: msg.id, exitCode: 0, outputs: { [DOC_TEXT_OUTPUT]: out }, missing: [], log: "", stdout: "", ms: performance.now() - t0 });
      } catch (e) {
        // A PDF PDF.js cannot read: the job fails, the worker lives on.
        reply({ type: "failed", id: msg.id, message: e instanceof Error ? e.message : String(e), log: "" });
      }
      return;
    }
    case "fault": {
      // Test hooks: prove that the runner survives a worker that dies or stops answering.
      reply({ type: "started", id: msg.id });
      if (msg.fault === "exit") {
        port.exit(70);
        return;
      }
      if (msg.fault === "hang") {
        for (;;) {
          // busy forever: only terminate() ends this
        }
      }
      setTimeout(() => {
        throw new Error("injected worker fault");
      }, 0);
      return;
    }
  }
}

port.onMessage((msg) => {
  chain = chain.then(() => handle(msg as ToWorker));
});

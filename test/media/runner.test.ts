import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FfmpegRunner, type FfmpegRunnerEvent } from "../../src/media/ffmpeg/runner.ts";
import type { FfmpegResult } from "../../src/media/ffmpeg/protocol.ts";
import { FfmpegFailedError, MediaError } from "../../src/media/errors.ts";
import { manualClock } from "./fixtures.ts";

// A small real job: 0.5 s of tone encoded to opus.
const toneJob = () => ({
  args: ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.5", "-c:a", "libopus", "-ac", "1", "-f", "ogg", "out.ogg"],
  outputs: ["out.ogg"],
});

// Records runner events; `next(type)` resolves when one of that type arrives (from now on).
function eventLog() {
  const seen: FfmpegRunnerEvent[] = [];
  const waiters: Array<{ type: string; resolve: () => void }> = [];
  return {
    seen,
    onEvent(e: FfmpegRunnerEvent) {
      seen.push(e);
      for (const w of waiters.splice(0)) (w.type === e.type ? w.resolve : () => waiters.push(w))();
    },
    next(type: FfmpegRunnerEvent["type"]): Promise<void> {
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
  };
}

const isMediaError = (code: string) => (e: unknown) => e instanceof MediaError && e.code === code;

describe("ffmpeg runner", () => {
  let runner: FfmpegRunner | undefined;
  afterEach(async () => {
    await runner?.close();
    runner = undefined;
  });

  test("runs jobs and returns their output files; one worker compiles once for several jobs", async () => {
    const r1 = new FfmpegRunner({ idleMs: 0 });
    runner = r1;
    for (let i = 0; i < 3; i++) {
      const r: FfmpegResult = await r1.run(toneJob());
      const out: Uint8Array = r.outputs["out.ogg"]!;
      assert.equal(new TextDecoder().decode(out.subarray(0, 4)), "OggS");
    }
    assert.equal(runner.stats().workersStarted, 1);
    assert.equal(runner.stats().jobsDone, 3);
  });

  test("passes input files in and reports an ffmpeg error with its log", async () => {
    runner = new FfmpegRunner({ idleMs: 0 });
    const err = await runner.run({ args: ["-v", "error", "-f", "wav", "-i", "in.wav", "out.ogg"], inputs: { "in.wav": new Uint8Array(100) }, outputs: ["out.ogg"] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof FfmpegFailedError, String(err));
    assert.notEqual(err.exitCode, 0);
    assert.match(err.log, /in\.wav/);
  });

  test("a worker that throws fails only the current job; the next job gets a new worker", async () => {
    runner = new FfmpegRunner({ idleMs: 0 });
    await runner.run(toneJob());
    await assert.rejects(runner.injectFault("throw"), isMediaError("worker_crashed"));
    const r = await runner.run(toneJob());
    assert.ok(r.outputs["out.ogg"]!.length > 0);
    assert.equal(runner.stats().workersStarted, 2);
    assert.equal(runner.stats().crashes, 1);
  });

  test("a worker that exits fails only the current job; the next job gets a new worker", async () => {
    runner = new FfmpegRunner({ idleMs: 0 });
    await assert.rejects(runner.injectFault("exit"), isMediaError("worker_crashed"));
    const r = await runner.run(toneJob());
    assert.ok(r.outputs["out.ogg"]!.length > 0);
    assert.equal(runner.stats().workersStarted, 2);
  });

  test("a job past its time limit is stopped (worker terminated) and the next job runs on a fresh worker", async () => {
    const clock = manualClock();
    const events = eventLog();
    runner = new FfmpegRunner({ idleMs: 0, clock, onEvent: events.onEvent });
    const started = events.next("job_started");
    const hung = runner.injectFault("hang", { timeoutMs: 1000 });
    const next = runner.run({ ...toneJob(), timeoutMs: 60_000 });
    await started; // the worker is now spinning
    clock.advance(999);
    assert.equal(runner.stats().timeouts, 0);
    clock.advance(1);
    await assert.rejects(hung, isMediaError("timeout"));
    assert.ok(events.seen.some((e) => e.type === "worker_stopped" && e.reason === "timeout"));
    const r = await next;
    assert.ok(r.outputs["out.ogg"]!.length > 0);
    assert.equal(runner.stats().workersStarted, 2);
  });

  test("a full queue refuses the job at once with a clear error", async () => {
    const clock = manualClock();
    runner = new FfmpegRunner({ idleMs: 0, clock, maxQueue: 1 });
    const running = runner.injectFault("hang", { timeoutMs: 1000 });
    const waiting = runner.run(toneJob());
    const refused = await runner.run(toneJob()).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof MediaError && refused.code === "queue_full", String(refused));
    assert.match(refused.message, /queue is full/);
    clock.advance(1000);
    await assert.rejects(running, isMediaError("timeout"));
    assert.ok((await waiting).outputs["out.ogg"]!.length > 0);
  });

  test("cancelling a queued job removes it; cancelling a running one stops its worker", async () => {
    const events = eventLog();
    runner = new FfmpegRunner({ idleMs: 0, clock: manualClock(), onEvent: events.onEvent });
    const runningCtl = new AbortController();
    const queuedCtl = new AbortController();
    const started = events.next("job_started");
    const spinning = runner.injectFault("hang", { timeoutMs: 60_000, signal: runningCtl.signal });
    const queued = runner.run({ ...toneJob(), signal: queuedCtl.signal });
    await started;
    queuedCtl.abort();
    await assert.rejects(queued, isMediaError("aborted"));
    assert.equal(runner.stats().queued, 0);
    runningCtl.abort();
    await assert.rejects(spinning, isMediaError("aborted"));
    assert.equal(runner.stats().workerAlive, false);
    assert.ok((await runner.run(toneJob())).outputs["out.ogg"]!.length > 0);
    assert.equal(runner.stats().workersStarted, 2);
  });

  test("an idle worker is stopped after idleMs and a later job starts a new one", async () => {
    const clock = manualClock();
    runner = new FfmpegRunner({ idleMs: 30_000, clock });
    await runner.run(toneJob());
    assert.equal(runner.stats().workerAlive, true);
    clock.advance(29_999);
    assert.equal(runner.stats().workerAlive, true);
    clock.advance(1);
    assert.equal(runner.stats().workerAlive, false);
    await runner.run(toneJob());
    assert.equal(runner.stats().workersStarted, 2);
  });

  test("close() fails waiting jobs with `closed` and refuses new ones", async () => {
    const clock = manualClock();
    runner = new FfmpegRunner({ idleMs: 0, clock });
    const spinning = runner.injectFault("hang", { timeoutMs: 60_000 });
    const waiting = runner.run(toneJob());
    await runner.close();
    await assert.rejects(spinning, isMediaError("closed"));
    await assert.rejects(waiting, isMediaError("closed"));
    await assert.rejects(runner.run(toneJob()), isMediaError("closed"));
  });

  test("job file names must be plain names", () => {
    runner = new FfmpegRunner({ idleMs: 0 });
    assert.throws(() => runner!.run({ args: [], inputs: { "../etc/passwd": new Uint8Array(1) } }), TypeError);
    assert.throws(() => runner!.run({ args: [], outputs: ["/tmp/x"] }), TypeError);
  });

  test("an unavailable core fails the job with wasm_unavailable, and a later job can still succeed", async () => {
    let broken = true;
    const { locateWasm } = await import("../../wasm/locate.ts");
    runner = new FfmpegRunner({
      idleMs: 0,
      locate: async () => (broken ? { wasmPath: "/nonexistent/ffmpeg-core.wasm", factoryPath: "/nonexistent/ffmpeg-core.js" } : await locateWasm("ffmpeg-core")),
    });
    await assert.rejects(runner.run(toneJob()), isMediaError("wasm_unavailable"));
    broken = false;
    assert.ok((await runner.run(toneJob())).outputs["out.ogg"]!.length > 0);
  });
});

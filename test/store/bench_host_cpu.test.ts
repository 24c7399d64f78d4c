import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { cpuMicrosOfPids, mainThreadCpuMicros } from "../../src/runtime/bench_host.ts";

const noProc = mainThreadCpuMicros(process.pid) === null;

describe("bench host: a server's CPU time from /proc", () => {
  test("a busy process's main thread is counted, within the whole process's time", { skip: noProc }, async () => {
    // A shell's busy loop: one thread, so all of its CPU time is its main thread's. (This test's
    // own process will not do: `deno test` runs the tests on a thread other than the main one.)
    const child = spawn("sh", ["-c", "while :; do :; done"], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 400));
      const main = mainThreadCpuMicros(child.pid!)!;
      const all = cpuMicrosOfPids([child.pid!])!;
      // 400 ms spinning: at least a quarter of it on the CPU even on a loaded machine (the
      // counters tick every 10 ms).
      assert.ok(main >= 100_000, `main thread ${main} µs`);
      assert.ok(all >= main, `process ${all} µs, main thread ${main} µs`);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
  });

  test("a process that is gone counts 0", { skip: noProc }, () => {
    assert.equal(mainThreadCpuMicros(2 ** 30), 0);
    assert.equal(cpuMicrosOfPids([2 ** 30]), 0);
  });
});

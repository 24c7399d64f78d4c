import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { cpuMicrosOfPids, mainThreadCpuMicros, runMicros } from "../../src/runtime/bench_host.ts";

const noProc = mainThreadCpuMicros(process.pid) === null;

describe("bench host: a server's CPU time from /proc", () => {
  test("a busy process's main thread is counted, within the whole process's time", { skip: noProc }, async () => {
    // A shell's busy loop: one thread, so all of its CPU time is its main thread's. (This test's
    // own process will not do: `deno test` runs the tests on a thread other than the main one.)
    const child = spawn("sh", ["-c", "while :; do :; done"], { stdio: "ignore" });
    try {
      // Waits for 100 ms of the loop's CPU time (however loaded the machine), then compares.
      let main = 0;
      for (let waited = 0; waited < 30_000 && main < 100_000; waited += 100) {
        await new Promise((r) => setTimeout(r, 100));
        main = mainThreadCpuMicros(child.pid!)!;
      }
      const all = cpuMicrosOfPids([child.pid!])!;
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
    assert.deepEqual(runMicros(2 ** 30), { main: 0, all: 0 });
  });

  test("run time at the scheduler's resolution: agrees with the ticks over 300 ms, and is not whole ticks", { skip: runMicros(process.pid) === null }, async () => {
    const child = spawn("sh", ["-c", "read x; while :; do :; done"], { stdio: ["pipe", "ignore", "ignore"] });
    try {
      await new Promise((r) => setTimeout(r, 200)); // the shell has started and waits on its input
      const before = runMicros(child.pid!)!;
      const ticksBefore = mainThreadCpuMicros(child.pid!)!;
      child.stdin!.write("go\n");
      // 300 ms of the loop's run time, however loaded the machine.
      let now = before;
      for (let waited = 0; waited < 30_000 && now.main - before.main < 300_000; waited += 5) {
        await new Promise((r) => setTimeout(r, 5));
        now = runMicros(child.pid!)!;
      }
      const ticks = mainThreadCpuMicros(child.pid!)! - ticksBefore;
      const ran = runMicros(child.pid!)!.main - before.main;
      assert.ok(Math.abs(ran - ticks) <= 30_000, `ran ${ran} µs, ticks ${ticks} µs`);
      assert.ok(ran % 10_000 !== 0, "not whole 10 ms ticks");
      assert.ok(now.all >= now.main);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
  });
});

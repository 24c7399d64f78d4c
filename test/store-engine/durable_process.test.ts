import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { openDurable, StoreLockedError } from "../../src/store/sqljs/durable.ts";
import { cleanup, rows, storeOptions, tempDir } from "./helpers.ts";
import { deadPid, spawnChild, watchLines } from "./spawn.ts";

describe("durable store: processes", () => {
  test("commit() survives kill -9: every acknowledged batch is there after reopening", async () => {
    const dir = tempDir();
    try {
      const acked = new Set<number>();
      let snapshotsSeen = 0;
      // Three storms killed at different points; each reopen must find everything acknowledged so far.
      for (const [round, killAfter] of [[1, 120], [2, 400], [3, 900]] as const) {
        const child = spawnChild(["storm", dir, String(round * 1_000_000)]);
        let count = 0;
        let childPid = 0;
        const done = watchLines(child, (line) => {
          const [kind, a] = line.split(" ");
          if (kind === "ready") childPid = Number(a);
          if (kind !== "ack") return;
          acked.add(Number(a));
          if (++count === killAfter) child.kill("SIGKILL");
        });
        const exit = await done;
        assert.equal(exit.signal, "SIGKILL", `child ended by itself: ${exit.stderr}`);
        assert.ok(count >= killAfter);
        if (existsSync(join(dir, "store.sqlite"))) snapshotsSeen++;
        const lock = JSON.parse(readFileSync(join(dir, "store.lock"), "utf8"));
        assert.equal(lock.pid, childPid, "the killed child left its lock behind");

        const warnings: string[] = [];
        const store = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
        assert.ok(warnings.some((w) => w.includes("stale store lock")), "the dead child's lock was taken over");
        const present = new Set(rows(store.db));
        const missing = [...acked].filter((n) => !present.has(n) || !present.has(-n));
        assert.deepEqual(missing, [], `acknowledged batches missing after kill -9 (round ${round})`);
        await store.close();
      }
      assert.ok(snapshotsSeen > 0, "snapshots ran during the storms");
    } finally {
      cleanup(dir);
    }
  });

  test("a second opener in another process gets StoreLockedError with a clear message", async () => {
    const dir = tempDir();
    try {
      const store = await openDurable(await storeOptions(dir));
      const child = spawnChild(["try-open", dir]);
      const lines: string[] = [];
      const exit = await watchLines(child, (l) => lines.push(l));
      assert.equal(exit.code, 0, exit.stderr);
      const result = JSON.parse(lines[0]!);
      assert.equal(result.opened, false);
      assert.equal(result.name, "StoreLockedError");
      assert.match(result.message, new RegExp(`Another whatsapp-mcp process \\(pid ${process.pid}, started .*\\) is using the store at `));
      assert.ok(result.message.includes(dir));
      await store.close();
    } finally {
      cleanup(dir);
    }
  });

  test("opening a store held by another live process fails naming that process", async () => {
    const dir = tempDir();
    const child = spawnChild(["hold", dir]);
    try {
      let ready!: (pid: number) => void;
      const readyP = new Promise<number>((r) => (ready = r));
      const exited = watchLines(child, (l) => l.startsWith("ready") && ready(Number(l.split(" ")[1])));
      const pid = await Promise.race([readyP, exited.then((e) => Promise.reject(new Error(`child exited: ${e.stderr}`)))]);
      const err = await openDurable(await storeOptions(dir)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof StoreLockedError, String(err));
      assert.equal(err.pid, pid);
      assert.match(err.message, new RegExp(`pid ${pid}`));
      child.kill("SIGKILL");
      await exited;
    } finally {
      child.kill("SIGKILL");
      cleanup(dir);
    }
  });

  test("a stale lock (its pid is not running) is taken over with a warning", async () => {
    const dir = tempDir();
    try {
      const pid = await deadPid();
      writeFileSync(join(dir, "store.lock"), JSON.stringify({ pid, startedAt: "2020-01-01T00:00:00.000Z", token: "old" }));
      const warnings: string[] = [];
      const store = await openDurable(await storeOptions(dir, { onWarning: (m) => warnings.push(m) }));
      assert.ok(warnings.some((w) => w.includes(`pid ${pid} is not running`)), warnings.join("\n"));
      assert.equal(JSON.parse(readFileSync(join(dir, "store.lock"), "utf8")).pid, process.pid);
      await store.close();
    } finally {
      cleanup(dir);
    }
  });
});

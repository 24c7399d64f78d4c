/**
 * What Windows does differently with files, injected on any platform through the FsPort seam:
 * a rename or delete refused for a moment (EPERM/EBUSY/EACCES while an antivirus, an indexer or a
 * viewer holds the file). The store engine's own cases are in test/store-engine; these cover the
 * downloads writer and the lock files (store lock and instance lock share `acquireLock`).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { folderDownloads } from "../../src/app/downloads.ts";
import { type FsPort, nodeFs } from "../../src/runtime/fs.ts";
import { acquireLock, type LockProcess } from "../../src/runtime/lock.ts";

const CHAT = "491701111111@s.whatsapp.net";
const noSleep = () => Promise.resolve();

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "wa-mcp-win-"));
}

/** nodeFs whose `op` fails with the given codes, one per call, before behaving normally. */
function refusing(op: "rename" | "unlink" | "writeFile", codes: string[]): FsPort & { refused: () => number } {
  let n = 0;
  const fs: FsPort = {
    ...nodeFs,
    [op]: async (...args: unknown[]) => {
      if (n < codes.length) throw Object.assign(new Error(`${op} refused`), { code: codes[n++] });
      return (nodeFs[op] as (...a: unknown[]) => Promise<void>)(...args);
    },
  };
  return Object.assign(fs, { refused: () => n });
}

describe("downloads on Windows", () => {
  test("a rename refused with EPERM then EBUSY (a viewer holds the previous file) is retried and the file saved, 0600", async () => {
    const dir = join(tempDir(), "downloads");
    try {
      const fs = refusing("rename", ["EPERM", "EBUSY"]);
      const path = await folderDownloads(dir, fs, noSleep).save(CHAT, "MSG1", new Uint8Array([1, 2, 3]), "image/jpeg", "holiday.jpg");
      assert.equal(fs.refused(), 2);
      assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
      assert.deepEqual(readdirSync(dir), [path.slice(dir.length + 1)], "a temp file was left behind");
      if (process.platform !== "win32") {
        assert.equal(statSync(path).mode & 0o777, 0o600);
        assert.equal(statSync(dir).mode & 0o777, 0o700);
      }
    } finally {
      rmSync(join(dir, ".."), { recursive: true, force: true });
    }
  });

  test("a rename that keeps failing reports the error and removes its temp file; the previous download is kept", async () => {
    const dir = tempDir();
    try {
      const first = await folderDownloads(dir, nodeFs, noSleep).save(CHAT, "MSG1", new Uint8Array([1]), "image/jpeg", null);
      const fs = refusing("rename", Array(10).fill("EPERM"));
      await assert.rejects(folderDownloads(dir, fs, noSleep).save(CHAT, "MSG1", new Uint8Array([2, 2]), "image/jpeg", null), { code: "EPERM" });
      assert.equal(fs.refused(), 6, "not retried the expected number of times");
      assert.deepEqual(readdirSync(dir), [first.slice(dir.length + 1)]);
      assert.deepEqual([...readFileSync(first)], [1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a write that fails (disk full) leaves no temp file", async () => {
    const dir = tempDir();
    try {
      const fs: FsPort = {
        ...nodeFs,
        async writeFile(path, data, mode) {
          await nodeFs.writeFile(path, data.subarray(0, 1), mode);
          throw Object.assign(new Error("no space"), { code: "ENOSPC" });
        },
      };
      await assert.rejects(folderDownloads(dir, fs, noSleep).save(CHAT, "MSG2", new Uint8Array(100), "audio/ogg", null), { code: "ENOSPC" });
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("lock files on Windows", () => {
  const deadHolder = (pid: number): LockProcess => ({ pid, host: "h", isAlive: () => false, now: () => 0, sleep: noSleep });

  test("a stale lock whose delete Windows refuses for a moment (EPERM, EBUSY) is still taken over", async () => {
    const dir = tempDir();
    const path = join(dir, "instance.lock");
    try {
      writeFileSync(path, JSON.stringify({ pid: 999_999, startedAt: "x", host: "h", token: "old" }) + "\n");
      const fs = refusing("unlink", ["EPERM", "EBUSY"]);
      const warnings: string[] = [];
      const lock = await acquireLock(fs, path, dir, (w) => warnings.push(w), deadHolder(1234));
      assert.equal(fs.refused(), 2);
      assert.equal(warnings.length, 1);
      assert.equal(JSON.parse(readFileSync(path, "utf8")).pid, 1234);
      await lock.release();
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

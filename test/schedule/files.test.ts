/** The folder of scheduled attachment copies, on the real file system. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { folderScheduledFiles } from "../../src/app/scheduled_files.ts";
import { nodeFs } from "../../src/runtime/fs.ts";

const posix = typeof process !== "undefined" && process.platform !== "win32";

describe("folderScheduledFiles", () => {
  test("a copy is written whole (no temp file left), read back, listed, removed; the folder is created private", async () => {
    const root = mkdtempSync(join(tmpdir(), "wa-sched-"));
    try {
      const dir = join(root, "scheduled");
      const files = folderScheduledFiles(dir, nodeFs);
      assert.deepEqual(await files.list(), [], "no folder yet: nothing listed");
      await files.put("abc_-1", new Uint8Array([1, 2, 3]));
      assert.deepEqual(readdirSync(dir), ["abc_-1.bin"]);
      if (posix) {
        assert.equal(statSync(dir).mode & 0o777, 0o700);
        assert.equal(statSync(join(dir, "abc_-1.bin")).mode & 0o777, 0o600);
      }
      assert.deepEqual(await files.get("abc_-1"), new Uint8Array([1, 2, 3]));
      assert.equal(await files.get("nope"), null);
      writeFileSync(join(dir, "half.bin.part"), "x"); // a crash mid-write
      const listed = await files.list();
      assert.deepEqual(listed.map((c) => c.id).sort(), ["abc_-1", "half"]);
      assert.ok(listed.every((c) => Math.abs(c.writtenAt - Date.now()) < 60_000));
      await files.remove("half");
      await files.remove("abc_-1");
      await files.remove("abc_-1"); // twice is fine
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("ids that could name another path are refused", async () => {
    const files = folderScheduledFiles(join(tmpdir(), "never-created"), nodeFs);
    await assert.rejects(files.put("../evil", new Uint8Array(1)), /not a scheduled send id/);
    await assert.rejects(files.get("a/b"), /not a scheduled send id/);
  });
});

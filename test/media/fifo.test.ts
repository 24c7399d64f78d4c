/**
 * A FIFO (or any non-regular file) inside a media root is refused before it is opened: opening a
 * FIFO for reading blocks until a writer comes, which hung the file tools and then every send.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRegularFile } from "../../src/runtime/fs_paths.ts";

const canMkfifo = (() => {
  try {
    execFileSync("mkfifo", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("non-regular files", () => {
  test("a FIFO is refused at once (never opened); a regular file still opens", { skip: canMkfifo ? false : "no mkfifo here" }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "wa-fifo-"));
    try {
      const fifo = join(dir, "photo.jpg");
      execFileSync("mkfifo", [fifo]);
      // A hang (the old open-then-stat order) ends the test run instead of failing here: race it.
      const outcome = await Promise.race([
        openRegularFile(fifo).then(() => "opened", (err: Error) => err.message),
        new Promise<string>((r) => setTimeout(() => r("hung"), 3000).unref?.()),
      ]);
      assert.equal(outcome, "not a regular file: photo.jpg");
      const file = join(dir, "ok.txt");
      writeFileSync(file, "hello");
      const f = await openRegularFile(file);
      assert.equal(new TextDecoder().decode(await f.readAll(100)), "hello");
      await f.close();
      await assert.rejects(openRegularFile(dir), /not a regular file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * What the single binary assumes, checked without building it: the program finds its wasm (sql.js,
 * the ffmpeg core) relative to its own modules through wasm/locate.ts and its migrations in a
 * module, never through the working directory. So it runs from an empty folder elsewhere, with no
 * node_modules next to the working directory, as a compiled binary started by an MCP client does.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { isDeno, repoRoot } from "../helpers/paths.ts";
import { startStdioServer } from "../helpers/stdio_server.ts";

const root = repoRoot();

function emptyDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  assert.deepEqual(readdirSync(dir), []);
  // Nothing above it may offer a node_modules either (the temp folder is outside the repository).
  assert.ok(!dir.startsWith(root), "the temp folder is inside the repository");
  for (let d = dir; ; d = join(d, "..")) {
    assert.ok(!existsSync(join(d, "node_modules")), `${d} has a node_modules`);
    if (join(d, "..") === d) break;
  }
  return dir;
}

describe("the program outside its folder", () => {
  test("serves MCP from an empty working directory: the store opens (sql.js wasm, embedded migrations) and tools answer", async () => {
    const cwd = emptyDir("wa-mcp-cwd-");
    const s = await startStdioServer({ cwd });
    try {
      const chats = await s.client.callTool({ name: "list_chats", arguments: {} });
      assert.notEqual(chats.isError, true, JSON.stringify(chats.content));
      const status = await s.client.callTool({ name: "get_sync_status", arguments: {} });
      assert.notEqual(status.isError, true, JSON.stringify(status.content));
      assert.match(s.stderr(), /"store started"/);
    } finally {
      assert.equal(await s.stop(), 0, s.stderr().slice(-2000));
      assert.deepEqual(readdirSync(cwd), [], "the server wrote into its working directory");
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  test("converts a voice note with the ffmpeg Worker from an empty working directory", () => {
    const cwd = emptyDir("wa-mcp-cwd-");
    try {
      const child = isDeno ? join(root, "test", "build", "voice_note_child.ts") : join(root, "dist", "test", "build", "voice_note_child.js");
      const args = isDeno ? ["run", "-A", "--no-check", child] : [child];
      const r = spawnSync(process.execPath, args, { cwd, encoding: "utf8", timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      assert.equal(out.seconds, 1);
      assert.ok(out.bytes > 100);
      assert.ok(out.wasmPath.startsWith(root), `core found outside the program's folder: ${out.wasmPath}`);
      assert.ok(out.wasmPath.endsWith(join("esm", "ffmpeg-core.wasm")));
      assert.deepEqual(readdirSync(cwd), []);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

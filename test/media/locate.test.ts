import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { loadWasmBytes, locateWasm, setWasmAssetDir, WASM_ASSETS } from "../../wasm/locate.ts";

describe("wasm locator", () => {
  after(() => setWasmAssetDir(undefined));

  test("finds sql.js and the ffmpeg core (wasm + ESM factory, same folder) in node_modules", async () => {
    const sql = await locateWasm("sql");
    assert.ok(sql.wasmPath.endsWith(join("sql.js", "dist", "sql-wasm.wasm")), sql.wasmPath);
    const core = await locateWasm("ffmpeg-core");
    assert.ok(core.wasmPath.endsWith(join("esm", "ffmpeg-core.wasm")), core.wasmPath);
    assert.ok(core.factoryPath?.endsWith(join("esm", "ffmpeg-core.js")), core.factoryPath);
    const bytes = await loadWasmBytes("sql");
    assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]); // "\0asm"
  });

  test("an asset folder set by setWasmAssetDir is tried first (the embedded-binary hook uses the same file names)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wa-mcp-wasm-"));
    try {
      await writeFile(join(dir, WASM_ASSETS.sql.wasm), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
      setWasmAssetDir(dir);
      assert.equal((await locateWasm("sql")).wasmPath, join(dir, "sql-wasm.wasm"));
      // The core needs both files together: with only one present here it is found elsewhere.
      await writeFile(join(dir, WASM_ASSETS["ffmpeg-core"].wasm), new Uint8Array(8));
      assert.notEqual((await locateWasm("ffmpeg-core")).wasmPath, join(dir, "ffmpeg-core.wasm"));
    } finally {
      setWasmAssetDir(undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("wasm locator, embedded layout", () => {
  test("a wasm-assets folder next to the entry module wins (the deno compile --include layout)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wa-mcp-entry-"));
    try {
      await mkdir(join(dir, "wasm-assets"));
      await writeFile(join(dir, "wasm-assets", "sql-wasm.wasm"), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
      // An entry module in that folder, run by this same runtime, asks the locator where sql.js is.
      const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
      const locateUrl = new URL(`../../wasm/locate.${ext}`, import.meta.url).href;
      const entry = join(dir, ext === "ts" ? "main.ts" : "main.mjs");
      await writeFile(entry, `import { locateWasm } from ${JSON.stringify(locateUrl)};\nconsole.log((await locateWasm("sql")).wasmPath);\n`);
      const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
      const r = spawnSync(process.execPath, isDeno ? ["run", "-A", "--no-check", entry] : [entry], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), join(dir, "wasm-assets", "sql-wasm.wasm"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("no native code", () => {
  test("node_modules holds no native addons (*.node)", async () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    // Compiled tests run from dist/test/media: walk up to the folder that has node_modules.
    let dir = root;
    while (!(await stat(join(dir, "node_modules")).catch(() => undefined))) dir = join(dir, "..");
    const found: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.name.endsWith(".node")) found.push(p);
      }
    };
    await walk(join(dir, "node_modules"));
    assert.deepEqual(found, []);
  });
});

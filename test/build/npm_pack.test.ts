/**
 * The npm package (what `npx -y whatsapp-mcp-ts` would fetch): its file list, and, on Node, the packed
 * tarball installed (`--prefer-offline`: from the npm cache `npm ci` filled, the registry for anything
 * missing, so a fresh machine with an empty cache passes too) and run through its bin over stdio.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
// @ts-types="@modelcontextprotocol/sdk/client/index.d.ts"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio.d.ts"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { isDeno, repoRoot } from "../helpers/paths.ts";

const root = repoRoot();
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const { spawnPlan } = (await import(pathToFileURL(join(root, "test", "tools", "spawn_plan.mjs")).href)) as {
  spawnPlan(platform: string, command: string, argv: string[], comspec?: string): { command: string; args: string[]; windowsVerbatimArguments: boolean };
};

/** Runs npm (npm.cmd through cmd.exe on Windows, paths with spaces intact: see test/tools/spawn_plan.mjs). */
function runNpm(argv: string[], cwd: string, timeout: number) {
  const plan = spawnPlan(process.platform, npm, argv, process.env.ComSpec);
  return spawnSync(plan.command, plan.args, { cwd, encoding: "utf8", timeout, windowsVerbatimArguments: plan.windowsVerbatimArguments });
}
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};

function packList(): string[] {
  const r = runNpm(["pack", "--dry-run", "--json", "--ignore-scripts"], root, 120_000);
  assert.equal(r.status, 0, r.stderr);
  const [info] = JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>;
  return info!.files.map((f) => f.path.replace(/\\/g, "/"));
}

/** Local modules reachable from `entry` by static and literal dynamic imports (paths relative to the root). */
function localGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(root, file), "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g)) {
      todo.push(posix.normalize(posix.join(posix.dirname(file), m[1]!)));
    }
  }
  return seen;
}

/** `*.node` files under `dir`. */
function nativeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...nativeFiles(p));
    else if (e.name.endsWith(".node")) out.push(p);
  }
  return out;
}

describe("the npm package", () => {
  test("npm pack lists the compiled program, its bin, the Worker and the migrations, and no tests or sources", () => {
    const files = packList();
    const set = new Set(files);
    const bin = pkg.bin["whatsapp-mcp"]!;
    assert.equal(bin, "dist/src/main.js");
    assert.ok(set.has(bin), "the bin is not packed");
    assert.match(readFileSync(join(root, bin), "utf8"), /^#!\/usr\/bin\/env node\n/);
    assert.deepEqual(files.filter((f) => f.startsWith("dist/test/") || f.startsWith("test/")), [], "tests are packed");
    assert.deepEqual(files.filter((f) => f.endsWith(".ts") || f.startsWith("node_modules/")), [], "sources or dependencies are packed");
    for (const f of ["package.json", "README.md", "LICENSE", "migrations/sqlite/0001_initial.sql", "migrations/postgres/0001_initial.sql", "dist/wasm/locate.js", "dist/src/store/migrations_embedded.js", "dist/src/media/ffmpeg/worker_main.js"]) {
      assert.ok(set.has(f), `${f} is not packed`);
    }
    // Everything the entry point loads is in the package (the Worker is loaded by URL, checked above).
    const missing = [...localGraph(bin), ...localGraph("dist/src/media/ffmpeg/worker_main.js")].filter((f) => !set.has(f));
    assert.deepEqual(missing, [], "modules the program imports are not packed");
    // wasm/locate.ts finds the assets in these dependencies at run time.
    assert.ok(pkg.dependencies["sql.js"] && pkg.dependencies["@ffmpeg/core"]);
  });

  // npx is the Node path: the Deno run has nothing to add, so the test exists on Node only (not a skip).
  if (!isDeno) test("the packed tarball installs (cache, else registry) and its bin serves MCP over stdio (the npx path)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wa-mcp-npx-"));
    const dataDir = mkdtempSync(join(tmpdir(), "wa-mcp-npx-data-"));
    try {
      const pack = runNpm(["pack", "--ignore-scripts", "--pack-destination", dir], root, 120_000);
      assert.equal(pack.status, 0, pack.stderr);
      const tarball = pack.stdout.trim().split("\n").at(-1)!;
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "npx-check", version: "1.0.0", private: true }));
      const install = runNpm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--legacy-peer-deps", `./${tarball}`], dir, 600_000);
      assert.equal(install.status, 0, `npm install of the tarball failed (is the npm registry reachable?):\n${install.stderr}`);
      // With --legacy-peer-deps (the README's npx line) Baileys' native peer `sharp` stays out.
      assert.ok(!existsSync(join(dir, "node_modules", "sharp")), "sharp (native) was installed");
      assert.deepEqual(nativeFiles(join(dir, "node_modules")), [], "native addons were installed");

      const client = new Client({ name: "npx-check", version: "1" });
      const transport = new StdioClientTransport({
        command: process.platform === "win32" ? "npx.cmd" : "npx",
        args: ["--offline", "whatsapp-mcp"],
        cwd: dir,
        env: { ...(process.env as Record<string, string>), WHATSAPP_MCP_DATA_DIR: dataDir, MCP_PORT: "0", WHATSAPP_WS_URL: "ws://127.0.0.1:9/ws/chat" },
        stderr: "pipe",
      });
      await client.connect(transport);
      try {
        assert.equal(client.getServerVersion()?.name, "whatsapp-mcp");
        const r = await client.callTool({ name: "list_chats", arguments: {} });
        assert.notEqual(r.isError, true, JSON.stringify(r.content));
        // npx ran the installed copy's bin (the checkout is not on its path).
        assert.ok(existsSync(join(dir, "node_modules", pkg.name, "dist", "src", "main.js")));
      } finally {
        await client.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

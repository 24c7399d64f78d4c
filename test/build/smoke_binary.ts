/**
 * The smoke test of a built binary, shared by test/build/compile.test.ts and the release workflow
 * (.github/workflows/release.yml runs it on Linux, macOS and Windows runners):
 *
 *   deno run -A test/build/smoke_binary.ts dist/bin/whatsapp-mcp-<target>[.exe]
 *
 * It proves the file is this server and not a plain Deno (what `DENORT_BIN` pointing at the full
 * `deno` produces: `--version` prints "deno x.y.z", no arguments open a REPL): `--version` prints our
 * version; over stdio, from an empty working folder with an empty data folder, MCP `initialize`
 * names the server, `tools/list` offers the original's tools, `list_chats` answers on the empty
 * store, and the status page's `/health` (found through `get_sync_status`) answers `{ ok: true }`.
 * WhatsApp is pointed at a closed local port: no network is used.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
// @ts-types="@modelcontextprotocol/sdk/client/index.d.ts"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio.d.ts"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { VERSION } from "../../src/version.ts";

/** The tools a binary must offer (the original's read tools and the status tools). */
export const SMOKE_TOOLS = ["list_chats", "list_messages", "search_contacts", "get_chat", "get_sync_status", "check_bridge_status"];

/** Rejects after `ms` with `what` (a plain Deno never answers `initialize`). */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Runs the checks against `binary`; throws (an AssertionError naming what failed) unless it is the server. */
export async function smokeBinary(binary: string, log: (line: string) => void = () => {}): Promise<void> {
  const file = resolve(binary);
  const version = spawnSync(file, ["--version"], { encoding: "utf8", timeout: 60_000 });
  assert.equal(version.error, undefined, `cannot run ${file}: ${version.error?.message}`);
  const printed = version.stdout.trim();
  assert.equal(
    printed,
    VERSION,
    /^deno /.test(printed)
      ? `${file} is a plain Deno ("${printed}"), not the server (deno compile was given the full deno in place of denort, e.g. through DENORT_BIN)`
      : `--version printed "${printed}" (stderr: ${version.stderr.trim().slice(0, 300)})`,
  );
  log(`--version: ${printed}`);

  const cwd = mkdtempSync(join(tmpdir(), "wa-mcp-smoke-cwd-"));
  const dataDir = mkdtempSync(join(tmpdir(), "wa-mcp-smoke-data-"));
  let stderr = "";
  const client = new Client({ name: "smoke", version: "1" });
  const transport = new StdioClientTransport({
    command: file,
    args: [],
    cwd,
    env: { ...(process.env as Record<string, string>), WHATSAPP_MCP_DATA_DIR: dataDir, MCP_PORT: "0", WHATSAPP_WS_URL: "ws://127.0.0.1:9/ws/chat", NO_COLOR: "1" },
    stderr: "pipe",
  });
  transport.stderr?.on("data", (c: Uint8Array) => (stderr += new TextDecoder().decode(c)));
  const tail = () => `\nstderr:\n${stderr.slice(-2000)}`;
  try {
    await talk(client, transport, tail, log);
    assert.deepEqual(readdirSync(cwd), [], "the binary wrote into its working folder");
  } finally {
    rmSync(cwd, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** The MCP and HTTP part of the smoke test. */
async function talk(client: Client, transport: StdioClientTransport, tail: () => string, log: (line: string) => void): Promise<void> {
  try {
    await within(60_000, `no answer to MCP initialize within 60 s (a plain Deno opens a REPL instead)${tail()}`, client.connect(transport));
    assert.equal(client.getServerVersion()?.name, "whatsapp-mcp", "initialize did not name whatsapp-mcp");
    log(`initialize: ${client.getServerVersion()?.name} ${client.getServerVersion()?.version}`);

    const { tools } = await within(60_000, `no answer to tools/list${tail()}`, client.listTools());
    const names = tools.map((t) => t.name);
    for (const t of SMOKE_TOOLS) assert.ok(names.includes(t), `tools/list lacks ${t}`);
    log(`tools/list: ${names.length} tools`);

    const chats = await within(120_000, `no answer to list_chats${tail()}`, client.callTool({ name: "list_chats", arguments: {} }));
    assert.notEqual(chats.isError, true, `list_chats failed: ${JSON.stringify(chats.content)}${tail()}`);
    log("list_chats: answered on the empty store");

    const status = await within(60_000, `no answer to get_sync_status${tail()}`, client.callTool({ name: "get_sync_status", arguments: {} }));
    const statusUrl = (status.structuredContent as { status_url?: string | null } | undefined)?.status_url;
    assert.ok(statusUrl, `get_sync_status names no status page${tail()}`);
    const health = await fetch(new URL("/health", statusUrl));
    assert.equal(health.status, 200, "/health did not answer 200");
    assert.deepEqual(await health.json(), { ok: true });
    log(`/health: 200 at ${new URL("/health", statusUrl).href}`);
  } finally {
    await client.close().catch(() => {});
  }
}

const meta = import.meta as ImportMeta & { main?: boolean };
if (meta.main === true || (meta.main === undefined && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))) {
  const binary = process.argv[2];
  if (!binary) {
    console.error("usage: deno run -A test/build/smoke_binary.ts <binary>");
    process.exit(2);
  }
  try {
    await smokeBinary(binary, (line) => console.log(`smoke: ${line}`));
    console.log(`smoke: ${binary} is the server`);
  } catch (err) {
    console.error(`smoke: FAILED for ${binary}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

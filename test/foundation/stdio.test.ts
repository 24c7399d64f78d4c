import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { assertOnlyJsonRpc, startStdioServer } from "../helpers/stdio_server.ts";
import { repoRoot, serverCommand } from "../helpers/paths.ts";

const ORIGINAL_TOOLS = [
  "search_contacts", "list_messages", "list_chats", "get_chat", "get_direct_chat_by_contact", "get_contact_chats",
  "get_last_interaction", "get_message_context", "send_message", "send_file", "send_audio_message", "download_media",
  "get_sync_status", "check_bridge_status",
];

async function waitFor(cond: () => boolean, what: string, ms = 20_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the server over stdio", () => {
  test("initializes, lists the original's tools, keeps stdout JSON-RPC only and logs on stderr; exits 0 when stdin closes", async () => {
    const s = await startStdioServer();
    try {
      const info = s.client.getServerVersion();
      assert.equal(info?.name, "whatsapp-mcp");
      const { tools } = await s.client.listTools();
      const names = tools.map((t) => t.name);
      for (const t of ORIGINAL_TOOLS) assert.ok(names.includes(t), `tool ${t} missing`);
      const chats = await s.client.callTool({ name: "list_chats", arguments: {} });
      assert.notEqual(chats.isError, true, JSON.stringify(chats.content));
      await waitFor(() => s.stderr().includes('"ready"') || s.stderr().includes("ready"), "ready log");
      assertOnlyJsonRpc(s.stdoutLines);
      // stderr carries structured log lines.
      const logLines = s.stderr().split("\n").filter((l) => l.startsWith("{"));
      assert.ok(logLines.length > 0, "no log lines on stderr");
      assert.ok(logLines.every((l) => typeof JSON.parse(l).level === "string"));
    } finally {
      const code = await s.stop();
      assert.equal(code, 0, `exit code ${code}; stderr:\n${s.stderr().slice(-2000)}`);
    }
    // The store was flushed: the snapshot exists after a clean stop.
    assertOnlyJsonRpc(s.stdoutLines);
  });

  test("SIGTERM stops the actors in reverse order and exits 0", { skip: process.platform === "win32" }, async () => {
    const s = await startStdioServer();
    await s.client.listTools();
    // process.kill, not child.kill: Deno's child_process reports a null exit code once child.kill() was called.
    process.kill(s.child.pid!, "SIGTERM");
    const code = await s.exited;
    assert.equal(code, 0, s.stderr().slice(-2000));
    const err = s.stderr();
    const stopped = (id: string) => err.indexOf(`"${id} stopped"`);
    // mcp stops before http, http before media, media before whatsapp, whatsapp before store.
    const order = ["mcp", "http", "ffmpeg", "sync", "connection", "store"].map(stopped);
    assert.ok(order.every((i) => i >= 0), `missing stop lines: ${order}`);
    assert.deepEqual([...order].sort((a, b) => a - b), order, "actors did not stop in reverse start order");
  });

  test("a crashed actor is restarted and the MCP session keeps answering", { skip: process.platform === "win32" }, async () => {
    const s = await startStdioServer({ env: { WHATSAPP_MCP_FAULT_INJECTION: "1" } });
    try {
      await s.client.listTools();
      // The main "ready" line, not "instance endpoint ready", which a child actor logs earlier.
      await waitFor(() => s.stderr().includes('"msg":"ready"'), "ready");
      process.kill(s.child.pid!, "SIGUSR2");
      await waitFor(() => s.stderr().includes('"connection restarted"'), "connection restart");
      assert.match(s.stderr(), /"connection crashed"/);
      const status = await s.client.callTool({ name: "get_sync_status", arguments: {} });
      assert.notEqual(status.isError, true, JSON.stringify(status.content));
      const chats = await s.client.callTool({ name: "list_chats", arguments: {} });
      assert.notEqual(chats.isError, true);
      assertOnlyJsonRpc(s.stdoutLines);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  test("a bad setting stops start-up with one line naming the variable", () => {
    const { command, args } = serverCommand();
    const r = spawnSync(command, args, { env: { ...process.env, MCP_PORT: "eighty" }, encoding: "utf8", input: "" });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trim(), 'whatsapp-mcp: Invalid MCP_PORT: expected an integer from 0 to 65535, got "eighty"');
  });

  test("--help lists the options and exits 0", () => {
    const { command, args } = serverCommand(["--help"]);
    const r = spawnSync(command, args, { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /DATABASE_URL/);
    assert.match(r.stdout, /MCP_TRANSPORT/);
  });

  test("package.json's bin is the compiled entry point, with a node shebang", () => {
    const root = repoRoot();
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const bin = join(root, pkg.bin["whatsapp-mcp"]);
    assert.ok(existsSync(bin), `${bin} missing: run the build`);
    assert.match(readFileSync(bin, "utf8"), /^#!\/usr\/bin\/env node\n/);
  });
});

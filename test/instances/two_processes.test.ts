import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { serverCommand } from "../helpers/paths.ts";
import { startStdioServer, type StdioServer } from "../helpers/stdio_server.ts";

/** Waits for a condition that another process makes true (polling; no timing is asserted). */
async function waitFor(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function instanceInfo(dataDir: string): { pid: number; port: number; token: string } | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, "instance.json"), "utf8"));
  } catch {
    return null;
  }
}

const CONNECTION_STARTED = '"connection started"';
const STORE_STARTED = '"store started"';

function assertOnlyJsonRpc(s: StdioServer): void {
  for (const line of s.stdoutLines) {
    if (line === "") continue;
    assert.equal(JSON.parse(line).jsonrpc, "2.0", `stdout carried a non-JSON-RPC line: ${line.slice(0, 120)}`);
  }
}

async function readsWork(s: StdioServer): Promise<string[]> {
  const { tools } = await s.client.listTools();
  const chats = await s.client.callTool({ name: "list_chats", arguments: {} });
  assert.notEqual(chats.isError, true, JSON.stringify(chats.content));
  const status = await s.client.callTool({ name: "get_sync_status", arguments: {} });
  assert.notEqual(status.isError, true, JSON.stringify(status.content));
  return tools.map((t) => t.name).sort();
}

/** Starts the owner on `dataDir` and waits until it has published its endpoint. */
async function startOwner(dataDir: string, env: Record<string, string> = {}): Promise<StdioServer> {
  const s = await startStdioServer({ dataDir, env });
  await waitFor(() => instanceInfo(dataDir)?.pid === s.child.pid, "the owner's instance.json");
  return s;
}

describe("several processes on one data folder", () => {
  test("a second process serves its client through the first: same tools and answers, one store, one WhatsApp connection", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "wa-mcp-inst-"));
    const running: StdioServer[] = [];
    try {
      const owner = await startOwner(dataDir);
      running.push(owner);
      const proxy = await startStdioServer({ dataDir });
      running.push(proxy);

      const ownerTools = await readsWork(owner);
      const proxyTools = await readsWork(proxy);
      assert.deepEqual(proxyTools, ownerTools);
      assert.deepEqual(proxy.client.getServerCapabilities(), owner.client.getServerCapabilities());
      assert.equal(proxy.client.getServerVersion()?.name, "whatsapp-mcp");
      const ownerRes = await owner.client.readResource({ uri: "whatsapp://sync-status" });
      const proxyRes = await proxy.client.readResource({ uri: "whatsapp://sync-status" });
      assert.equal(proxyRes.contents[0]?.mimeType, ownerRes.contents[0]?.mimeType);

      // Only the owner opened the store and started a WhatsApp connection.
      assert.ok(owner.stderr().includes(CONNECTION_STARTED), "the owner did not start its connection actor");
      assert.ok(owner.stderr().includes(STORE_STARTED));
      assert.ok(!proxy.stderr().includes(CONNECTION_STARTED), "the second process started a WhatsApp connection too");
      assert.ok(!proxy.stderr().includes(STORE_STARTED), "the second process opened the store too");
      assert.match(proxy.stderr(), /serving this client through the process that owns the data folder/);

      // The instance file is private and its token never reaches a log.
      const info = instanceInfo(dataDir)!;
      if (process.platform !== "win32") assert.equal(statSync(join(dataDir, "instance.json")).mode & 0o777, 0o600);
      assert.ok(!owner.stderr().includes(info.token) && !proxy.stderr().includes(info.token), "the instance token was logged");
      assertOnlyJsonRpc(owner);
      assertOnlyJsonRpc(proxy);

      // The proxy leaving changes nothing for the owner.
      assert.equal(await proxy.stop(), 0, proxy.stderr().slice(-2000));
      running.splice(running.indexOf(proxy), 1);
      await readsWork(owner);
      assert.equal(await owner.stop(), 0, owner.stderr().slice(-2000));
      running.splice(running.indexOf(owner), 1);
      assert.ok(!existsSync(join(dataDir, "instance.json")), "a clean exit leaves instance.json behind");
      assert.ok(!existsSync(join(dataDir, "instance.lock")), "a clean exit leaves the ownership lock behind");
    } finally {
      for (const s of running) s.child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("killing the owner hands the account over: the proxy's session keeps working and it now owns the store", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "wa-mcp-inst-"));
    const running: StdioServer[] = [];
    try {
      const owner = await startOwner(dataDir);
      running.push(owner);
      const proxy = await startStdioServer({ dataDir });
      running.push(proxy);
      await readsWork(proxy);
      assert.ok(!proxy.stderr().includes(CONNECTION_STARTED));

      owner.child.kill("SIGKILL");
      await owner.exited;
      running.splice(running.indexOf(owner), 1);

      // Same client, same session: the next calls succeed once the proxy has taken over.
      const tools = await readsWork(proxy);
      assert.ok(tools.includes("list_chats"));
      await waitFor(() => instanceInfo(dataDir)?.pid === proxy.child.pid, "the new owner's instance.json");
      assert.ok(proxy.stderr().includes(CONNECTION_STARTED), "the proxy did not start the WhatsApp connection after the takeover");
      assert.ok(proxy.stderr().includes(STORE_STARTED), "the proxy did not open the store after the takeover");
      assert.match(proxy.stderr(), /taking over the store and the WhatsApp connection/);

      // A newcomer now proxies to the former proxy.
      const third = await startStdioServer({ dataDir });
      running.push(third);
      await readsWork(third);
      assert.ok(!third.stderr().includes(CONNECTION_STARTED), "a third process started its own WhatsApp connection");
      assertOnlyJsonRpc(proxy);
      assertOnlyJsonRpc(third);

      assert.equal(await third.stop(), 0, third.stderr().slice(-2000));
      running.splice(running.indexOf(third), 1);
      assert.equal(await proxy.stop(), 0, proxy.stderr().slice(-2000));
      running.splice(running.indexOf(proxy), 1);
      assert.ok(!existsSync(join(dataDir, "instance.json")));
    } finally {
      for (const s of running) s.child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("when the owner exits cleanly, a waiting proxy takes over", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "wa-mcp-inst-"));
    const running: StdioServer[] = [];
    try {
      const owner = await startOwner(dataDir);
      running.push(owner);
      const proxy = await startStdioServer({ dataDir });
      running.push(proxy);
      await readsWork(proxy);

      assert.equal(await owner.stop(), 0, owner.stderr().slice(-2000));
      running.splice(running.indexOf(owner), 1);
      // Nobody calls: the proxy notices by itself and takes over.
      await waitFor(() => instanceInfo(dataDir)?.pid === proxy.child.pid, "the takeover");
      assert.ok(proxy.stderr().includes(CONNECTION_STARTED));
      await readsWork(proxy);
      assert.equal(await proxy.stop(), 0, proxy.stderr().slice(-2000));
      running.splice(running.indexOf(proxy), 1);
    } finally {
      for (const s of running) s.child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("a stdio process proxies to an owner that runs in http mode", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "wa-mcp-inst-"));
    const { command, args } = serverCommand();
    const owner = spawn(command, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, WHATSAPP_MCP_DATA_DIR: dataDir, MCP_TRANSPORT: "http", MCP_PORT: "0", WHATSAPP_WS_URL: "ws://127.0.0.1:9/ws/chat", LOG_LEVEL: "debug" },
    });
    let ownerErr = "";
    owner.stderr!.setEncoding("utf8");
    owner.stderr!.on("data", (c: string) => (ownerErr += c));
    let proxy: StdioServer | null = null;
    try {
      await waitFor(() => instanceInfo(dataDir)?.pid === owner.pid, "the http owner's instance.json");
      proxy = await startStdioServer({ dataDir });
      await readsWork(proxy);
      assert.ok(!proxy.stderr().includes(CONNECTION_STARTED));
      assert.ok(ownerErr.includes(CONNECTION_STARTED));
      assert.equal(await proxy.stop(), 0, proxy.stderr().slice(-2000));
      proxy = null;
    } finally {
      proxy?.child.kill("SIGKILL");
      owner.kill("SIGKILL");
      await new Promise((r) => (owner.exitCode !== null || owner.signalCode !== null ? r(null) : owner.once("exit", r)));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("in http mode a second process on an owned data folder stops with a clear error", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "wa-mcp-inst-"));
    let owner: StdioServer | null = null;
    try {
      owner = await startOwner(dataDir);
      const { command, args } = serverCommand();
      const r = spawnSync(command, args, {
        env: { ...process.env, WHATSAPP_MCP_DATA_DIR: dataDir, MCP_TRANSPORT: "http", MCP_PORT: "0", WHATSAPP_WS_URL: "ws://127.0.0.1:9/ws/chat" },
        encoding: "utf8",
        input: "",
        timeout: 60_000,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`Another whatsapp-mcp process \\(pid ${owner.child.pid}\\) owns the data folder`));
      await readsWork(owner);
      assert.equal(await owner.stop(), 0);
      owner = null;
    } finally {
      owner?.child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

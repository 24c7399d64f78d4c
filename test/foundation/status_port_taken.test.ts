/**
 * The status page is a side feature: with its default port 8080 taken (very common), a stdio
 * server keeps serving MCP, puts the page on another port, says where on stderr and in
 * get_sync_status. A second server on another data folder, also on the default port, too.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { startStdioServer, type StdioServer } from "../helpers/stdio_server.ts";

const DEFAULT_PORT = 8080;

function listen(port: number): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(null) : reject(err)));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/**
 * Holds 127.0.0.1:8080, unless someone else already does (the situation the test needs either way).
 * Someone else may be this test in another run (the Node and Deno halves, or a second checkout, at
 * once): it lets go within seconds, and the port must not come free while the servers start, so
 * the port is waited for a while before settling for the other holder.
 */
async function holdDefaultPort(): Promise<() => Promise<void>> {
  let held = await listen(DEFAULT_PORT);
  for (const end = Date.now() + 20_000; !held && Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 100));
    held = await listen(DEFAULT_PORT);
  }
  const probe = await listen(DEFAULT_PORT);
  if (probe) {
    await new Promise((r) => probe.close(r));
    assert.fail("port 8080 could be bound twice: cannot set up the taken-port situation");
  }
  return () => new Promise<void>((r) => (held ? held.close(() => r()) : r()));
}

interface SyncStatusOut {
  status_url: string | null;
  store_location: { folder: string; database: string | null } | null;
}

/** A full session on the default port: tools/list, a read tool, get_sync_status, then the page itself. */
async function checkServer(s: StdioServer): Promise<string> {
  const { tools } = await s.client.listTools();
  assert.ok(tools.some((t) => t.name === "list_chats"), "tools/list is missing list_chats");
  const chats = await s.client.callTool({ name: "list_chats", arguments: {} });
  assert.notEqual(chats.isError, true, JSON.stringify(chats.content));

  const status = await s.client.callTool({ name: "get_sync_status", arguments: {} });
  assert.notEqual(status.isError, true, JSON.stringify(status.content));
  const out = status.structuredContent as unknown as SyncStatusOut;
  assert.ok(out.status_url, `no status page in get_sync_status; stderr:\n${s.stderr().slice(-1500)}`);
  const url = new URL(out.status_url);
  assert.notEqual(Number(url.port), DEFAULT_PORT);
  assert.equal(out.store_location?.folder, s.dataDir);
  assert.equal(out.store_location?.database, null);
  const text = (status.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? "").join("\n");
  assert.ok(text.includes(out.status_url), "the text block does not say where the page is");

  // stderr says where the page went and where the store is.
  const err = s.stderr();
  assert.ok(err.includes(`port ${DEFAULT_PORT} is in use: status page on ${out.status_url} instead`), `stderr does not say where the page is:\n${err.slice(-1500)}`);
  assert.ok(err.includes(`store folder ${s.dataDir}`), "stderr does not name the store folder");

  const health = await fetch(new URL("/health", url));
  assert.equal(health.status, 200);
  await health.body?.cancel();
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.ok((await page.text()).includes(s.dataDir), "the status page does not show the store folder");
  assert.equal(s.child.exitCode, null, "the server exited");
  return url.port;
}

describe("status page port taken", () => {
  test("with 8080 held, two stdio servers on their own data folders keep serving MCP and put their pages elsewhere", async () => {
    const release = await holdDefaultPort();
    const env = { MCP_PORT: "", LOG_LEVEL: "info" };
    const a = await startStdioServer({ env });
    let b: StdioServer | null = null;
    try {
      b = await startStdioServer({ env });
      const portA = await checkServer(a);
      const portB = await checkServer(b);
      assert.notEqual(portA, portB);
      // Still alive after the tool calls (the old failure: exit 4 s after initialize).
      const again = await a.client.callTool({ name: "get_sync_status", arguments: {} });
      assert.notEqual(again.isError, true);
    } finally {
      const codes = [await a.stop(), await b?.stop()];
      await release();
      assert.deepEqual(codes.filter((c) => c !== undefined), b ? [0, 0] : [0], `exit codes ${codes}; stderr:\n${a.stderr().slice(-1500)}`);
    }
  });
});

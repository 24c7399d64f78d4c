/**
 * The early stdio transport: answers initialize and the lists before the SDK is loaded, the same
 * as the SDK's server would, then hands the session to the real front (a real SDK Server) with
 * nothing lost. A fake byte port stands in for stdin/stdout.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import * as sdkTypes from "@modelcontextprotocol/sdk/types.js";
import { createEarlyStdio } from "../../src/instance/proxy/early_stdio.ts";
import { createProxyFront } from "../../src/instance/proxy/front.ts";
import { LATEST_PROTOCOL_VERSION, MCP_SERVER_CAPABILITIES, SUPPORTED_PROTOCOL_VERSIONS } from "../../src/mcp/capabilities.ts";
import { TOOL_TABLE } from "../../src/mcp/tool_table.ts";
import { isSendTool } from "../../src/mcp/write_tools.ts";
import { InMemoryTransport } from "../../src/mcp/sdk.ts";
import type { StdioPort } from "../../src/runtime/stdio.ts";

type Msg = Record<string, unknown> & { id?: unknown; result?: unknown; error?: unknown };

function fakePort() {
  let feed: ((chunk: Uint8Array) => void) | null = null;
  const out: Msg[] = [];
  const port: StdioPort = {
    listen(onData) {
      feed = onData;
      return () => (feed = null);
    },
    write(text) {
      for (const line of text.split("\n")) if (line) out.push(JSON.parse(line) as Msg);
      return Promise.resolve();
    },
  };
  const enc = new TextEncoder();
  return { port, out, send: (m: object) => feed!(enc.encode(JSON.stringify({ jsonrpc: "2.0", ...m }) + "\n")), raw: (s: string) => feed!(enc.encode(s)) };
}

const INFO = { name: "whatsapp-mcp", version: "test" };
const INSTRUCTIONS = "instructions";

function early(port: StdioPort, readOnly = false) {
  return createEarlyStdio({
    port,
    serverInfo: INFO,
    instructions: INSTRUCTIONS,
    capabilities: MCP_SERVER_CAPABILITIES,
    latestProtocolVersion: LATEST_PROTOCOL_VERSION,
    supportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
    staticLists: TOOL_TABLE,
    readOnly,
    isWriteTool: isSendTool,
  });
}

const front = (readOnly = false) =>
  createProxyFront({ serverInfo: INFO, instructions: INSTRUCTIONS, readOnly, isWriteTool: isSendTool, staticLists: TOOL_TABLE, backendWaitMs: 50 });

const init = (id: number, protocolVersion: string) => ({
  id,
  method: "initialize",
  params: { protocolVersion, capabilities: { elicitation: {} }, clientInfo: { name: "c", version: "1" } },
});

/** What the real front (an SDK Server) answers to `msgs`, over the in-memory pair. */
async function sdkAnswers(msgs: object[], readOnly = false): Promise<Msg[]> {
  const f = front(readOnly);
  const [client, server] = InMemoryTransport.createLinkedPair();
  const out: Msg[] = [];
  client.onmessage = (m) => void out.push(m as Msg);
  await f.connect(server);
  await client.start();
  for (const m of msgs) await client.send({ jsonrpc: "2.0", ...m } as never);
  await new Promise((r) => setTimeout(r, 20));
  await f.close();
  return out;
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe("early stdio", () => {
  test("the copied protocol versions are the SDK's", () => {
    assert.equal(LATEST_PROTOCOL_VERSION, sdkTypes.LATEST_PROTOCOL_VERSION);
    assert.deepEqual([...SUPPORTED_PROTOCOL_VERSIONS], [...sdkTypes.SUPPORTED_PROTOCOL_VERSIONS]);
  });

  test("initialize, ping and the lists are answered before any server connects, as the SDK's front answers them", async () => {
    for (const readOnly of [false, true]) {
      for (const version of ["2025-06-18", "2024-11-05", "1999-01-01"]) {
        const msgs = [
          init(1, version),
          { method: "notifications/initialized" },
          { id: 2, method: "tools/list", params: {} },
          { id: 3, method: "resources/list" },
          { id: 4, method: "resources/templates/list", params: {} },
          { id: 5, method: "ping" },
        ];
        const p = fakePort();
        early(p.port, readOnly);
        for (const m of msgs) p.send(m);
        await tick();
        assert.deepEqual(p.out, await sdkAnswers(msgs, readOnly), `readOnly ${readOnly}, version ${version}`);
      }
    }
  });

  test("kept messages reach the server in order once it connects; the replayed initialize's answer is dropped", async () => {
    const p = fakePort();
    const t = early(p.port);
    p.send(init(1, "2025-06-18"));
    p.send({ method: "notifications/initialized" });
    p.send({ id: 2, method: "completion/complete", params: { ref: { type: "ref/prompt", name: "x" }, argument: { name: "a", value: "" } } });
    // split across chunks, with a CRLF line end
    p.raw('{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cur');
    p.raw('sor":"next"}}\r\n');
    await tick();
    assert.deepEqual(p.out.map((m) => m.id), [1], "only initialize is answered before the server");
    const f = front();
    await f.connect(t);
    await f.initialized();
    await new Promise((r) => setTimeout(r, 120)); // the cursor request waits backendWaitMs for a backend, then fails
    assert.ok(f.server.getClientCapabilities()?.elicitation, "the server learnt the client's capabilities");
    assert.deepEqual(p.out.map((m) => m.id), [1, 2, 3], "one answer each, the initialize answer not repeated");
    assert.ok(p.out[1]!.error, "the server answered the kept request itself");
    // From now on a plain transport: a new request goes straight to the server.
    p.send({ id: 4, method: "ping" });
    await tick();
    assert.deepEqual(p.out[3], { jsonrpc: "2.0", id: 4, result: {} });
    await f.close();
  });

  test("listed() resolves on tools/list, on a request only the server answers, or after the grace time", async () => {
    const p = fakePort();
    const t = early(p.port);
    let done = false;
    void t.listed(10_000).then(() => (done = true));
    p.send(init(1, "2025-06-18"));
    await tick();
    assert.equal(done, false);
    p.send({ id: 2, method: "tools/list" });
    await tick();
    assert.equal(done, true);
    const q = fakePort();
    const started = Date.now();
    await early(q.port).listed(30);
    assert.ok(Date.now() - started >= 25);
    // A request only the server answers (a tool call before any tools/list) ends the wait at once; a notification does not.
    const r = fakePort();
    let called = false;
    void early(r.port).listed(10_000).then(() => (called = true));
    r.send(init(1, "2025-06-18"));
    r.send({ method: "notifications/initialized" });
    await tick();
    assert.equal(called, false);
    r.send({ id: 2, method: "tools/call", params: { name: "list_chats", arguments: {} } });
    await tick();
    assert.equal(called, true);
  });
});

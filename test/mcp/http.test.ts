/**
 * The Streamable HTTP handler with a real SDK Client: through a fetch that calls the handler
 * directly (no socket), and once over a real local port. Sessions, the session cap, idle expiry,
 * read-only mode, confirmation (elicitation) in the middle of a tools/call over HTTP, and the
 * send scope of OAuth callers.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { type CallToolResult, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { createMcpHttpHandler, type McpHttpHandler } from "../../src/mcp/http_handler.ts";
import { createMcpServer } from "../../src/mcp/server.ts";
import { isSendTool } from "../../src/mcp/tools/index.ts";
import { serve } from "../../src/runtime/serve.ts";
import { ALICE, buildDeps, type HarnessOptions, manualClock } from "./harness.ts";

const URL_ = new URL("http://127.0.0.1:8080/mcp");
type AuthInfo = { token: string; clientId: string; scopes: string[]; extra?: Record<string, unknown> };

async function setup(o: HarnessOptions & { maxSessions?: number; authInfo?: AuthInfo } = {}) {
  const built = await buildDeps(o);
  const clock = manualClock();
  const handler = createMcpHttpHandler(() => createMcpServer(built.deps), {
    maxSessions: o.maxSessions,
    idleTimeoutMs: 60_000,
    clock,
    keepAliveMs: 0,
  });
  const fetchVia = (h: McpHttpHandler) => (url: string | URL, init?: RequestInit) =>
    h(new Request(url, init), o.authInfo ? { authInfo: o.authInfo } : undefined);
  const clients: Client[] = [];
  const connect = async (elicit?: boolean) => {
    const client = new Client({ name: "http-test", version: "1" }, { capabilities: elicit ? { elicitation: {} } : {} });
    if (elicit) client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { confirm: true } }));
    await client.connect(new StreamableHTTPClientTransport(URL_, { fetch: fetchVia(handler) }));
    clients.push(client);
    return client;
  };
  return {
    ...built,
    handler,
    httpClock: clock,
    connect,
    close: async () => {
      for (const c of clients) await c.close().catch(() => {});
      await handler.close();
      await built.dispose();
    },
  };
}

const call = async (c: Client, name: string, args: Record<string, unknown> = {}) =>
  (await c.callTool({ name, arguments: args })) as CallToolResult;
const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;

describe("MCP over Streamable HTTP", () => {
  test("a client lists tools and calls one; the session is kept under its id", async () => {
    const s = await setup();
    try {
      const c = await s.connect();
      const tools = (await c.listTools()).tools.map((t) => t.name);
      assert.equal(tools.length, 22);
      const r = await call(c, "list_chats", { limit: 2, include_last_message: false });
      assert.equal(r.isError, undefined);
      assert.equal((r.structuredContent!.chats as unknown[]).length, 2);
      assert.equal(s.handler.sessionCount(), 1);
    } finally {
      await s.close();
    }
  });

  test("read-only mode over HTTP: send tools absent and refused", async () => {
    const s = await setup({ readOnly: true });
    try {
      const c = await s.connect();
      const tools = (await c.listTools()).tools.map((t) => t.name);
      assert.ok(!tools.some(isSendTool));
      assert.ok(tools.includes("list_messages"));
      const r = await call(c, "send_message", { recipient: ALICE, message: "hi" });
      assert.equal(r.isError, true);
      assert.equal(s.whatsapp.sent().length, 0);
    } finally {
      await s.close();
    }
  });

  test("a confirmation dialog in the middle of a tools/call travels over HTTP and the send goes out", async () => {
    const s = await setup();
    try {
      const c = await s.connect(true);
      const r = await call(c, "send_message", { recipient: "+99 9999 999 999", message: "hello" });
      assert.equal(r.isError, undefined, text(r));
      assert.equal(r.structuredContent!.confirmed_by_user, true);
      assert.equal(s.whatsapp.sent().length, 1);
    } finally {
      await s.close();
    }
  });

  test("an OAuth caller without the send scope may read but not send; the static token may send", async () => {
    const oauth = await setup({ authInfo: { token: "<redacted>", clientId: "c", scopes: ["openid"], extra: { kind: "oauth" } } });
    try {
      oauth.deps.config.sendScope = "whatsapp.send";
      const c = await oauth.connect();
      assert.equal((await call(c, "list_chats", {})).isError, undefined);
      const r = await call(c, "send_message", { recipient: ALICE, message: "hi" });
      assert.equal(r.isError, true);
      assert.match(text(r), /whatsapp\.send/);
      assert.equal(oauth.whatsapp.sent().length, 0);
    } finally {
      await oauth.close();
    }
    const stat = await setup({ authInfo: { token: "<redacted>", clientId: "c", scopes: [], extra: { kind: "static" } } });
    try {
      stat.deps.config.sendScope = "whatsapp.send";
      const c = await stat.connect();
      assert.equal((await call(c, "send_message", { recipient: ALICE, message: "hi" })).isError, undefined);
    } finally {
      await stat.close();
    }
  });

  test("unknown session → 404, no session on GET → 400, a non-initialize POST opens nothing", async () => {
    const s = await setup();
    try {
      const get = await s.handler(new Request(URL_, { method: "GET", headers: { accept: "text/event-stream" } }));
      assert.equal(get.status, 400);
      const unknown = await s.handler(new Request(URL_, {
        method: "POST",
        headers: { "mcp-session-id": "nope", "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      }));
      assert.equal(unknown.status, 404);
      const notInit = await s.handler(new Request(URL_, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      }));
      assert.equal(notInit.status, 400);
      assert.equal(s.handler.sessionCount(), 0);
    } finally {
      await s.close();
    }
  });

  test("the session cap closes the least recently used session; its client must initialize again", async () => {
    const s = await setup({ maxSessions: 2 });
    try {
      const a = await s.connect();
      s.httpClock.advance(1000);
      const b = await s.connect();
      s.httpClock.advance(1000);
      await a.listTools(); // a is now more recent than b
      s.httpClock.advance(1000);
      const c = await s.connect();
      assert.equal(s.handler.sessionCount(), 2);
      await a.listTools();
      await c.listTools();
      await assert.rejects(b.listTools(), /404|Session not found/);
    } finally {
      await s.close();
    }
  });

  test("an idle session expires on the injected clock; DELETE ends a session", async () => {
    const s = await setup();
    try {
      const a = await s.connect();
      s.httpClock.advance(61_000);
      const b = await s.connect(); // any request sweeps expired sessions
      assert.equal(s.handler.sessionCount(), 1);
      await assert.rejects(a.listTools(), /404|Session not found/);
      await (b.transport as StreamableHTTPClientTransport).terminateSession();
      assert.equal(s.handler.sessionCount(), 0);
    } finally {
      await s.close();
    }
  });

  test("over a real local port too", async () => {
    const built = await buildDeps();
    const handler = createMcpHttpHandler(() => createMcpServer(built.deps), { keepAliveMs: 0 });
    const served = await serve({ fetch: (req) => handler(req) }, { hostname: "127.0.0.1", port: 0 });
    const client = new Client({ name: "socket-test", version: "1" });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${served.port}/mcp`)));
      const r = await call(client, "search_contacts", { query: "alice" });
      assert.equal(r.isError, undefined);
      assert.equal((r.structuredContent!.contacts as Array<{ jid: string }>)[0].jid, ALICE);
    } finally {
      await client.close().catch(() => {});
      await handler.close();
      await served.close();
      await built.dispose();
    }
  });
});

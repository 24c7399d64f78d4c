/**
 * The proxy in one process, with the real parts: the front (stdio side over the in-memory pair),
 * the owner's instance endpoint over real HTTP on loopback, the real ownership lock and instance
 * file in a temp folder, and the real proxy loop (`runProxy`). The owner's MCP server is a small
 * test server (tools that elicit, block, or write), a seam we own.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ElicitRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { McpServer } from "../../src/mcp/sdk.ts";
import { createMcpHttpHandler } from "../../src/mcp/http_handler.ts";
import { createInstanceApp } from "../../src/http/instance_app.ts";
import { serve, type ServedApp } from "../../src/runtime/serve.ts";
import { nodeFs } from "../../src/runtime/fs.ts";
import { tryClaimInstance } from "../../src/instance/claim.ts";
import { type InstanceInfo, removeInstanceFile, writeInstanceFile } from "../../src/instance/file.ts";
import { createProxyFront, isBackendFailure, requestNotDelivered, WRITE_INTERRUPTED } from "../../src/instance/proxy/front.ts";
import { ErrorCode, McpError } from "../../src/mcp/sdk.ts";
import { connectToOwner } from "../../src/instance/proxy/backend_http.ts";
import { frontBackendBehavior } from "../../src/instance/proxy/backend_local.ts";
import { directToolCalls, leanToolCalls } from "../../src/mcp/lean_calls.ts";
import { runProxy } from "../../src/instance/proxy/run.ts";
import { createLogger } from "../../src/log.ts";
import type { StoreLock } from "../../src/runtime/lock.ts";

const TOKEN = "t".repeat(43);
/** A result schema that takes any answer as it is (the test client's side). */
const ANY = z.custom<unknown>(() => true);
const log = createLogger("test");

/** A test owner: its tools say which owner answered; `block` and `write` wait for `release()`. */
function ownerServer(label: string, counters: { writes: number }, gate: { promise: Promise<void> }) {
  return () => {
    const server = new McpServer({ name: "whatsapp-mcp", version: "test" });
    server.registerTool("who", { description: "which owner answers" }, async () => ({ content: [{ type: "text", text: label }] }));
    server.registerTool("block", { description: "answers once released" }, async () => {
      await gate.promise;
      return { content: [{ type: "text", text: `${label} released` }] };
    });
    server.registerTool("write", { description: "changes something" }, async () => {
      counters.writes++;
      await gate.promise;
      return { content: [{ type: "text", text: `${label} wrote` }] };
    });
    server.registerTool("confirm", { description: "asks the user" }, async (extra) => {
      const r = await server.server.elicitInput(
        { mode: "form", message: `Send it? (${label})`, requestedSchema: { type: "object", properties: { confirm: { type: "boolean" } }, required: ["confirm"] } },
        { relatedRequestId: extra.requestId },
      );
      return { content: [{ type: "text", text: `${r.action}:${String(r.content?.confirm)}` }] };
    });
    return server;
  };
}

/** Serves an owner's instance endpoint on loopback. */
async function serveOwner(makeServer: () => McpServer, token = TOKEN): Promise<{ served: ServedApp; info: InstanceInfo }> {
  const handler = createMcpHttpHandler(makeServer);
  let port = 0;
  const served = await serve(createInstanceApp({ token, port: () => port, mcp: (req) => handler(req) }), { hostname: "127.0.0.1", port: 0 });
  port = served.port;
  return { served, info: { v: 1, pid: process.pid, port, token, version: "test", startedAt: new Date().toISOString() } };
}

/** A front with a test client on its stdio side; the client records elicitations and answers `accept`. */
async function frontWithClient(opts: { readOnly?: boolean } = {}) {
  const front = createProxyFront({
    serverInfo: { name: "whatsapp-mcp", version: "test" },
    instructions: "test",
    readOnly: opts.readOnly ?? false,
    isWriteTool: (n) => n === "write",
    backendWaitMs: 20_000,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await front.connect(serverSide);
  const asked: string[] = [];
  const client = new Client({ name: "stdio-client", version: "1" }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, (req) => {
    asked.push(req.params.message);
    return { action: "accept", content: { confirm: true } };
  });
  await client.connect(clientSide);
  return { front, client, asked };
}

function text(r: unknown): string {
  return ((r as CallToolResult).content[0] as { text: string }).text;
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("the proxy front", () => {
  test("a tools/call answer is the backend's as it came, not parsed and copied again (the backend's server checked it)", async () => {
    const { front, client } = await frontWithClient();
    // Keys out of the SDK schema's order: a parse by CallToolResultSchema would rebuild the object in its order.
    const answer = { structuredContent: { n: 1 }, content: [{ text: "as it came", type: "text" }] };
    const fake = { request: async () => answer, close: async () => {} };
    front.attach(fake as unknown as Client);
    try {
      const got = await client.request({ method: "tools/call", params: { name: "who", arguments: {} } }, ANY);
      assert.equal(got, answer, "the same object, handed through the in-memory pair");
      assert.deepEqual(Object.keys(got as object), ["structuredContent", "content"]);
      const bad = await client.request({ method: "tools/call", params: { name: 7 } } as never, ANY).then(() => "answered", (e: unknown) => e);
      assert.ok(bad instanceof McpError && /invalid_type/.test(bad.message), `the request itself is still checked: ${String(bad)}`);
    } finally {
      await front.close();
    }
  });

  test("the local server's tools called directly answer as through the in-memory pair, byte for byte", async () => {
    const makeOwner = () => {
      const server = new McpServer({ name: "whatsapp-mcp", version: "test" });
      leanToolCalls(server);
      server.registerTool("who", { description: "d", inputSchema: { n: z.number() }, outputSchema: { n: z.number() } }, async (a) =>
        ({ content: [{ type: "text", text: `n=${a.n}` }], structuredContent: { n: a.n } }));
      server.registerTool("beat", { description: "d" }, async (extra) => {
        const token = extra._meta?.progressToken;
        if (token !== undefined) await extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: 1, message: "m" } });
        return { content: [{ type: "text", text: "beat" }] };
      });
      server.registerTool("refuse", { description: "d" }, () => {
        throw new McpError(ErrorCode.UrlElicitationRequired, "open this", { elicitations: [] });
      });
      return server;
    };
    const run = async (direct: boolean) => {
      const { front, client, asked } = await frontWithClient();
      const owner = makeOwner();
      const [c, s] = InMemoryTransport.createLinkedPair();
      await owner.connect(s);
      let reachedPair = 0;
      const onmessage = s.onmessage;
      s.onmessage = (m, e) => {
        if ((m as { method?: string }).method === "tools/call") reachedPair++;
        onmessage?.(m, e);
      };
      const backend = front.newBackendClient();
      await backend.connect(c);
      front.attach(backend, direct ? directToolCalls(owner)! : undefined);
      const progress: string[] = [];
      client.fallbackNotificationHandler = async (n) => void progress.push(JSON.stringify(n));
      const call = (name: string, args: unknown, meta?: object) =>
        client.request({ method: "tools/call", params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } } as never, ANY, {
          onprogress: meta ? (p) => void progress.push(JSON.stringify(p)) : undefined,
        }).then((r) => JSON.stringify(r), (e: Error) => `error ${e.message} ${JSON.stringify((e as McpError).data)}`);
      try {
        const answers = [await call("who", { n: 2 }), await call("who", { n: "x" }), await call("beat", {}, {}), await call("refuse", {})];
        return { answers, progress, asked, reachedPair };
      } finally {
        await front.close();
        await owner.close();
      }
    };
    const viaPair = await run(false);
    const direct = await run(true);
    assert.equal(viaPair.reachedPair, 4);
    assert.equal(direct.reachedPair, 0, "the direct calls never went through the pair");
    assert.deepEqual({ ...direct, reachedPair: 0 }, { ...viaPair, reachedPair: 0 });
    assert.match(direct.answers[1]!, /Input validation error/);
    assert.equal(direct.progress.length, 1);
    assert.match(direct.answers[3]!, /^error (MCP error -32042: ){3}open this/, "the McpError as the pair raised it");
  });

  test("quiet() resolves once no forwarded call is in flight, or after its time limit", async () => {
    let release: () => void = () => {};
    const gate = { promise: new Promise<void>((r) => (release = r)) };
    const { front, client } = await frontWithClient();
    const [c, s] = InMemoryTransport.createLinkedPair();
    const owner = ownerServer("local", { writes: 0 }, gate)();
    await owner.connect(s);
    const backend = front.newBackendClient();
    await backend.connect(c);
    front.attach(backend);
    try {
      await front.quiet(60_000); // nothing in flight: at once
      const call = client.callTool({ name: "block", arguments: {} });
      await new Promise((r) => setTimeout(r, 50));
      let quiet = false;
      const waiting = front.quiet(60_000).then(() => (quiet = true));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(quiet, false, "quiet while a call is in flight");
      const started = Date.now();
      await front.quiet(40); // the time limit
      assert.ok(Date.now() - started >= 30);
      release();
      assert.equal(text(await call), "local released");
      await waiting;
      assert.equal(quiet, true);
    } finally {
      await front.close();
      await owner.close();
    }
  });

  test("a refused connection counts as never delivered (safe to repeat a write); an answer from the owner does not", async () => {
    const { served, info } = await serveOwner(ownerServer("gone", { writes: 0 }, { promise: Promise.resolve() }));
    await served.close(); // nothing listens on info.port any more
    const front = createProxyFront({ serverInfo: { name: "whatsapp-mcp", version: "test" }, instructions: "", readOnly: false, isWriteTool: () => true });
    const err = await connectToOwner(front, info).then(() => null, (e: unknown) => e);
    assert.ok(err, "connecting to a closed port succeeded");
    assert.equal(requestNotDelivered(err), true, `not recognised as refused: ${String((err as Error).message)}`);
    assert.equal(isBackendFailure(err), true);
    const answered = new McpError(ErrorCode.InvalidParams, "bad arguments");
    assert.equal(requestNotDelivered(answered), false);
    assert.equal(isBackendFailure(answered), false);
    await front.close();
  });

  test("forwards lists and calls to the owner over its instance endpoint, and the owner's confirmation dialog to the stdio client", async () => {
    const gate = { promise: Promise.resolve() };
    const { served, info } = await serveOwner(ownerServer("owner-1", { writes: 0 }, gate));
    const { front, client, asked } = await frontWithClient();
    try {
      front.attach(await connectToOwner(front, info));
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["block", "confirm", "who", "write"]);
      assert.equal(text(await client.callTool({ name: "who", arguments: {} })), "owner-1");
      // The owner elicits through the proxy: the stdio client's user sees it and answers.
      assert.equal(text(await client.callTool({ name: "confirm", arguments: {} })), "accept:true");
      assert.deepEqual(asked, ["Send it? (owner-1)"]);
    } finally {
      await client.close();
      await front.close();
      await served.close();
    }
  });

  test("the instance endpoint refuses a wrong token, and a client that did not declare elicitation is not asked", async () => {
    const gate = { promise: Promise.resolve() };
    const { served, info } = await serveOwner(ownerServer("owner-1", { writes: 0 }, gate));
    const front = createProxyFront({ serverInfo: { name: "whatsapp-mcp", version: "test" }, instructions: "", readOnly: false, isWriteTool: () => false });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await front.connect(serverSide);
    const client = new Client({ name: "plain-client", version: "1" }, { capabilities: {} });
    await client.connect(clientSide);
    try {
      await assert.rejects(connectToOwner(front, { ...info, token: "x".repeat(43) }));
      const res = await fetch(`http://127.0.0.1:${info.port}/mcp`, { method: "POST", headers: { Authorization: `Bearer ${"x".repeat(43)}` }, body: "{}" });
      assert.equal(res.status, 401);
      await res.body?.cancel();
      front.attach(await connectToOwner(front, info));
      // The owner cannot elicit from a client that cannot answer: its request fails, nothing is asked.
      const r = await client.callTool({ name: "confirm", arguments: {} });
      assert.equal(r.isError, true);
    } finally {
      await client.close();
      await front.close();
      await served.close();
    }
  });

  test("read-only mode (the proxy's own setting) hides and refuses write tools whatever the owner offers", async () => {
    const counters = { writes: 0 };
    const { served, info } = await serveOwner(ownerServer("owner-1", counters, { promise: Promise.resolve() }));
    const { front, client } = await frontWithClient({ readOnly: true });
    try {
      front.attach(await connectToOwner(front, info));
      const { tools } = await client.listTools();
      assert.ok(!tools.some((t) => t.name === "write"));
      const r = await client.callTool({ name: "write", arguments: {} });
      assert.equal(r.isError, true);
      assert.match(text(r), /read-only/);
      assert.equal(counters.writes, 0);
    } finally {
      await client.close();
      await front.close();
      await served.close();
    }
  });

  test("when the owner goes away mid-call, runProxy takes the lock; a read is retried on the new backend, a write is not", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "wa-mcp-front-"));
    dirs.push(dataDir);
    // The "owner" holds the real ownership lock and publishes a real instance file.
    const ownerClaim = await tryClaimInstance(nodeFs, dataDir, log);
    assert.equal(ownerClaim.role, "owner");
    const ownerLock = (ownerClaim as { lock: StoreLock }).lock;
    let release1: () => void = () => {};
    const gate1 = { promise: new Promise<void>((r) => (release1 = r)) };
    const counters1 = { writes: 0 };
    const owner1 = await serveOwner(ownerServer("owner-1", counters1, gate1));
    await writeInstanceFile(nodeFs, dataDir, owner1.info);

    const { front, client } = await frontWithClient();
    const stop = new AbortController();
    // The proxy plays another process: its own pid, and the owner (this pid) alive until it lets go.
    const otherProcess = { pid: process.pid + 100_000, host: "", isAlive: (pid: number) => pid === process.pid, now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
    const proxying = runProxy({ dataDir, fs: nodeFs, front, stop: stop.signal, pollMs: 50, searchPollMs: 20, log, lockProcess: otherProcess });
    let local: ReturnType<typeof frontBackendBehavior> | null = null;
    try {
      assert.equal(text(await client.callTool({ name: "who", arguments: {} })), "owner-1");
      // Two calls are in flight at the owner when it dies.
      // Settled at once: the write's rejection may come before the test looks at it.
      const settle = <T>(p: Promise<T>) => p.then((r) => ({ ok: true as const, r }), (e: Error) => ({ ok: false as const, e }));
      const read = settle(client.callTool({ name: "block", arguments: {} }));
      const write = settle(client.callTool({ name: "write", arguments: {} }));
      while (counters1.writes === 0) await new Promise((r) => setTimeout(r, 10));
      await owner1.served.close();
      await removeInstanceFile(nodeFs, dataDir, TOKEN);
      await ownerLock.release();

      // The proxy loop now owns the folder; this process starts its own server behind the front.
      const won = await proxying;
      assert.ok(won, "runProxy did not take the lock");
      const counters2 = { writes: 0 };
      local = frontBackendBehavior(ownerServer("owner-2", counters2, { promise: Promise.resolve() }), front);
      await local.start!(undefined as never);

      const r = await read;
      assert.ok(r.ok, `the read failed: ${r.ok ? "" : r.e.message}`);
      assert.equal(text(r.r), "owner-2 released", "the read was not retried on the new backend");
      const w = await write;
      assert.equal(w.ok, false, "an interrupted write must not be reported as done");
      assert.equal((w as { e: Error }).e.message.includes(WRITE_INTERRUPTED.slice(0, 40)), true, (w as { e: Error }).e.message);
      assert.equal(counters2.writes, 0, "the interrupted write was carried out again by the new backend");
      // A write issued after the takeover is carried out once, by the new owner.
      assert.equal(text(await client.callTool({ name: "write", arguments: {} })), "owner-2 wrote");
      assert.deepEqual([counters1.writes, counters2.writes], [1, 1]);
      // The same session goes on.
      assert.equal(text(await client.callTool({ name: "who", arguments: {} })), "owner-2");
      await won.lock.release();
    } finally {
      release1();
      stop.abort();
      await proxying.catch(() => null);
      await local?.stop?.("shutdown" as never);
      await client.close();
      await front.close();
    }
  });
});

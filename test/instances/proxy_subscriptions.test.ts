/**
 * Resource subscriptions through the proxy: a second client (the proxy's stdio side) subscribes,
 * the owner's real MCP server (real store, live hub) answers over its instance endpoint on
 * loopback (Streamable HTTP), and the owner's notifications reach the client within a second;
 * after a takeover the new backend gets the subscription again.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { createMcpServer } from "../../src/mcp/server.ts";
import { createMcpHttpHandler } from "../../src/mcp/http_handler.ts";
import { createInstanceApp } from "../../src/http/instance_app.ts";
import { serve } from "../../src/runtime/serve.ts";
import { createProxyFront } from "../../src/instance/proxy/front.ts";
import { connectToOwner } from "../../src/instance/proxy/backend_http.ts";
import type { WriteOp } from "../../src/store/types.ts";
import { ALICE, buildDeps, T0 } from "../mcp/harness.ts";

const TOKEN = "s".repeat(43);

const live = (id: string, ts: number): WriteOp => ({
  op: "upsertMessage",
  live: true,
  message: {
    chatJid: ALICE, id, senderId: ALICE, fromMe: false, ts, type: "text", text: id, quotedId: null, editedText: null,
    editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw: null,
  },
});

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

describe("subscriptions through the proxy", () => {
  test("a proxied client hears of a new message within a second, over HTTP and again after a takeover", async () => {
    const built = await buildDeps();
    const handler = createMcpHttpHandler(() => createMcpServer(built.deps));
    let port = 0;
    const served = await serve(createInstanceApp({ token: TOKEN, port: () => port, mcp: (req) => handler(req) }), { hostname: "127.0.0.1", port: 0 });
    port = served.port;
    const front = createProxyFront({ serverInfo: { name: "whatsapp-mcp", version: "test" }, instructions: "", readOnly: false, isWriteTool: () => false });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await front.connect(serverSide);
    const client = new Client({ name: "stdio-client", version: "1" });
    const seen: Array<{ uri: string; at: number }> = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seen.push({ uri: n.params.uri, at: Date.now() }));
    await client.connect(clientSide);
    const uri = `whatsapp://chat/${ALICE}`;
    try {
      front.attach(await connectToOwner(front, { v: 1, pid: 0, port, token: TOKEN, version: "test", startedAt: new Date().toISOString() }));
      assert.ok(client.getServerCapabilities()?.resources?.subscribe);
      await client.subscribeResource({ uri });
      // The owner's standalone SSE stream (what carries notifications) opens right after initialize.
      await new Promise((r) => setTimeout(r, 200));
      const sentAt = Date.now();
      await built.repository.commit([live("P1", T0 + 5 * 86_400_000)]);
      await until(() => seen.length >= 1, 3000);
      assert.equal(seen.length, 1, "notified through the proxy");
      assert.equal(seen[0]!.uri, uri);
      assert.ok(seen[0]!.at - sentAt < 1000, `after ${seen[0]!.at - sentAt} ms`);

      // Takeover: this process's own server becomes the backend; the subscription follows.
      const [c2, s2] = InMemoryTransport.createLinkedPair();
      const own = createMcpServer(built.deps);
      await own.connect(s2);
      const backend = front.newBackendClient();
      await backend.connect(c2);
      front.attach(backend);
      await until(() => built.live.size() >= 2, 2000);
      await new Promise((r) => setTimeout(r, 1100)); // past the first backend's debounce window
      const before = seen.length;
      await built.repository.commit([live("P2", T0 + 6 * 86_400_000)]);
      await until(() => seen.length > before, 3000);
      assert.equal(seen.length, before + 1);
      assert.equal(seen.at(-1)!.uri, uri);
      await own.close();
    } finally {
      await client.close();
      await front.close();
      await handler.close();
      await served.close();
      await built.dispose();
    }
  });
});

/**
 * The first tool call waits only for what it needs: with the owner's tree as `serve` builds it
 * (the stdio front, the store, the tools, the status page's port), a `list_chats` is answered while
 * the modules of the connection, sync, media, status page and instance endpoint have not even been
 * asked for; a page request loads the page's, and once `loadLater` resolves the rest load and the
 * connection actor answers.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { buildConfig } from "../../src/config/parse.ts";
import { composeApp, type LaterModules } from "../../src/app/compose.ts";
import { appTree } from "../../src/app/tree.ts";
import { createProxyFront } from "../../src/instance/proxy/front.ts";
import { createRegistry, startTree } from "../../supervisors/mod.ts";

describe("start-up order", () => {
  test("the first list_chats is answered before the WhatsApp, media and instance modules are loaded", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "wa-mcp-first-call-"));
    const cfg = buildConfig([], {
      WHATSAPP_MCP_DATA_DIR: dataDir,
      MCP_PORT: "0",
      WHATSAPP_WS_URL: "ws://127.0.0.1:9/ws/chat",
      LOG_LEVEL: "error",
    }, { platform: "linux", home: dataDir, env: {} });
    const loaded: string[] = [];
    const watched = <K extends keyof LaterModules>(name: K, load: LaterModules[K]) =>
      (async () => {
        loaded.push(name);
        return await load();
      }) as LaterModules[K];
    const modules: LaterModules = {
      whatsapp: watched("whatsapp", () => import("../../src/app/whatsapp_modules.ts")),
      media: watched("media", () => import("../../src/media/actor.ts")),
      http: watched("http", () => import("../../src/http/app.ts")),
      instance: watched("instance", () => import("../../src/instance/actor.ts")),
    };
    let openLater: () => void = () => {};
    const loadLater = new Promise<void>((resolve) => (openLater = resolve));

    const front = createProxyFront({ serverInfo: { name: "whatsapp-mcp", version: "test" }, instructions: "", readOnly: false, isWriteTool: () => false });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await front.connect(serverSide);
    const client = new Client({ name: "first-call", version: "1" });
    await client.connect(clientSide);
    const registry = createRegistry();
    const parts = composeApp(cfg, registry, { front, loadLater, modules });
    const tree = await startTree(appTree(parts), { name: "root", registry });
    try {
      const r = await client.callTool({ name: "list_chats", arguments: { limit: 20 } });
      assert.notEqual(r.isError, true, JSON.stringify(r.content));
      // The page's port is bound with the tree (the tools report its address), its code loads
      // later: nothing loaded yet.
      assert.deepEqual(loaded, [], "modules loaded before the first answer");
      // The later children are registered all along; their messages wait for their code.
      assert.ok(registry.names().includes("connection"));
      // A page request before then loads the page's code and is answered.
      const page = await registry.ask<{ host: string; port: number }>("http", { type: "address" }, { timeoutMs: 5_000 });
      const health = await fetch(`http://127.0.0.1:${page.port}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { ok: true });
      assert.deepEqual(loaded, ["http"]);

      openLater();
      const status = await registry.ask<{ state: string }>("connection", { type: "status" }, { timeoutMs: 30_000 });
      assert.equal(typeof status.state, "string");
      assert.deepEqual([...loaded].sort(), ["http", "instance", "media", "whatsapp", "whatsapp"]);
    } finally {
      await tree.stop();
      for (const hook of parts.shutdownHooks) await hook().catch(() => {});
      await front.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

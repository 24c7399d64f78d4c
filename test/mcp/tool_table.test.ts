/**
 * The static tool table (src/mcp/tool_table.ts) is exactly what the real registration lists, in
 * both modes, and the stdio front answers tools/list and the resource lists from it before any
 * backend is there (then forwards once one is attached).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { createProxyFront } from "../../src/app/proxy/front.ts";
import { liveLists } from "../../src/build/gen_tool_table.ts";
import { McpServer } from "../../src/mcp/sdk.ts";
import { TOOL_TABLE } from "../../src/mcp/tool_table.ts";
import { isSendTool } from "../../src/mcp/write_tools.ts";
import { createLogger } from "../../src/log.ts";

describe("static tool table", () => {
  test("equals what the registered server lists (run src/build/gen_tool_table.ts after changing a tool)", async () => {
    assert.deepEqual(TOOL_TABLE, await liveLists(false));
    assert.ok(TOOL_TABLE.tools.some((t) => t.name === "list_messages"));
  });

  test("in read-only mode the server lists the table's tools without the send tools", async () => {
    const ro = await liveLists(true);
    assert.deepEqual(ro.tools, TOOL_TABLE.tools.filter((t) => !isSendTool(t.name)));
    assert.deepEqual(ro.resources, TOOL_TABLE.resources);
  });

  for (const readOnly of [false, true]) {
    test(`the front answers the lists from the table while no backend is attached${readOnly ? " (read-only)" : ""}, then forwards`, async () => {
      const front = createProxyFront({
        serverInfo: { name: "whatsapp-mcp", version: "test" },
        instructions: "",
        readOnly,
        isWriteTool: isSendTool,
        staticLists: TOOL_TABLE,
        backendWaitMs: 200,
        log: createLogger("test"),
      });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await front.connect(serverSide);
      const client = new Client({ name: "t", version: "0" });
      await client.connect(clientSide);
      try {
        const tools = (await client.listTools()).tools.map((t) => t.name);
        const expected = TOOL_TABLE.tools.map((t) => t.name).filter((n) => !readOnly || !isSendTool(n));
        assert.deepEqual(tools, expected);
        assert.deepEqual((await client.listResources()).resources.map((r) => r.uri), TOOL_TABLE.resources.map((r) => r.uri));
        assert.deepEqual((await client.listResourceTemplates()).resourceTemplates, TOOL_TABLE.resourceTemplates);
        // A call still needs a backend.
        await assert.rejects(client.callTool({ name: "list_chats", arguments: {} }), /within/);

        const owner = new McpServer({ name: "whatsapp-mcp", version: "owner" });
        owner.registerTool("only_the_owner_has_it", { description: "x" }, async () => ({ content: [] }));
        const [b1, b2] = InMemoryTransport.createLinkedPair();
        await owner.connect(b2);
        const backend = front.newBackendClient();
        await backend.connect(b1);
        front.attach(backend);
        assert.deepEqual((await client.listTools()).tools.map((t) => t.name), ["only_the_owner_has_it"]);
      } finally {
        await client.close();
        await front.close();
      }
    });
  }
});

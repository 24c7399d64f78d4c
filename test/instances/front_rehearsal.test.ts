/**
 * The warm-up's rehearsal of the stdio front (src/instance/proxy/rehearsal.ts): a call taken
 * through it is answered, byte for byte, as the session's front answers the same request over
 * stdio (the same path, not a copy of its checks), a malformed one with the front's own error.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createEarlyStdio } from "../../src/instance/proxy/early_stdio.ts";
import { createProxyFront } from "../../src/instance/proxy/front.ts";
import { createFrontRehearsal, type RehearsedCall } from "../../src/instance/proxy/rehearsal.ts";
import { LATEST_PROTOCOL_VERSION, MCP_SERVER_CAPABILITIES, SUPPORTED_PROTOCOL_VERSIONS } from "../../src/mcp/capabilities.ts";
import type { CallToolResult } from "../../src/mcp/sdk.ts";
import { TOOL_TABLE } from "../../src/mcp/tool_table.ts";
import { isSendTool } from "../../src/mcp/write_tools.ts";
import type { StdioPort } from "../../src/runtime/stdio.ts";

const INFO = { name: "whatsapp-mcp", version: "test" };

/** The session's front as serve.ts builds it, on a fake stdin/stdout, its backend answering `result`; returns what it writes for `request`. */
async function sessionAnswer(request: object, result: CallToolResult): Promise<string> {
  let feed: (chunk: Uint8Array) => void = () => {};
  const written: string[] = [];
  const port: StdioPort = {
    listen(onData) {
      feed = onData;
      return () => {};
    },
    write(text) {
      written.push(text);
      return Promise.resolve();
    },
  };
  const early = createEarlyStdio({
    port,
    serverInfo: INFO,
    instructions: "instructions",
    capabilities: MCP_SERVER_CAPABILITIES,
    latestProtocolVersion: LATEST_PROTOCOL_VERSION,
    supportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
    staticLists: TOOL_TABLE,
    readOnly: false,
    isWriteTool: isSendTool,
  });
  const front = createProxyFront({ serverInfo: INFO, instructions: "instructions", readOnly: false, isWriteTool: isSendTool, staticLists: TOOL_TABLE });
  front.attach(front.newBackendClient(), () => Promise.resolve(result));
  await front.connect(early);
  try {
    feed(new TextEncoder().encode(`${JSON.stringify(request)}\n`));
    for (let i = 0; i < 100 && written.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(written.length, 1);
    return written[0]!;
  } finally {
    await front.close();
  }
}

const RESULT: CallToolResult = {
  content: [{ type: "text", text: '{"chats":[]}' }],
  structuredContent: { chats: [], page: 0, limit: 20, next_cursor: null },
};

describe("the front's rehearsal for the warm-up", () => {
  test("a rehearsed call is answered as the session's front answers it over stdio, a malformed one with the front's error", async () => {
    const rehearsal = await createFrontRehearsal();
    try {
      const calls: RehearsedCall[] = [
        { name: "list_chats", arguments: { limit: 20, include_last_message: true } },
        { name: "list_chats", arguments: "not an object" as unknown as Record<string, unknown> },
      ];
      let id = 0;
      for (const call of calls) {
        const line = await rehearsal.call(call, RESULT);
        const request = { jsonrpc: "2.0", id: --id, method: "tools/call", params: { name: call.name, arguments: call.arguments } };
        assert.equal(line, await sessionAnswer(request, RESULT), JSON.stringify(call.arguments));
      }
      // The second was refused by the SDK's parse of tools/call, as the front refuses it.
      const refused = JSON.parse(await rehearsal.call(calls[1]!, RESULT)) as { error?: { code: number } };
      assert.equal(refused.error?.code, -32603);
    } finally {
      await rehearsal.close();
    }
  });
});

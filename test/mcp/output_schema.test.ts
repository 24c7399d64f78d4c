/**
 * The output schemas handed to the SDK (src/mcp/output_schema.ts) accept and reject exactly what
 * the plain object schema does, through the SDK's own tools/call (same error answer), and list
 * the same JSON Schema.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "../../src/mcp/sdk.ts";
import { outputObject } from "../../src/mcp/output_schema.ts";
import { listMessages } from "../../src/mcp/tools/list_messages.ts";

const AS_SENT = z.custom<unknown>(() => true);

/** tools/call and tools/list of one tool that returns `structured`, its output schema given as `schema`. */
async function answers(schema: z.ZodRawShape | z.ZodObject<z.ZodRawShape>, structured: Record<string, unknown>) {
  const server = new McpServer({ name: "t", version: "0" });
  server.registerTool("t", { description: "t", inputSchema: {}, outputSchema: schema as never }, () =>
    Promise.resolve({ content: [{ type: "text" as const, text: "x" }], structuredContent: structured }));
  const [ct, st] = InMemoryTransport.createLinkedPair();
  await server.connect(st);
  const client = new Client({ name: "c", version: "0" });
  await client.connect(ct);
  try {
    const call = await client.request({ method: "tools/call", params: { name: "t", arguments: {} } }, AS_SENT);
    const list = await client.request({ method: "tools/list", params: {} }, AS_SENT);
    return JSON.stringify({ call, list });
  } finally {
    await client.close();
    await server.close();
  }
}

const MESSAGE = {
  id: "A1", chat_jid: "1@s.whatsapp.net", chat_name: null, sender: null, sender_name: null, sender_phone: null,
  is_from_me: false, timestamp: "2025-01-15T08:00:00.000Z", type: "text", media_type: null, content: "hi",
  original_content: null, edited_at: null, deleted: false, quoted_id: null, media: null, reactions: [], rank: null,
};

describe("output schemas checked on the compiled path", () => {
  const shape = listMessages.outputSchema;
  const cases: Array<[string, Record<string, unknown>]> = [
    ["valid", { messages: [{ ...MESSAGE, context_before: [MESSAGE], context_after: [] }], page: 0, limit: 20, next_cursor: null }],
    ["a wrong type deep inside", { messages: [{ ...MESSAGE, context_before: [{ ...MESSAGE, is_from_me: "no" }] }], page: 0, limit: 20, next_cursor: null }],
    ["a missing field", { messages: [{ ...MESSAGE, id: undefined }], page: 0, limit: 20, next_cursor: null }],
    ["a bad enum and a non-integer", { messages: [{ ...MESSAGE, type: "fax" }], page: 0.5, limit: 20, next_cursor: null }],
    ["not an array", { messages: "none", page: 0, limit: 20, next_cursor: null }],
  ];
  for (const [what, structured] of cases) {
    test(`${what}: the same answer and tool list as with the plain shape`, async () => {
      assert.equal(await answers(outputObject(shape), structured), await answers(shape, structured));
    });
  }

  test("the parse results match the plain object's, sync and async", async () => {
    for (const [, structured] of cases) {
      const plain = z.object(shape);
      const fast = outputObject(shape);
      assert.deepEqual(await fast.safeParseAsync(structured), await plain.safeParseAsync(structured));
      assert.deepEqual(fast.safeParse(structured), plain.safeParse(structured));
    }
    assert.equal(outputObject(shape), outputObject(shape), "built once per shape");
  });
});

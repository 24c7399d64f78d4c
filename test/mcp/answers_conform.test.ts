/**
 * The server sends its tools' answers unchecked (src/mcp/lean_calls.ts); the harness checks every
 * answer instead (answer_check.ts). These tests show the check catches what the SDK's run-time
 * checks caught, and that the server itself no longer makes them.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "../../src/mcp/sdk.ts";
import { leanToolCalls } from "../../src/mcp/lean_calls.ts";
import { answerProblem } from "./answer_check.ts";

const TOOL = { name: "t", outputSchema: { n: z.number().int() } };
const text = [{ type: "text", text: "x" }];

describe("answer check", () => {
  test("a conforming answer passes", () => {
    assert.equal(answerProblem(TOOL, { content: text, structuredContent: { n: 1 } }), null);
  });
  test("structuredContent the output schema rejects is caught", () => {
    assert.match(answerProblem(TOOL, { content: text, structuredContent: { n: 1.5 } }) ?? "", /does not match its output schema/);
  });
  test("a result without structuredContent is caught, unless it is an error", () => {
    assert.match(answerProblem(TOOL, { content: text }) ?? "", /sent no structuredContent/);
    assert.equal(answerProblem(TOOL, { content: text, isError: true }), null);
  });
  test("a result that is no CallToolResult is caught", () => {
    assert.match(answerProblem(TOOL, { content: [{ type: "text" }] }) ?? "", /not a CallToolResult/);
  });
  test("a result the SDK's parse would have changed is caught", () => {
    assert.match(answerProblem(undefined, { content: text, isError: "yes" }) ?? "", /not a CallToolResult/);
    assert.match(answerProblem(undefined, { structuredContent: { n: 1 }, content: text }) ?? "", /changed the answer/);
  });
});

describe("lean tool calls", () => {
  test("the server sends its tool's answer as built, unchecked and uncopied", async () => {
    const server = new McpServer({ name: "t", version: "0" });
    leanToolCalls(server);
    const bad = { structuredContent: { n: "not a number" }, content: text, extra: 1 };
    server.registerTool("t", { description: "t", inputSchema: { a: z.string() }, outputSchema: TOOL.outputSchema }, () =>
      Promise.resolve(bad as never));
    const [ct, st] = InMemoryTransport.createLinkedPair();
    await server.connect(st);
    const client = new Client({ name: "c", version: "0" });
    await client.connect(ct);
    try {
      const asSent = z.custom<unknown>(() => true);
      const r = await client.request({ method: "tools/call", params: { name: "t", arguments: { a: "x" } } }, asSent);
      assert.equal(JSON.stringify(r), JSON.stringify(bad));
      // Input validation stays the SDK's, with its error answer.
      const e = await client.request({ method: "tools/call", params: { name: "t", arguments: { a: 1 } } }, asSent);
      assert.deepEqual((e as { isError?: boolean }).isError, true);
      assert.match(JSON.stringify(e), /Input validation error: Invalid arguments for tool t/);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

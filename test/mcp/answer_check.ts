/**
 * The checks the server leaves out at run time (src/mcp/lean_calls.ts), made on every tools/call
 * answer a test's server sends: the result parses with CallToolResultSchema into a copy with the
 * same JSON (what the SDK's `Server` wrapper sent), and a successful result of a tool with an
 * output schema carries structuredContent that the schema accepts. Watches the server's side of
 * the in-memory pair, so every test through the harness checks every tool it calls.
 */
// @ts-types="@modelcontextprotocol/sdk/types"
import { CallToolResultSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
// @ts-types="@modelcontextprotocol/sdk/shared/transport"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { z } from "zod";
import type { AnyTool } from "../../src/mcp/tool.ts";

/** What was wrong with one answer, or null when it conforms. */
export function answerProblem(tool: Pick<AnyTool, "name" | "outputSchema"> | undefined, result: unknown): string | null {
  const parsed = CallToolResultSchema.safeParse(result);
  if (!parsed.success) return `not a CallToolResult: ${parsed.error.message}`;
  if (JSON.stringify(parsed.data) !== JSON.stringify(result)) return "the CallToolResult parse changed the answer";
  const r = parsed.data;
  if (!tool || r.isError) return null;
  if (r.structuredContent === undefined) return `${tool.name} has an output schema but sent no structuredContent`;
  const out = z.object(tool.outputSchema).safeParse(r.structuredContent);
  return out.success ? null : `${tool.name}'s structuredContent does not match its output schema: ${out.error.message}`;
}

/**
 * Watches `serverSide` (connected) and records each non-conforming tools/call answer in the
 * returned list. `tools`: the tools by name (those with an output schema).
 */
export function watchAnswers(serverSide: Transport, tools: ReadonlyMap<string, AnyTool>): string[] {
  const problems: string[] = [];
  const calls = new Map<string | number, string>();
  const onmessage = serverSide.onmessage;
  serverSide.onmessage = (msg, extra) => {
    const m = msg as { id?: string | number; method?: string; params?: { name?: unknown } };
    if (m.method === "tools/call" && m.id !== undefined && typeof m.params?.name === "string") calls.set(m.id, m.params.name);
    onmessage?.(msg, extra);
  };
  const send = serverSide.send.bind(serverSide);
  serverSide.send = (msg: JSONRPCMessage, options) => {
    const m = msg as { id?: string | number; result?: unknown };
    const name = m.id === undefined ? undefined : calls.get(m.id);
    if (name !== undefined && "result" in m) {
      calls.delete(m.id!);
      const problem = answerProblem(tools.get(name), m.result);
      if (problem) problems.push(`${name}: ${problem}`);
    }
    return send(msg, options);
  };
  return problems;
}

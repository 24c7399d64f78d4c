/**
 * The MCP actor in stdio mode: one McpServer on the process's stdin/stdout. stdout carries only
 * JSON-RPC; everything else logs to stderr.
 */
import type { Behavior } from "../../supervisors/mod.ts";
// @ts-types="@modelcontextprotocol/sdk/server/stdio"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { McpServer } from "../mcp/sdk.ts";

/** Connects a fresh server to stdio on start; closes it on stop. */
export function mcpStdioBehavior(makeServer: () => McpServer): Behavior<never> {
  let server: McpServer | null = null;
  return {
    async start() {
      server = makeServer();
      await server.connect(new StdioServerTransport());
    },
    receive() {
      return undefined;
    },
    async stop() {
      const s = server;
      server = null;
      await s?.close();
    },
  };
}

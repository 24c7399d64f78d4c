/**
 * What the MCP server advertises at `initialize`, in a module that loads nothing else: the stdio
 * front answers `initialize` before the SDK has even loaded (src/instance/proxy/early_stdio.ts).
 * test/instances checks these against the SDK's own values.
 */
import type { ServerCapabilities } from "./sdk.ts";

/**
 * What `createMcpServer` advertises (McpServer's registerTool/registerResource): the front must
 * answer initialize before any backend is reachable.
 */
export const MCP_SERVER_CAPABILITIES: ServerCapabilities = {
  tools: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
};

/** The SDK's LATEST_PROTOCOL_VERSION (copied: importing the SDK's types loads zod, ~100 ms). */
export const LATEST_PROTOCOL_VERSION = "2025-11-25";

/** The SDK's SUPPORTED_PROTOCOL_VERSIONS (copied for the same reason; a test keeps them equal). */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [LATEST_PROTOCOL_VERSION, "2025-06-18", "2025-03-26", "2024-11-05", "2024-10-07"];

/**
 * The MCP server: the tools of the enabled toolsets (send tools left out in read-only mode) and the status
 * resources, over injected dependencies. One server per session; share one `ToolDeps` (and so
 * one rate limiter) between them.
 */
import { createLogger } from "../log.ts";
import { SERVER_INSTRUCTIONS } from "./instructions.ts";
import type { ToolDeps } from "./deps.ts";
import { createFlowMemory } from "./policy/data_flow.ts";
import { normalizeAllowList } from "./policy/allow_list.ts";
import { registerLiveResources } from "./live_resources.ts";
import { registerResources } from "./resources.ts";
import { registerMediaResource } from "./media_resource.ts";
import { isUserError } from "../user_error.ts";
import { errorResult, errorToResult } from "./results.ts";
import { scopeProblem } from "./scope.ts";
import { outputObject } from "./output_schema.ts";
import { leanToolCalls } from "./lean_calls.ts";
import { McpServer } from "./sdk.ts";
import type { CallToolResult, RequestHandlerExtra, ServerNotification, ServerRequest } from "./sdk.ts";
import type { AnyTool, ResolvedDeps } from "./tool.ts";
import { ALL_TOOLS } from "./tools/index.ts";
import { enabledTools, parseToolsets } from "./toolsets.ts";

export { SERVER_INSTRUCTIONS };

/** Most array elements + object members one tools/call may carry (bounds parsing work). */
const MAX_TOOL_INPUT_ELEMENTS = 1000;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Configs already warned about (one warning per config, not one per HTTP session). */
const warned = new WeakSet<object>();

/**
 * Builds a server with all tools and resources registered (before connect, so no list_changed
 * notifications ever follow).
 * @example
 * const server = createMcpServer(deps);
 * await server.connect(new StdioServerTransport());
 */
export function createMcpServer(deps: ToolDeps): McpServer {
  const resolved: ResolvedDeps = {
    ...deps,
    audit: deps.audit ?? createLogger("audit"),
    log: deps.log ?? createLogger("mcp"),
    flow: createFlowMemory(),
  };
  const server = new McpServer(deps.serverInfo ?? { name: "whatsapp-mcp", version: "0.1.0" }, {
    instructions: SERVER_INSTRUCTIONS,
    maxToolInputElements: MAX_TOOL_INPUT_ELEMENTS,
  });
  leanToolCalls(server);
  for (const tool of enabledTools(ALL_TOOLS, parseToolsets(deps.config.toolsets), deps.config.readOnly)) {
    register(server, tool, resolved);
  }
  registerResources(server, resolved);
  registerLiveResources(server, resolved);
  registerMediaResource(server, resolved);
  const { invalid } = normalizeAllowList(deps.config.sendPolicy.allowedRecipients);
  if (invalid.length > 0 && !warned.has(deps.config)) {
    warned.add(deps.config);
    // Never matched, so they only narrow the list; say so rather than fail (entries are user-written).
    resolved.log.warn("allowed recipients ignored: not a phone number with country code or a JID", { count: invalid.length });
  }
  return server;
}

function register(server: McpServer, tool: AnyTool, deps: ResolvedDeps): void {
  const handler = async (args: Record<string, unknown>, extra: Extra): Promise<CallToolResult> => {
    // Not registered in read-only mode; refused here too in case a registration slipped through.
    if (tool.access === "write") {
      if (deps.config.readOnly) return errorResult(`${tool.name} is disabled: this server runs in read-only mode.`);
      const denied = scopeProblem(deps.config, extra.authInfo);
      if (denied) return errorResult(`${tool.name} refused: ${denied}`);
    }
    try {
      return await tool.run(args, { deps, server: server.server, extra });
    } catch (err) {
      if (!isUserError(err)) deps.log.warn("tool failed", { tool: tool.name, error: err });
      return errorToResult(err, tool.title);
    }
  };
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: outputObject(tool.outputSchema),
      annotations: tool.annotations,
    },
    handler as never,
  );
}

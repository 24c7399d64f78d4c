/**
 * The SDK's tools/call without the checks this server's own answers do not need. Per call, the
 * SDK's `Server` wraps the handler to parse the request a second time (its `Protocol` base
 * already parsed it with the same schema) and to parse the result with CallToolResultSchema,
 * sending that parse's copy; `McpServer` then checks structuredContent against the tool's output
 * schema. For answers this program builds itself that is ~0.15-0.3 ms of a read's ~1.5 ms over
 * stdio (zod on a page of messages, measured at 1M on Node 20). The checks move to the tests:
 * test/mcp/answers_conform.test.ts parses every pinned answer with CallToolResultSchema and its
 * tool's output schema, and the pinned bytes show the copy was the answer as built.
 * Input validation (and its error answers) stays the SDK's.
 */
import type { CallToolResult, McpServer, RequestHandlerExtra, ServerNotification, ServerRequest } from "./sdk.ts";
import { CallToolRequestSchema, ErrorCode, McpError, Server } from "./sdk.ts";

type SetHandler = Server["setRequestHandler"];
type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type CallToolRequest = ReturnType<typeof CallToolRequestSchema.parse>;

/** A tools/call handler: the request (parsed with CallToolRequestSchema) and its extra. */
export type ToolCallHandler = (req: CallToolRequest, extra: Extra) => Promise<CallToolResult>;

/** Each lean server's tools/call handler, as the SDK's `McpServer` registered it. */
const toolCallHandlers = new WeakMap<Server, ToolCallHandler>();

/** The `Protocol` base's `setRequestHandler`: the request parsed once with its schema, the result sent as it is. */
const baseSetRequestHandler = (Object.getPrototypeOf(Server.prototype) as Pick<Server, "setRequestHandler">).setRequestHandler;

/** `server.setRequestHandler` for tools/call as the SDK's `Protocol` base does it, past the `Server` wrapper. */
export function setRequestHandlerUnwrapped(
  server: Server,
  schema: typeof CallToolRequestSchema,
  handler: (req: CallToolRequest, extra: Extra) => Promise<CallToolResult>,
): void {
  baseSetRequestHandler.call(server, schema, handler as never);
}

/**
 * Makes `server` register its tools/call past the `Server` wrapper and skip the output-schema
 * check. Call before the first `registerTool` (the SDK registers tools/call then).
 */
export function leanToolCalls(server: McpServer): void {
  const low = server.server;
  const wrapped: SetHandler = low.setRequestHandler.bind(low);
  low.setRequestHandler = ((schema: unknown, handler: unknown) => {
    if (schema !== CallToolRequestSchema) return wrapped(schema as never, handler as never);
    toolCallHandlers.set(low, handler as ToolCallHandler);
    return baseSetRequestHandler.call(low, schema as never, handler as never);
  }) as SetHandler;
  (server as unknown as { validateToolOutput: () => Promise<void> }).validateToolOutput = () => Promise.resolve();
}

/**
 * Calls `server`'s tools (a lean server's) in this process, as a client over the SDK's in-memory
 * pair would, without the pair: no second JSON-RPC dispatch (its message checks, abort
 * controller, timeout and response routing), ~0.2-0.3 ms a call. What the tool sees and sends
 * is what it saw through the pair: a progress notification keeps the key order the proxy's
 * forwarding gave it (token last), and an error reaches the caller as the client would have
 * raised it from the error answer. Null for a server not made lean.
 */
export function directToolCalls(server: McpServer): ToolCallHandler | null {
  const handler = toolCallHandlers.get(server.server);
  if (!handler) return null;
  return async (req, extra) => {
    const token = extra._meta?.progressToken;
    const seen = token === undefined ? extra : {
      ...extra,
      sendNotification: (n: ServerNotification) => {
        if (n.method !== "notifications/progress") return extra.sendNotification(n);
        const { progressToken: _token, ...rest } = n.params;
        return extra.sendNotification({ ...n, params: { ...rest, progressToken: token } });
      },
    };
    try {
      return await handler(req, seen);
    } catch (err) {
      // The backend's Protocol answers with {code, message, data}; the client raises McpError from it.
      const e = err as { code?: unknown; message?: string; data?: unknown };
      const code = Number.isSafeInteger(e.code) ? e.code as number : ErrorCode.InternalError;
      throw McpError.fromError(code, e.message ?? "Internal error", e.data);
    }
  };
}

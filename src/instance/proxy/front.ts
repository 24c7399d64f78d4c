/**
 * The proxy's front: the MCP `Server` a proxy process shows its own stdio client. Every list/call/
 * read is forwarded to a backend `Client`: the owning process (over its instance endpoint) while
 * another process owns the data folder, then this process's own server after a takeover. The
 * front lives as long as the stdio session, so swapping the backend never ends that session.
 *
 * Forwarding rules:
 * - a call waits (up to `backendWaitMs`) while there is no backend, e.g. during a takeover;
 * - when the backend fails under a call (its process died), reads are retried on the next
 *   backend; a write tool only if the request certainly never reached the owner (connection
 *   refused, session unknown); otherwise it may have been carried out, and the caller is told so;
 * - the owner's elicitation requests (send confirmations) are forwarded to the stdio client when
 *   that client declared elicitation, and its answers back; progress and cancellation too;
 * - resource subscriptions are forwarded and remembered: a new backend (after a takeover) gets
 *   them again, and its resources/updated notifications reach the stdio client;
 * - in read-only mode (this process's own setting) write tools are hidden and refused here,
 *   whatever the owner's setting.
 */
import { z } from "zod";
import { startMark } from "../../runtime/start_trace.ts";
import { createLogger, type Logger } from "../../log.ts";
import type { StaticLists } from "../../mcp/tool_table_type.ts";
import { MCP_SERVER_CAPABILITIES } from "../../mcp/capabilities.ts";
import { setRequestHandlerUnwrapped, type ToolCallHandler } from "../../mcp/lean_calls.ts";
import type { RequestActivity } from "../../mcp/warm_up.ts";
import {
  CallToolRequestSchema,
  Client,
  ElicitRequestSchema,
  ElicitResultSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesRequestSchema,
  ListResourceTemplatesResultSchema,
  ListToolsRequestSchema,
  ListToolsResultSchema,
  McpError,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  Server,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  EmptyResultSchema,
  StreamableHTTPError,
} from "../../mcp/sdk.ts";
import type {
  CallToolResult,
  ClientCapabilities,
  Implementation,
  Notification,
  RequestHandlerExtra,
  RequestOptions,
  ServerCapabilities,
  ServerNotification,
  ServerRequest,
  Transport,
} from "../../mcp/sdk.ts";

export { MCP_SERVER_CAPABILITIES, setRequestHandlerUnwrapped };

/** A result schema that takes the backend's answer as it is (see the tools/call handler). */
const ANY_RESULT = z.custom<CallToolResult>(() => true);

/** Said when the process serving a write tool died during the call. */
export const WRITE_INTERRUPTED =
  "The whatsapp-mcp process that was carrying out this call exited before answering, so it may or may not have " +
  "been done. Another process is taking over: check (e.g. with list_messages) before trying again.";

/** Options of the front. */
export interface ProxyFrontOptions {
  serverInfo: Implementation;
  instructions: string;
  capabilities?: ServerCapabilities;
  /** This process's read-only setting. */
  readOnly: boolean;
  /** True for tools that change something (never retried, hidden in read-only mode). */
  isWriteTool(name: string): boolean;
  /** How long a call waits for a backend before failing (default 120 s). */
  backendWaitMs?: number;
  /** Time limit of a forwarded tool call without progress (default 30 min: a send may wait for a human). */
  callTimeoutMs?: number;
  /**
   * This program's own tools/list and resources lists (src/mcp/tool_table.ts): answered while
   * no backend is attached (start-up, takeover) instead of waiting for one, so a client lists
   * the tools before the heavy modules have even loaded. With a backend, its lists are forwarded.
   */
  staticLists?: StaticLists;
  log?: Logger;
}

/** The front of a proxy (see the module doc). */
export interface ProxyFront {
  /** The server the stdio client talks to. */
  readonly server: Server;
  /** Starts serving `transport` (stdio in production). */
  connect(transport: Transport): Promise<void>;
  /** Resolves once the client has initialized (its capabilities are known from then on). */
  initialized(): Promise<void>;
  /** A client for a new backend: declares what the stdio client declared and forwards elicitation to it. */
  newBackendClient(): Client;
  /**
   * Makes `client` (connected) the backend; waiting calls go ahead. `callTool`: this process's own
   * server's tools, called directly while `client` is the backend (tools/call skips the in-memory
   * pair; everything else still goes through `client`).
   */
  attach(client: Client, callTool?: ToolCallHandler): void;
  /** Drops `client` if it is the backend (and closes it); calls wait for the next one. */
  detach(client: Client): void;
  /** True while a backend is attached. */
  hasBackend(): boolean;
  /**
   * Resolves once no forwarded request is in flight (at once if none is), or after `maxMs`: the
   * owner loads what no tool call waits for (Baileys...) after the client's first calls.
   */
  quiet(maxMs: number): Promise<void>;
  /** The forwarded requests in flight and when the last began or ended (the idle warm-up waits for none). */
  readonly activity: RequestActivity;
  /** Hears about backend trouble (a failed call, a transport error): the caller decides what it means. */
  onTrouble(listener: (client: Client, error: unknown) => void): void;
  /** Closes the backend and the stdio session. */
  close(): Promise<void>;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** True when `err` says the backend is gone rather than that it answered with an error. */
export function isBackendFailure(err: unknown): boolean {
  return !(err instanceof McpError) || err.code === ErrorCode.ConnectionClosed;
}

/**
 * True when the request certainly never reached a server: the connection was refused (Node:
 * ECONNREFUSED; Deno: "Connection refused"; Windows: os error 10061) or the owner no longer knew
 * our session (HTTP 404 before any handling). Such a call is safe to repeat, even a write.
 */
export function requestNotDelivered(err: unknown): boolean {
  if (err instanceof StreamableHTTPError) return err.code === 404;
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  if (e?.code === "ECONNREFUSED" || e?.cause?.code === "ECONNREFUSED") return true;
  const text = `${String(e?.message ?? "")} ${String(e?.cause?.message ?? "")}`;
  return /connection refused|actively refused|os error 10061/i.test(text);
}

function withoutProgressToken(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!params || typeof params._meta !== "object" || params._meta === null) return params;
  const { progressToken: _drop, ...meta } = params._meta as Record<string, unknown>;
  return { ...params, _meta: meta };
}

/** Creates the front; `connect` it to the stdio transport. */
export function createProxyFront(opts: ProxyFrontOptions): ProxyFront {
  const log = opts.log ?? createLogger("proxy");
  const backendWaitMs = opts.backendWaitMs ?? 120_000;
  const callTimeoutMs = opts.callTimeoutMs ?? 30 * 60_000;
  const server = new Server(opts.serverInfo, { capabilities: opts.capabilities ?? MCP_SERVER_CAPABILITIES, instructions: opts.instructions });
  let current: Client | null = null;
  /** The local server's tools while its client is `current` (see `attach`). */
  let local: { client: Client; callTool: ToolCallHandler } | null = null;
  let closed = false;
  let waiters: Array<(c: Client | null) => void> = [];
  let inFlight = 0;
  let lastActivity = -Infinity;
  let quietWaiters: Array<() => void> = [];
  const listeners: Array<(client: Client, error: unknown) => void> = [];
  let markInitialized: () => void = () => {};
  const initialized = new Promise<void>((resolve) => (markInitialized = resolve));
  server.oninitialized = () => markInitialized();

  const trouble = (client: Client, error: unknown) => {
    for (const l of listeners) {
      try {
        l(client, error);
      } catch {
        // a listener's failure is not the caller's
      }
    }
  };

  const detach = (client: Client) => {
    if (current === client) {
      current = null;
      log.debug("backend detached");
    }
    void client.close().catch(() => {});
  };

  /** The backend, waiting for one if needed. */
  const backend = (signal: AbortSignal): Promise<Client> => {
    if (current) return Promise.resolve(current);
    if (closed) return Promise.reject(new McpError(ErrorCode.ConnectionClosed, "The proxy is shutting down"));
    return new Promise<Client>((resolve, reject) => {
      const done = (c: Client | null) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        waiters = waiters.filter((w) => w !== done);
        if (c) resolve(c);
        else reject(new McpError(ErrorCode.ConnectionClosed, "The proxy is shutting down"));
      };
      const onAbort = () => {
        clearTimeout(timer);
        waiters = waiters.filter((w) => w !== done);
        reject(signal.reason ?? new Error("cancelled"));
      };
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== done);
        signal.removeEventListener("abort", onAbort);
        reject(
          new McpError(
            ErrorCode.InternalError,
            `No whatsapp-mcp process answered for this data folder within ${Math.round(backendWaitMs / 1000)} s ` +
              "(the owning process exited and the takeover has not finished). Try again shortly.",
          ),
        );
      }, backendWaitMs);
      signal.addEventListener("abort", onAbort, { once: true });
      waiters.push(done);
    });
  };

  /** Forwards one request; see the module doc for the retry rule. */
  const forwardOnce = async <T>(
    method: string,
    params: Record<string, unknown> | undefined,
    schema: Parameters<Client["request"]>[1],
    extra: Extra,
    o: { retry: boolean; timeoutMs: number; direct?: (call: ToolCallHandler) => Promise<CallToolResult> },
  ): Promise<T> => {
    const progressToken = extra._meta?.progressToken;
    const sent = withoutProgressToken(params);
    for (let attempt = 1; ; attempt++) {
      const client = await backend(extra.signal);
      if (o.direct && local?.client === client) return (await o.direct(local.callTool)) as T;
      const options: RequestOptions = { signal: extra.signal, timeout: o.timeoutMs, resetTimeoutOnProgress: true };
      if (progressToken !== undefined) {
        options.onprogress = (p) => void extra.sendNotification({ method: "notifications/progress", params: { ...p, progressToken } }).catch(() => {});
      }
      try {
        return (await client.request({ method, params: sent } as never, schema, options)) as T;
      } catch (err) {
        if (extra.signal.aborted || !isBackendFailure(err)) throw err;
        log.info("the backend failed under a call", { method, error: err });
        detach(client);
        trouble(client, err);
        if (!o.retry && !requestNotDelivered(err)) throw new McpError(ErrorCode.InternalError, WRITE_INTERRUPTED);
        if (attempt >= 3) throw new McpError(ErrorCode.InternalError, `The call failed ${attempt} times: ${(err as Error).message}`);
      }
    }
  };

  /** `forwardOnce`, counted: `quiet()` waits until none is in flight. */
  const forward = async <T>(...args: Parameters<typeof forwardOnce>): Promise<T> => {
    inFlight++;
    lastActivity = performance.now();
    try {
      return await forwardOnce<T>(...args);
    } finally {
      lastActivity = performance.now();
      if (--inFlight === 0) {
        for (const w of quietWaiters.splice(0)) w();
      }
    }
  };

  const shortMs = 120_000;
  const lists = opts.staticLists;
  // The static lists hold every tool, on one page (no cursor).
  const fromTable = (params: { cursor?: string } | undefined) => !!lists && current === null && params?.cursor === undefined;
  server.setRequestHandler(ListToolsRequestSchema, async (req, extra) => {
    const r = fromTable(req.params)
      ? { tools: lists!.tools }
      : await forward<{ tools: Array<{ name: string }> }>("tools/list", req.params, ListToolsResultSchema, extra, { retry: true, timeoutMs: shortMs });
    return (opts.readOnly ? { ...r, tools: r.tools.filter((t) => !opts.isWriteTool(t.name)) } : r) as never;
  });
  // Registered past the SDK `Server`'s own tools/call wrapper: the wrapper parses the request a
  // second time (the base parses it once) and the result with CallToolResultSchema, a copy of it,
  // though the backend's server made the same checks on the same call (~60-120 µs a call on a
  // page of messages, measured at 1M over stdio). The answer is the backend's, byte for byte.
  setRequestHandlerUnwrapped(server, CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    startMark(`front: tools/call ${req.params.name}`);
    const name = req.params.name;
    const write = opts.isWriteTool(name);
    if (write && opts.readOnly) {
      return { isError: true, content: [{ type: "text", text: `${name} is disabled: this server runs in read-only mode.` }] };
    }
    // The backend's result as it came: the backend's server validated it with CallToolResultSchema.
    return await forward<CallToolResult>("tools/call", req.params, ANY_RESULT, extra, {
      retry: !write,
      timeoutMs: callTimeoutMs,
      direct: (callTool) => callTool(req, extra),
    });
  });
  server.setRequestHandler(ListResourcesRequestSchema, async (req, extra) =>
    fromTable(req.params)
      ? { resources: lists!.resources }
      : await forward("resources/list", req.params, ListResourcesResultSchema, extra, { retry: true, timeoutMs: shortMs }) as never);
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async (req, extra) =>
    fromTable(req.params)
      ? { resourceTemplates: lists!.resourceTemplates }
      : await forward("resources/templates/list", req.params, ListResourceTemplatesResultSchema, extra, { retry: true, timeoutMs: shortMs }) as never);
  server.setRequestHandler(ReadResourceRequestSchema, (req, extra) =>
    forward("resources/read", req.params, ReadResourceResultSchema, extra, { retry: true, timeoutMs: shortMs }) as never);
  const subscriptions = new Set<string>();
  server.setRequestHandler(SubscribeRequestSchema, async (req, extra) => {
    await forward("resources/subscribe", req.params, EmptyResultSchema, extra, { retry: true, timeoutMs: shortMs });
    subscriptions.add(req.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (req, extra) => {
    subscriptions.delete(req.params.uri);
    await forward("resources/unsubscribe", req.params, EmptyResultSchema, extra, { retry: true, timeoutMs: shortMs });
    return {};
  });
  /** A new backend knows nothing of this session's subscriptions: repeat them. */
  const resubscribe = (client: Client) => {
    for (const uri of subscriptions) {
      void client.request({ method: "resources/subscribe", params: { uri } }, EmptyResultSchema, { timeout: shortMs })
        .catch((err) => log.info("a subscription could not be renewed on the new backend", { error: err }));
    }
  };

  return {
    server,
    connect: (transport) => server.connect(transport),
    initialized: () => initialized,
    newBackendClient() {
      const elicitation = server.getClientCapabilities()?.elicitation;
      const capabilities: ClientCapabilities = elicitation ? { elicitation } : {};
      const client = new Client({ name: "whatsapp-mcp-proxy", version: opts.serverInfo.version }, { capabilities });
      if (elicitation) {
        // The owner asks for a confirmation: our stdio client's user answers it.
        client.setRequestHandler(ElicitRequestSchema, (req, extra) =>
          server.request({ method: "elicitation/create", params: req.params }, ElicitResultSchema, {
            signal: extra.signal,
            timeout: callTimeoutMs,
          }));
      }
      client.fallbackNotificationHandler = async (n: Notification) => {
        // list_changed and the like; one our capabilities cannot carry is dropped.
        await server.notification(n as ServerNotification).catch(() => {});
      };
      client.onerror = (error) => trouble(client, error);
      client.onclose = () => {
        if (current === client) {
          current = null;
          trouble(client, new Error("the backend connection closed"));
        }
      };
      return client;
    },
    attach(client, callTool) {
      if (closed) {
        void client.close().catch(() => {});
        return;
      }
      if (current && current !== client) void current.close().catch(() => {});
      current = client;
      local = callTool ? { client, callTool } : null;
      resubscribe(client);
      for (const w of [...waiters]) w(client);
    },
    detach,
    hasBackend: () => current !== null,
    activity: { inFlight: () => inFlight, lastActivity: () => lastActivity },
    quiet(maxMs) {
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          quietWaiters = quietWaiters.filter((w) => w !== done);
          resolve();
        };
        const timer = setTimeout(done, maxMs);
        quietWaiters.push(done);
      });
    },
    onTrouble(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      for (const w of [...waiters]) w(null);
      const c = current;
      current = null;
      await c?.close().catch(() => {});
      await server.close().catch(() => {});
    },
  };
}

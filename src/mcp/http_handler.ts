/**
 * MCP over Streamable HTTP as a Web-standard `(Request) => Promise<Response>` handler, mounted by
 * the HTTP app at `/mcp` (`c.req.raw`). Host/Origin checks and authentication are the app's job;
 * it may pass the verified token as `authInfo` (send tools then check the send scope).
 *
 * Stateful: one McpServer + transport per `Mcp-Session-Id`. Send confirmation needs it: the
 * server asks the client (elicitation) in the middle of a tools/call and the answer arrives as a
 * separate POST, which must reach the same server instance. Sessions are capped (the least
 * recently used one is closed to make room: a client whose session is gone gets 404 and
 * initializes again, which is cheaper than locking new clients out) and expire when idle.
 */
import type { Logger } from "../log.ts";
import { createLogger } from "../log.ts";
import type { Clock } from "../../supervisors/mod.ts";
import { WebStandardStreamableHTTPServerTransport } from "./sdk.ts";
import type { AuthInfo, McpServer } from "./sdk.ts";

/** Options of the handler. */
export interface McpHttpHandlerOptions {
  /** Most live sessions (default 32). */
  maxSessions?: number;
  /** A session without requests for this long is closed at the next request (default 30 min). */
  idleTimeoutMs?: number;
  /** Largest POST body in bytes (default 4 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** SSE keep-alive comment interval; 0 disables (default: the SDK's 15 s). */
  keepAliveMs?: number;
  clock?: Pick<Clock, "now">;
  log?: Logger;
}

/** The handler, plus shutdown and a session count (for the status page and tests). */
export interface McpHttpHandler {
  (req: Request, opts?: { authInfo?: AuthInfo }): Promise<Response>;
  /** Closes every session. */
  close(): Promise<void>;
  /** Live sessions. */
  sessionCount(): number;
}

interface Session {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  lastSeen: number;
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

/**
 * Builds the handler. `makeServer` is called once per new session.
 * @example
 * const mcp = createMcpHttpHandler(() => createMcpServer(deps));
 * app.all("/mcp", (c) => mcp(c.req.raw));
 */
export function createMcpHttpHandler(makeServer: () => McpServer, opts: McpHttpHandlerOptions = {}): McpHttpHandler {
  const maxSessions = Math.max(1, opts.maxSessions ?? 32);
  const idleMs = opts.idleTimeoutMs ?? 30 * 60_000;
  const clock = opts.clock ?? { now: () => Date.now() };
  const log = opts.log ?? createLogger("mcp.http");
  const sessions = new Map<string, Session>();

  const closeSession = async (id: string, why: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    log.debug("session closed", { why, sessions: sessions.size });
    try {
      await s.server.close();
    } catch {
      // Closing a transport whose streams are already gone is not an error worth reporting.
    }
  };

  const sweep = async (now: number) => {
    for (const [id, s] of [...sessions]) if (now - s.lastSeen > idleMs) await closeSession(id, "idle");
  };

  const makeRoom = async () => {
    while (sessions.size >= maxSessions) {
      let oldest: [string, Session] | null = null;
      for (const e of sessions) if (!oldest || e[1].lastSeen < oldest[1].lastSeen) oldest = e;
      if (!oldest) break;
      await closeSession(oldest[0], "session cap");
    }
  };

  const handler = async (req: Request, o?: { authInfo?: AuthInfo }): Promise<Response> => {
    const now = clock.now();
    await sweep(now);
    const sid = req.headers.get("mcp-session-id");
    if (sid !== null) {
      const s = sessions.get(sid);
      if (!s) return jsonRpcError(404, -32001, "Session not found: send a new initialize request");
      s.lastSeen = now;
      return s.transport.handleRequest(req, { authInfo: o?.authInfo });
    }
    if (req.method !== "POST") return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required");

    // A POST without a session: the transport accepts it only if it is an initialize request.
    await makeRoom();
    const server = makeServer();
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { server, transport, lastSeen: clock.now() });
        log.debug("session opened", { sessions: sessions.size });
      },
      onsessionclosed: (id) => closeSession(id, "deleted by client"),
      maxRequestBodySize: opts.maxBodyBytes ?? 4 * 1024 * 1024,
      ...(opts.keepAliveMs !== undefined ? { keepAliveMs: opts.keepAliveMs } : {}),
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id && sessions.get(id)?.transport === transport) sessions.delete(id);
    };
    await server.connect(transport);
    const res = await transport.handleRequest(req, { authInfo: o?.authInfo });
    if (!transport.sessionId || !sessions.has(transport.sessionId)) await server.close().catch(() => {});
    return res;
  };

  return Object.assign(handler, {
    close: async () => {
      for (const id of [...sessions.keys()]) await closeSession(id, "shutdown");
    },
    sessionCount: () => sessions.size,
  });
}

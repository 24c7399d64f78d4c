/**
 * The owner's instance endpoint: MCP Streamable HTTP at `/mcp` on a loopback port of its own, for
 * the other processes started on the same data folder (they proxy their stdio client here).
 * It accepts exactly one credential, the instance token from `instance.json`, and nothing else
 * (no static token, no OAuth, no cookie): the status page's own authentication is unaffected.
 * A separate listener rather than a route of the status app, so it exists even with the status
 * page disabled or bound to another interface, and is never reachable from the network.
 *
 * Refused: another Host than loopback with our port (DNS rebinding), any Origin header (browsers
 * have no business here), a missing or wrong token (401, same answer for both), bodies over 4 MiB.
 */
import { createLogger } from "../log.ts";
import { bearerToken } from "./auth/authenticate.ts";
import { MCP_BODY_LIMIT, PayloadTooLargeError, readBodyLimited } from "./body.ts";
import { constantTimeEqual } from "./crypto.ts";
import { applySecurityHeaders, hostOriginProblem, hostPolicy } from "./guard.ts";

const log = createLogger("http.instance");

/** What the endpoint needs. */
export interface InstanceAppDeps {
  /** The instance token (a secret; never logged). */
  token: string;
  /** The bound port (known after binding port 0). */
  port: () => number;
  /** The MCP Streamable HTTP handler; gets the request without its Authorization header. */
  mcp: (req: Request) => Promise<Response>;
}

function jsonError(status: number, error: string, description: string, extra: Record<string, string> = {}): Response {
  const res = new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: { "Content-Type": "application/json", ...extra },
  });
  applySecurityHeaders(res.headers);
  return res;
}

/**
 * Builds the endpoint as a Web fetch handler.
 * @example
 * const app = createInstanceApp({ token, port: () => served.port, mcp: (req) => handler(req) });
 * const served = await serve(app, { hostname: "127.0.0.1", port: 0 });
 */
export function createInstanceApp(deps: InstanceAppDeps): { fetch(req: Request): Promise<Response> } {
  return {
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path !== "/mcp") return jsonError(404, "not_found", "no such route");
      const problem = hostOriginProblem(req, hostPolicy("127.0.0.1", deps.port(), null), { checkOrigin: false });
      if (problem || req.headers.has("origin")) {
        log.info("instance request refused", { reason: problem ?? "Origin header present" });
        return jsonError(403, "forbidden", problem ?? "browsers may not use this endpoint");
      }
      const token = bearerToken(req.headers.get("authorization"));
      if (token === null || !(await constantTimeEqual(token, deps.token))) {
        log.info("instance request refused", { reason: token === null ? "no bearer token" : "wrong token" });
        return jsonError(401, "unauthorized", "the instance token is required", { "WWW-Authenticate": "Bearer" });
      }
      const headers = new Headers(req.headers);
      headers.delete("authorization");
      let body: Uint8Array | undefined;
      if (req.method !== "GET" && req.method !== "HEAD" && req.body) {
        try {
          body = await readBodyLimited(req, MCP_BODY_LIMIT);
        } catch (err) {
          if (err instanceof PayloadTooLargeError) return jsonError(413, "payload_too_large", err.message);
          throw err;
        }
        headers.set("content-length", String(body.byteLength));
      }
      const forwarded = new Request(req.url, { method: req.method, headers, body: body as BodyInit | undefined, signal: req.signal });
      try {
        return await deps.mcp(forwarded);
      } catch (err) {
        log.error("instance request failed", { error: err });
        return jsonError(500, "internal_error", "internal error");
      }
    },
  };
}

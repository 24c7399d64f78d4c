/**
 * The MCP Streamable HTTP endpoint (/mcp), behind `requireAuth("mcp")`: the request goes on
 * without Authorization and Cookie headers, its body size-checked, with the verified caller; an
 * OAuth token without the send scope calling a send tool is answered 403 insufficient_scope here.
 */
import { Hono } from "hono";
import type { AuthGate } from "../auth/middleware.ts";
import { canSend } from "../auth/scope.ts";
import { MCP_BODY_LIMIT, readBodyLimited } from "../body.ts";
import type { AppEnv } from "../env.ts";
import type { HttpKit } from "../kit.ts";

/** The endpoint, mounted at /mcp. */
export function mcpRoutes(kit: HttpKit, gate: AuthGate): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { deps, oauth } = kit;

  app.all("/", gate.requireAuth("mcp"), async (c) => {
    if (!deps.mcp) return kit.jsonError(c, 404, "not_found", "MCP over HTTP is not enabled on this server");
    const authInfo = c.var.auth;
    const req = c.req.raw;
    const headers = new Headers(req.headers);
    headers.delete("authorization");
    headers.delete("cookie");
    let body: Uint8Array | undefined;
    if (req.method !== "GET" && req.method !== "HEAD" && req.body) {
      body = await readBodyLimited(req, MCP_BODY_LIMIT);
      if (authInfo?.extra?.kind === "oauth" && deps.isSendTool && oauth && !canSend(authInfo, oauth)) {
        const tool = sendToolCalled(body, deps.isSendTool);
        if (tool) {
          return kit.challenge(c, 403, {
            error: "insufficient_scope",
            scope: oauth.sendScope,
            description: `calling ${tool} needs the ${oauth.sendScope} scope`,
          });
        }
      }
      headers.set("content-length", String(body.byteLength));
    }
    const forwarded = new Request(req.url, { method: req.method, headers, body: body as BodyInit | undefined, signal: req.signal });
    return deps.mcp(forwarded, { authInfo });
  });

  return app;
}

/** The name of a send tool called in a JSON-RPC body (single message or batch), or null. */
export function sendToolCalled(body: Uint8Array, isSendTool: (name: string) => boolean): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return null; // not JSON: the transport answers with a parse error
  }
  for (const msg of Array.isArray(parsed) ? parsed : [parsed]) {
    if (typeof msg !== "object" || msg === null) continue;
    const m = msg as { method?: unknown; params?: { name?: unknown } };
    if (m.method === "tools/call" && typeof m.params?.name === "string" && isSendTool(m.params.name)) return m.params.name;
  }
  return null;
}

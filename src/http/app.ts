/**
 * The HTTP side: status dashboard, QR/pairing page, JSON API, health, the MCP Streamable HTTP
 * endpoint and OAuth protected-resource metadata, behind Host/Origin checks, authentication
 * (when configured), CSRF tokens on forms, body limits and security headers.
 *
 * Access rules:
 * - `/health`: always open, no Host check (container and load-balancer probes), `{ ok: true }`.
 * - everything else: Host must be a loopback name with our port, the bound address, or the public
 *   URL's host; a present Origin must be one of those origins (DNS-rebinding protection).
 * - with authentication configured: `/mcp` and `/api/*` need `Authorization: Bearer` (static token
 *   or JWT); `/status` and `/qr` accept the bearer header or a session cookie from `/login`
 *   (`requireAuth`, src/http/auth/middleware.ts). Failed sign-ins and failed bearer tokens are
 *   limited per client address (src/http/client_address.ts).
 * - the raw QR string and pairing code appear in `/api/status` only when bound to loopback.
 *
 * The routes live in groups mounted with `app.route` (src/http/routes/, src/http/approve/); what
 * they share is the kit (src/http/kit.ts).
 *
 * @example
 * ```ts
 * const app = createHttpApp({ linkStatus, storeStats, sessionBackend, requestPairingCode, mcp,
 *   auth: { token: null, oauth: null }, host: "127.0.0.1", port: 8080 });
 * const served = await serve(app, { hostname: "127.0.0.1", port: 8080 });
 * ```
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { createLogger } from "../log.ts";
import { protectedResourceMetadata, RESOURCE_METADATA_PATH } from "./auth/challenge.ts";
import { createAuthGate } from "./auth/middleware.ts";
import { checkBindPolicy } from "./bind-policy.ts";
import { PayloadTooLargeError } from "./body.ts";
import type { AppEnv } from "./env.ts";
import { applySecurityHeaders, hostOriginProblem, hostPolicy } from "./guard.ts";
import type { HostPolicy } from "./guard.ts";
import { createHttpKit, errorMessage } from "./kit.ts";
import { approvalRoutes } from "./approve/routes.ts";
import { apiRoutes } from "./routes/api.ts";
import { mcpRoutes } from "./routes/mcp.ts";
import { pageRoutes } from "./routes/pages.ts";
import { signInRoutes } from "./routes/sign_in.ts";
import type { HttpDeps } from "./types.ts";

export { sendToolCalled } from "./routes/mcp.ts";

const log = createLogger("http");

/** Builds the Hono app. Throws BindPolicyError when `host` is not loopback and no authentication is configured. */
export function createHttpApp(deps: HttpDeps): Hono<AppEnv> {
  checkBindPolicy(deps.host, deps.auth, deps.publicUrl ?? null);
  const kit = createHttpKit(deps);
  const gate = createAuthGate(kit);
  const currentPort = () => (typeof deps.port === "function" ? deps.port() : deps.port);
  const publicUrl = deps.publicUrl ? deps.publicUrl.replace(/\/+$/, "") : null;

  let policyCache: { port: number; policy: HostPolicy } | null = null;
  const policy = (): HostPolicy => {
    const port = currentPort();
    if (!policyCache || policyCache.port !== port) policyCache = { port, policy: hostPolicy(deps.host, port, publicUrl) };
    return policyCache.policy;
  };

  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    await next();
    try {
      applySecurityHeaders(c.res.headers);
    } catch {
      // Immutable headers (a Response from fetch): copy into a mutable one.
      const res = new Response(c.res.body, c.res);
      applySecurityHeaders(res.headers);
      c.res = res;
    }
  });

  app.onError((err, c) => {
    if (err instanceof PayloadTooLargeError) return kit.jsonError(c, 413, "payload_too_large", err.message);
    log.error("request failed", { path: c.req.path, error: err });
    return kit.jsonError(c, 500, "internal_error", "internal error");
  });

  app.notFound((c) => kit.jsonError(c, 404, "not_found", "no such route"));

  // Before the Host check on purpose: probes use whatever address reaches the container.
  // Liveness: the process answers (a follower is as alive as the leader; a restart would not help either).
  app.get("/health", (c) => {
    const role = deps.cluster?.().role ?? "single";
    return c.json(role === "single" ? { ok: true } : { ok: true, role });
  });
  // Readiness: route requests here only while the store answers (reads and queued sends need it),
  // whatever this instance's role; a member that cannot reach PostgreSQL is taken out of rotation.
  app.get("/ready", async (c) => {
    const r = deps.ready ? await deps.ready().catch((err) => ({ ready: false, reason: errorMessage(err) })) : { ready: true, reason: null };
    c.header("Cache-Control", "no-store");
    return c.json({ ready: r.ready, role: deps.cluster?.().role ?? "single", reason: r.reason }, r.ready ? 200 : 503);
  });

  app.use("*", async (c, next) => {
    // The protected-resource metadata is public by design (RFC 9728) and may be read by browser-based
    // MCP clients from their own origin; its Host is still checked.
    const isMetadata = c.req.method === "GET" && c.req.path.startsWith(RESOURCE_METADATA_PATH);
    const problem = hostOriginProblem(c.req.raw, policy(), { checkOrigin: !isMetadata });
    if (problem) {
      log.info("request refused", { path: c.req.path, reason: problem });
      return kit.jsonError(c, 403, "forbidden", problem);
    }
    await next();
  });

  const metadata = (c: Context) => {
    if (!kit.oauth) return kit.jsonError(c, 404, "not_found", "OAuth is not configured");
    c.header("Access-Control-Allow-Origin", "*");
    return c.json(protectedResourceMetadata(kit.oauth, kit.resourceUrl(c)));
  };
  app.get(RESOURCE_METADATA_PATH, metadata);
  app.get(`${RESOURCE_METADATA_PATH}/mcp`, metadata);

  app.get("/", (c) => c.redirect("/status", 303));

  // Held sends: the user approves or declines them (src/http/approve/routes.ts).
  if (deps.approvals) {
    app.route("/approve", approvalRoutes({ approvals: deps.approvals, requireAuth: gate.requireAuth, kit }));
  }
  app.route("/", signInRoutes(kit, gate));
  app.route("/", pageRoutes(kit, gate));
  app.route("/api", apiRoutes(kit, gate));
  app.route("/mcp", mcpRoutes(kit, gate));

  return app;
}

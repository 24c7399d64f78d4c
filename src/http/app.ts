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
 *   or JWT); `/status` and `/qr` accept the bearer header or a session cookie from `/login`.
 * - the raw QR string and pairing code appear in `/api/status` only when bound to loopback.
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
import { getCookie, setCookie } from "hono/cookie";
import { createLogger, redact } from "../log.ts";
import type { LinkStatus } from "../status/types.ts";
import { createCredentialChecker, bearerToken } from "./auth/authenticate.ts";
import { bearerChallenge, protectedResourceMetadata, RESOURCE_METADATA_PATH } from "./auth/challenge.ts";
import { createFailureLimiter } from "./auth/limiter.ts";
import { createOAuthVerifier, TokenError } from "./auth/oauth.ts";
import { canSend } from "./auth/scope.ts";
import { createSessionStore } from "./auth/session.ts";
import type { Session } from "./auth/session.ts";
import type { AuthInfo } from "./auth/types.ts";
import { checkBindPolicy, hasAuth, isLoopbackHost } from "./bind-policy.ts";
import { MCP_BODY_LIMIT, PayloadTooLargeError, readBodyLimited, readForm } from "./body.ts";
import { newHmacKey, randomId } from "./crypto.ts";
import { createCsrf } from "./csrf.ts";
import { applySecurityHeaders, hostOriginProblem, hostPolicy, pageCsp } from "./guard.ts";
import type { HostPolicy } from "./guard.ts";
import { renderLoginPage } from "./pages/login.ts";
import { renderQrPage } from "./pages/qr.ts";
import type { PairingFeedback } from "./pages/qr.ts";
import { renderStatusPage } from "./pages/status.ts";
import { approvalRoutes } from "./approve/routes.ts";
import { formatPairingCode, qrView } from "./qr-view.ts";
import { statusView } from "./status-view.ts";
import type { HttpDeps } from "./types.ts";
import { phoneDigits } from "../ids/phone.ts";

const log = createLogger("http");

/** Pages a login may return to (anything else could be an open redirect). */
const LOGIN_TARGETS = new Set(["/status", "/qr"]);

/** Headers a reverse proxy adds: a request carrying one did not come from a local client directly. */
const PROXY_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"];

/** The host name of a Host header value ("[::1]:8080" → "[::1]", "127.0.0.1:80" → "127.0.0.1"). */
function hostName(hostHeader: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)/.exec(hostHeader.trim());
  return m?.[1] ?? hostHeader;
}

/** Result of the authentication step of one request. */
type Authorized = { ok: true; info: AuthInfo | undefined; session: Session | null } | { ok: false; res: Response };

function errorMessage(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}

/** Builds the Hono app. Throws BindPolicyError when `host` is not loopback and no authentication is configured. */
export function createHttpApp(deps: HttpDeps): Hono {
  checkBindPolicy(deps.host, deps.auth, deps.publicUrl ?? null);
  const now = () => (deps.clock ? deps.clock.now() : Date.now());
  const currentPort = () => (typeof deps.port === "function" ? deps.port() : deps.port);
  const publicUrl = deps.publicUrl ? deps.publicUrl.replace(/\/+$/, "") : null;
  const bindIsLocal = isLoopbackHost(deps.host);
  const authRequired = hasAuth(deps.auth);
  const oauth = deps.auth.oauth;
  const configuredResource = oauth?.resourceUrl ?? (publicUrl ? `${publicUrl}/mcp` : null);
  const verifier = oauth ? createOAuthVerifier(oauth, { keys: deps.keys, now, resourceUrl: configuredResource }) : null;
  const checker = createCredentialChecker(deps.auth, verifier);
  const sessions = createSessionStore(now);
  const loginFailures = createFailureLimiter(now);
  const csrfReady = newHmacKey().then(createCsrf);

  let policyCache: { port: number; policy: HostPolicy } | null = null;
  const policy = (): HostPolicy => {
    const port = currentPort();
    if (!policyCache || policyCache.port !== port) policyCache = { port, policy: hostPolicy(deps.host, port, publicUrl) };
    return policyCache.policy;
  };

  // With a public URL, it names this server (a proxy may rewrite Host to 127.0.0.1:port); without
  // one, the request's own (already checked) Host does.
  const requestHost = (c: Context) => (c.req.header("host") ?? new URL(c.req.url).host).toLowerCase();
  const rawLinkSecretsAllowed = (c: Context) =>
    bindIsLocal && isLoopbackHost(hostName(requestHost(c))) &&
    !PROXY_HEADERS.some((h) => c.req.header(h) !== undefined);
  const baseUrl = (c: Context) => publicUrl ?? `${new URL(c.req.url).protocol}//${requestHost(c)}`;
  // Behind https the cookies are Secure and __Host- prefixed (so no other host can plant them).
  const secure = publicUrl !== null && publicUrl.startsWith("https:");
  const cookieName = (base: string) => (secure ? `__Host-${base}` : base);
  const resourceUrl = (c: Context) => configuredResource ?? `${baseUrl(c)}/mcp`;
  const metadataUrl = (c: Context) => `${baseUrl(c)}${RESOURCE_METADATA_PATH}`;

  const setAppCookie = (c: Context, base: string, value: string, maxAgeSec: number) =>
    setCookie(c, cookieName(base), value, {
      path: "/",
      httpOnly: true,
      sameSite: "Strict",
      secure,
      maxAge: maxAgeSec,
    });

  const jsonError = (c: Context, status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 502 | 503, error: string, description: string) =>
    c.json({ error, error_description: description }, status);

  const challenge = (c: Context, status: 401 | 403 | 503, p: { error?: "invalid_token" | "insufficient_scope"; description?: string; scope?: string }) => {
    c.header("WWW-Authenticate", bearerChallenge({ ...p, ...(oauth ? { resourceMetadata: metadataUrl(c) } : {}) }));
    return jsonError(c, status, p.error ?? "unauthorized", p.description ?? "authentication required");
  };

  /** Checks credentials. `mode` decides what is accepted and how a missing credential is answered. */
  const authorize = async (c: Context, mode: "page" | "api" | "mcp"): Promise<Authorized> => {
    if (!authRequired) return { ok: true, info: undefined, session: null };
    const header = c.req.header("authorization");
    if (header !== undefined) {
      const token = bearerToken(header);
      const result = token === null ? { ok: false as const, error: new TokenError("invalid_token", "expected a Bearer token") } : await checker.check(token);
      if (result.ok) return { ok: true, info: result.info, session: null };
      log.info("bearer token refused", { path: c.req.path, reason: result.error.message });
      if (result.error.code === "forbidden") return { ok: false, res: jsonError(c, 403, "forbidden", result.error.message) };
      if (result.error.code === "unavailable") return { ok: false, res: jsonError(c, 503, "temporarily_unavailable", result.error.message) };
      return { ok: false, res: challenge(c, 401, { error: "invalid_token", description: result.error.message }) };
    }
    // Cookies never authenticate /mcp: a bearer header cannot be attached by another site.
    if (mode !== "mcp") {
      const session = sessions.get(getCookie(c, cookieName("wa_session")));
      if (session) {
        const info: AuthInfo = {
          token: "<redacted>",
          clientId: "browser-session",
          scopes: [],
          expiresAt: Math.floor(session.expiresAt / 1000),
          extra: { kind: "session", ...(session.subject ? { subject: session.subject } : {}) },
        };
        return { ok: true, info, session };
      }
    }
    if (mode === "page") return { ok: false, res: c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303) };
    return { ok: false, res: challenge(c, 401, {}) };
  };

  /** Issues the CSRF token for a form, setting its cookie when needed. */
  const csrfToken = async (c: Context): Promise<string> => {
    const csrf = await csrfReady;
    const { setCookie: fresh, token } = await csrf.issue(getCookie(c, cookieName("wa_csrf")));
    if (fresh) setAppCookie(c, "wa_csrf", fresh, 12 * 60 * 60);
    return token;
  };
  const csrfValid = async (c: Context, form: URLSearchParams) =>
    (await csrfReady).verify(getCookie(c, cookieName("wa_csrf")), form.get("csrf"));

  /** Renders a page with a fresh CSP nonce. */
  const page = (c: Context, render: (nonce: string) => string, status: 200 | 400 | 401 | 403 | 404 | 409 | 415 | 429 | 502 = 200) => {
    const nonce = randomId(18);
    c.header("Content-Security-Policy", pageCsp(nonce));
    return c.html(render(nonce), status);
  };

  const collectStatus = async () => {
    const [link, stats] = await Promise.allSettled([deps.linkStatus(), deps.storeStats()]);
    return {
      link: link.status === "fulfilled" ? link.value : null,
      linkError: link.status === "rejected" ? errorMessage(link.reason) : null,
      stats: stats.status === "fulfilled" ? stats.value : null,
      statsError: stats.status === "rejected" ? errorMessage(stats.reason) : null,
    };
  };

  const linkOrNull = async (): Promise<LinkStatus | null> => {
    try {
      return await deps.linkStatus();
    } catch {
      return null;
    }
  };

  const signOutCsrf = async (c: Context, auth: Authorized & { ok: true }) => (auth.session ? await csrfToken(c) : null);

  const app = new Hono();

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
    if (err instanceof PayloadTooLargeError) return jsonError(c, 413, "payload_too_large", err.message);
    log.error("request failed", { path: c.req.path, error: err });
    return jsonError(c, 500, "internal_error", "internal error");
  });

  app.notFound((c) => jsonError(c, 404, "not_found", "no such route"));

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
      return jsonError(c, 403, "forbidden", problem);
    }
    await next();
  });

  const metadata = (c: Context) => {
    if (!oauth) return jsonError(c, 404, "not_found", "OAuth is not configured");
    c.header("Access-Control-Allow-Origin", "*");
    return c.json(protectedResourceMetadata(oauth, resourceUrl(c)));
  };
  app.get(RESOURCE_METADATA_PATH, metadata);
  app.get(`${RESOURCE_METADATA_PATH}/mcp`, metadata);

  app.get("/", (c) => c.redirect("/status", 303));

  // ---- held sends: the user approves or declines them (src/http/approve/routes.ts) ----
  const approvals = deps.approvals ?? null;
  if (approvals) {
    app.route("/approve", approvalRoutes({ approvals, authorize, csrfToken, csrfValid, page, jsonError, now }));
  }
  /** The waiting count for the nav badge (undefined: no approvals page; null: unknown now). */
  const pendingCount = async (): Promise<number | null | undefined> => (approvals ? await approvals.waiting().catch(() => null) : undefined);

  // ---- sign-in for browsers ----
  app.get("/login", async (c) => {
    if (!authRequired) return c.redirect("/status", 303);
    const next = LOGIN_TARGETS.has(c.req.query("next") ?? "") ? c.req.query("next")! : "/status";
    const csrf = await csrfToken(c);
    return page(c, (nonce) => renderLoginPage({ nonce, csrf, next, oauth: oauth !== null }));
  });

  app.post("/login", async (c) => {
    if (!authRequired) return c.redirect("/status", 303);
    const form = await readForm(c.req.raw);
    if (!form) return jsonError(c, 415, "unsupported_media_type", "expected a form");
    const next = LOGIN_TARGETS.has(form.get("next") ?? "") ? form.get("next")! : "/status";
    const again = async (status: 400 | 401 | 403 | 429, error: string) => {
      const csrf = await csrfToken(c);
      return page(c, (nonce) => renderLoginPage({ nonce, csrf, next, error, oauth: oauth !== null }), status);
    };
    if (!(await csrfValid(c, form))) return again(403, "The form expired. Please try again.");
    const wait = loginFailures.retryAfter();
    if (wait > 0) {
      c.header("Retry-After", String(Math.ceil(wait / 1000)));
      return again(429, "Too many failed attempts. Wait a minute and try again.");
    }
    const token = (form.get("token") ?? "").trim();
    const result = token ? await checker.check(token) : null;
    if (!result || !result.ok) {
      loginFailures.fail();
      log.info("login refused", { reason: result ? result.error.message : "empty token" });
      const msg = result?.error.code === "forbidden" ? "This account is not allowed here." : "That token is not valid.";
      return again(401, msg);
    }
    const via = result.info.extra?.kind === "oauth" ? "oauth" : "static";
    const session = sessions.create(via, result.info.extra?.subject ?? null, result.info.expiresAt ? result.info.expiresAt * 1000 : null);
    setAppCookie(c, "wa_session", session.id, Math.max(1, Math.floor((session.expiresAt - now()) / 1000)));
    log.info("browser session started", { via });
    return c.redirect(next, 303);
  });

  app.post("/logout", async (c) => {
    const form = await readForm(c.req.raw);
    if (!form) return jsonError(c, 415, "unsupported_media_type", "expected a form");
    if (!(await csrfValid(c, form))) return jsonError(c, 403, "forbidden", "missing or invalid CSRF token");
    sessions.delete(getCookie(c, cookieName("wa_session")));
    setAppCookie(c, "wa_session", "", 0);
    return c.redirect(authRequired ? "/login" : "/status", 303);
  });

  // ---- pages ----
  app.get("/status", async (c) => {
    const auth = await authorize(c, "page");
    if (!auth.ok) return auth.res;
    const view = statusView({ ...(await collectStatus()), backend: deps.sessionBackend(), location: deps.storeLocation?.() ?? null, now: now() });
    const chrome = { page: "status" as const, signOutCsrf: await signOutCsrf(c, auth), pending: await pendingCount() };
    return page(c, (nonce) => renderStatusPage(view, { nonce, chrome }));
  });

  app.get("/qr", async (c) => {
    const auth = await authorize(c, "page");
    if (!auth.ok) return auth.res;
    const view = qrView(await linkOrNull());
    const csrf = await csrfToken(c);
    const chrome = { page: "qr" as const, signOutCsrf: auth.session ? csrf : null, pending: await pendingCount() };
    return page(c, (nonce) => renderQrPage(view, { nonce, chrome, csrf }));
  });

  app.post("/qr/pairing-code", async (c) => {
    const auth = await authorize(c, "page");
    if (!auth.ok) return auth.res;
    const form = await readForm(c.req.raw);
    if (!form) return jsonError(c, 415, "unsupported_media_type", "expected a form");
    if (!(await csrfValid(c, form))) return jsonError(c, 403, "forbidden", "missing or invalid CSRF token");
    const render = async (status: 200 | 400 | 409 | 502, feedback: PairingFeedback) => {
      const view = qrView(await linkOrNull());
      const csrf = await csrfToken(c);
      const chrome = { page: "qr" as const, signOutCsrf: auth.session ? csrf : null };
      return page(c, (nonce) => renderQrPage(view, { nonce, chrome, csrf, feedback }), status);
    };
    const typed = (form.get("phone") ?? "").slice(0, 32);
    const phone = phoneDigits(typed);
    if (!phone) return render(400, { error: "Enter your full phone number with country code, e.g. +49 151 23456789.", phone: typed });
    const link = await linkOrNull();
    if (link?.state === "open") return render(409, { error: "This server is already linked." });
    try {
      const { code } = await deps.requestPairingCode(phone);
      log.info("pairing code requested");
      return render(200, { code: formatPairingCode(code) });
    } catch (error) {
      log.warn("pairing code request failed", { error });
      return render(502, { error: `WhatsApp did not give a pairing code: ${errorMessage(error)}`, phone: typed });
    }
  });

  // ---- JSON API ----
  app.get("/api/status", async (c) => {
    const auth = await authorize(c, "api");
    if (!auth.ok) return auth.res;
    const s = await collectStatus();
    const view = statusView({ ...s, backend: deps.sessionBackend(), location: deps.storeLocation?.() ?? null, now: now() });
    // The QR string and pairing code let someone link the account: only to a local client (bound to
    // loopback, a loopback Host, and not relayed by a proxy, as with MCP_PUBLIC_URL).
    const link = s.link && !rawLinkSecretsAllowed(c) ? { ...s.link, qr: null, pairingCode: null } : s.link;
    return c.json({
      now: now(),
      link,
      linkError: s.linkError,
      store: s.stats,
      storeError: s.statsError,
      sessionBackend: deps.sessionBackend(),
      view,
      approvalsWaiting: (await pendingCount()) ?? null,
      ...(deps.cluster ? { cluster: deps.cluster() } : {}),
    });
  });

  app.get("/api/qr", async (c) => {
    const auth = await authorize(c, "api");
    if (!auth.ok) return auth.res;
    return c.json(qrView(await linkOrNull()));
  });

  app.get("/api/session-backend", async (c) => {
    const auth = await authorize(c, "api");
    if (!auth.ok) return auth.res;
    return c.json(deps.sessionBackend());
  });

  // ---- MCP Streamable HTTP ----
  app.all("/mcp", async (c) => {
    const auth = await authorize(c, "mcp");
    if (!auth.ok) return auth.res;
    if (!deps.mcp) return jsonError(c, 404, "not_found", "MCP over HTTP is not enabled on this server");
    const req = c.req.raw;
    const headers = new Headers(req.headers);
    headers.delete("authorization");
    headers.delete("cookie");
    let body: Uint8Array | undefined;
    if (req.method !== "GET" && req.method !== "HEAD" && req.body) {
      body = await readBodyLimited(req, MCP_BODY_LIMIT);
      if (auth.info?.extra?.kind === "oauth" && deps.isSendTool && oauth && !canSend(auth.info, oauth)) {
        const tool = sendToolCalled(body, deps.isSendTool);
        if (tool) {
          return challenge(c, 403, {
            error: "insufficient_scope",
            scope: oauth.sendScope,
            description: `calling ${tool} needs the ${oauth.sendScope} scope`,
          });
        }
      }
      headers.set("content-length", String(body.byteLength));
    }
    const forwarded = new Request(req.url, { method: req.method, headers, body: body as BodyInit | undefined, signal: req.signal });
    return deps.mcp(forwarded, { authInfo: auth.info });
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

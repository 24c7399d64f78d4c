/**
 * What the route groups of the HTTP app share, built once per app: error and page responses,
 * cookies and CSRF, the URLs this server answers as, the status snapshot, and the client key of a
 * request (per-client limits). Closures over the app's deps; no globals.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { redact } from "../log.ts";
import type { LinkStatus } from "../status/types.ts";
import { bearerChallenge, RESOURCE_METADATA_PATH } from "./auth/challenge.ts";
import type { OAuthResourceConfig } from "./auth/types.ts";
import { hasAuth, isLoopbackHost } from "./bind-policy.ts";
import { clientAddress, limiterKey } from "./client_address.ts";
import { getConnInfo } from "./conninfo.ts";
import { newHmacKey, randomId } from "./crypto.ts";
import { createCsrf } from "./csrf.ts";
import { pageCsp } from "./guard.ts";
import type { HttpDeps } from "./types.ts";
import { type WebhooksView, webhooksView } from "../webhooks/status.ts";

/** Statuses the app answers errors with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 502 | 503;
/** Statuses a page is rendered with. */
export type PageStatus = 200 | 400 | 401 | 403 | 404 | 409 | 415 | 429 | 502;

/** Headers a reverse proxy adds: a request carrying one did not come from a local client directly. */
const PROXY_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip"];

/** The status snapshot the dashboard and the API show. */
export interface CollectedStatus {
  link: LinkStatus | null;
  linkError: string | null;
  stats: Awaited<ReturnType<HttpDeps["storeStats"]>> | null;
  statsError: string | null;
  /** Webhook delivery; null when none is configured (or the store did not answer). */
  webhooks: WebhooksView | null;
}

/** The shared pieces; see the module comment. */
export interface HttpKit {
  deps: HttpDeps;
  now(): number;
  authRequired: boolean;
  oauth: OAuthResourceConfig | null;
  /** The configured resource URL (OAuth, or the public URL's /mcp), or null. */
  configuredResource: string | null;
  jsonError(c: Context, status: ErrorStatus, error: string, description: string): Response;
  /** A 401/403/503 with `WWW-Authenticate` (naming the resource metadata when OAuth is on). */
  challenge(c: Context, status: 401 | 403 | 503, p: { error?: "invalid_token" | "insufficient_scope"; description?: string; scope?: string }): Response;
  /** Renders a page under a fresh CSP nonce. */
  page(c: Context, render: (nonce: string) => string, status?: PageStatus): Response;
  /** The CSRF token for a form, setting its cookie when needed. */
  csrfToken(c: Context): Promise<string>;
  csrfValid(c: Context, form: URLSearchParams): Promise<boolean>;
  cookieName(base: string): string;
  setAppCookie(c: Context, base: string, value: string, maxAgeSec: number): void;
  readCookie(c: Context, base: string): string | undefined;
  resourceUrl(c: Context): string;
  /** The QR string and pairing code may be shown: a local client, not relayed by a proxy. */
  rawLinkSecretsAllowed(c: Context): boolean;
  collectStatus(): Promise<CollectedStatus>;
  linkOrNull(): Promise<LinkStatus | null>;
  /** Held sends waiting (undefined: no approvals page; null: unknown now). */
  pendingCount(): Promise<number | null | undefined>;
  /** Who is asking, as a per-client limiter key (see client_address.ts). */
  clientKey(c: Context): string;
}

/** The host name of a Host header value ("[::1]:8080" → "[::1]", "127.0.0.1:80" → "127.0.0.1"). */
function hostName(hostHeader: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)/.exec(hostHeader.trim());
  return m?.[1] ?? hostHeader;
}

/** An error's message with secrets redacted, for pages and JSON. */
export function errorMessage(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}

/** Builds the kit for one app. */
export function createHttpKit(deps: HttpDeps): HttpKit {
  const now = () => (deps.clock ? deps.clock.now() : Date.now());
  const publicUrl = deps.publicUrl ? deps.publicUrl.replace(/\/+$/, "") : null;
  const bindIsLocal = isLoopbackHost(deps.host);
  const oauth = deps.auth.oauth;
  const configuredResource = oauth?.resourceUrl ?? (publicUrl ? `${publicUrl}/mcp` : null);
  const csrfReady = newHmacKey().then(createCsrf);
  const hops = deps.trustedProxyHops ?? 0;

  // With a public URL, it names this server (a proxy may rewrite Host to 127.0.0.1:port); without
  // one, the request's own (already checked) Host does.
  const requestHost = (c: Context) => (c.req.header("host") ?? new URL(c.req.url).host).toLowerCase();
  const baseUrl = (c: Context) => publicUrl ?? `${new URL(c.req.url).protocol}//${requestHost(c)}`;
  // Behind https the cookies are Secure and __Host- prefixed (so no other host can plant them).
  const secure = publicUrl !== null && publicUrl.startsWith("https:");
  const cookieName = (base: string) => (secure ? `__Host-${base}` : base);
  const metadataUrl = (c: Context) => `${baseUrl(c)}${RESOURCE_METADATA_PATH}`;

  const jsonError: HttpKit["jsonError"] = (c, status, error, description) => c.json({ error, error_description: description }, status);
  const setAppCookie: HttpKit["setAppCookie"] = (c, base, value, maxAgeSec) =>
    setCookie(c, cookieName(base), value, { path: "/", httpOnly: true, sameSite: "Strict", secure, maxAge: maxAgeSec });

  const kit: HttpKit = {
    deps,
    now,
    authRequired: hasAuth(deps.auth),
    oauth,
    configuredResource,
    jsonError,
    challenge(c, status, p) {
      c.header("WWW-Authenticate", bearerChallenge({ ...p, ...(oauth ? { resourceMetadata: metadataUrl(c) } : {}) }));
      return jsonError(c, status, p.error ?? "unauthorized", p.description ?? "authentication required");
    },
    page(c, render, status = 200) {
      const nonce = randomId(18);
      c.header("Content-Security-Policy", pageCsp(nonce));
      return c.html(render(nonce), status);
    },
    async csrfToken(c) {
      const csrf = await csrfReady;
      const { setCookie: fresh, token } = await csrf.issue(getCookie(c, cookieName("wa_csrf")));
      if (fresh) setAppCookie(c, "wa_csrf", fresh, 12 * 60 * 60);
      return token;
    },
    csrfValid: async (c, form) => (await csrfReady).verify(getCookie(c, cookieName("wa_csrf")), form.get("csrf")),
    cookieName,
    setAppCookie,
    readCookie: (c, base) => getCookie(c, cookieName(base)),
    resourceUrl: (c) => configuredResource ?? `${baseUrl(c)}/mcp`,
    rawLinkSecretsAllowed: (c) =>
      bindIsLocal && isLoopbackHost(hostName(requestHost(c))) && !PROXY_HEADERS.some((h) => c.req.header(h) !== undefined),
    async collectStatus() {
      const [link, stats, hooks] = await Promise.allSettled([deps.linkStatus(), deps.storeStats(), deps.webhookStatus?.() ?? Promise.resolve([])]);
      return {
        webhooks: hooks.status === "fulfilled" ? webhooksView(hooks.value) : null,
        link: link.status === "fulfilled" ? link.value : null,
        linkError: link.status === "rejected" ? errorMessage(link.reason) : null,
        stats: stats.status === "fulfilled" ? stats.value : null,
        statsError: stats.status === "rejected" ? errorMessage(stats.reason) : null,
      };
    },
    async linkOrNull() {
      try {
        return await deps.linkStatus();
      } catch {
        return null;
      }
    },
    pendingCount: async () => (deps.approvals ? await deps.approvals.waiting().catch(() => null) : undefined),
    clientKey: (c) => limiterKey(clientAddress(getConnInfo(c).remote.address, c.req.header("x-forwarded-for"), hops)),
  };
  return kit;
}

/**
 * Authentication as Hono middleware: `requireAuth(mode)` checks the caller and sets `c.var.auth`
 * (the verified AuthInfo) and `c.var.session` (a browser session, or null) for the handler, or
 * answers itself. `mode` decides what is accepted and how a missing credential is answered:
 * "page" redirects to /login, "api" and "mcp" answer 401 with a challenge; cookies never
 * authenticate "mcp" (a bearer header cannot be attached by another site).
 *
 * Failed bearer tokens are limited per client address like the login form (10 a minute): a
 * client over the limit gets 429 with Retry-After before its token is even looked at, so a
 * guesser learns nothing, and the owner elsewhere is not affected.
 *
 * @example
 * ```ts
 * const gate = createAuthGate(kit);
 * app.get("/api/status", gate.requireAuth("api"), (c) => c.json({ caller: c.var.auth?.clientId }));
 * ```
 */
import type { Context, MiddlewareHandler } from "hono";
import { createLogger } from "../../log.ts";
import type { AppEnv } from "../env.ts";
import type { HttpKit } from "../kit.ts";
import { bearerToken, createCredentialChecker } from "./authenticate.ts";
import type { CredentialChecker } from "./authenticate.ts";
import { createFailureLimiter } from "./limiter.ts";
import type { FailureLimiter } from "./limiter.ts";
import { createOAuthVerifier, TokenError } from "./oauth.ts";
import { createSessionStore } from "./session.ts";
import type { Session, SessionStore } from "./session.ts";
import type { AuthInfo } from "./types.ts";

const log = createLogger("http");

/** Which credentials a route accepts. */
export type AuthMode = "page" | "api" | "mcp";

/** The app's authentication: the middleware and the parts the sign-in routes share with it. */
export interface AuthGate {
  requireAuth(mode: AuthMode): MiddlewareHandler<AppEnv>;
  checker: CredentialChecker;
  sessions: SessionStore;
  /** Failed bearer tokens per client. */
  bearerFailures: FailureLimiter;
}

type Outcome = { ok: true; info: AuthInfo | undefined; session: Session | null } | { ok: false; res: Response };

/** Builds the gate for one app (its verifier, checker, sessions and limiter). */
export function createAuthGate(kit: HttpKit): AuthGate {
  const { deps, oauth } = kit;
  const verifier = oauth ? createOAuthVerifier(oauth, { keys: deps.keys, now: kit.now, resourceUrl: kit.configuredResource }) : null;
  const checker = createCredentialChecker(deps.auth, verifier);
  const sessions = createSessionStore(kit.now);
  const bearerFailures = createFailureLimiter(kit.now);

  const bearer = async (c: Context, header: string): Promise<Outcome> => {
    const key = kit.clientKey(c);
    const wait = bearerFailures.retryAfter(key);
    if (wait > 0) {
      c.header("Retry-After", String(Math.ceil(wait / 1000)));
      log.info("bearer token refused", { path: c.req.path, reason: "too many failed tokens from this client" });
      return { ok: false, res: kit.jsonError(c, 429, "too_many_requests", "too many failed attempts; wait a minute") };
    }
    const token = bearerToken(header);
    const result = token === null ? { ok: false as const, error: new TokenError("invalid_token", "expected a Bearer token") } : await checker.check(token);
    if (result.ok) return { ok: true, info: result.info, session: null };
    log.info("bearer token refused", { path: c.req.path, reason: result.error.message });
    if (result.error.code === "forbidden") return { ok: false, res: kit.jsonError(c, 403, "forbidden", result.error.message) };
    // The issuer's keys could not be fetched: not the caller's fault, not counted.
    if (result.error.code === "unavailable") return { ok: false, res: kit.jsonError(c, 503, "temporarily_unavailable", result.error.message) };
    bearerFailures.fail(key);
    return { ok: false, res: kit.challenge(c, 401, { error: "invalid_token", description: result.error.message }) };
  };

  const authorize = async (c: Context, mode: AuthMode): Promise<Outcome> => {
    if (!kit.authRequired) return { ok: true, info: undefined, session: null };
    const header = c.req.header("authorization");
    if (header !== undefined) return await bearer(c, header);
    if (mode !== "mcp") {
      const session = sessions.get(kit.readCookie(c, "wa_session"));
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
    return { ok: false, res: kit.challenge(c, 401, {}) };
  };

  return {
    requireAuth: (mode) => async (c, next) => {
      const r = await authorize(c, mode);
      if (!r.ok) return r.res;
      c.set("auth", r.info);
      c.set("session", r.session);
      await next();
    },
    checker,
    sessions,
    bearerFailures,
  };
}

/**
 * Sign-in for browsers: GET/POST /login exchanges a token for a session cookie, POST /logout ends
 * it. Failed attempts are limited per client address (10 a minute), so a guesser elsewhere cannot
 * lock the owner out.
 */
import { Hono } from "hono";
import { createLogger } from "../../log.ts";
import type { AuthGate } from "../auth/middleware.ts";
import { createFailureLimiter } from "../auth/limiter.ts";
import { readForm } from "../body.ts";
import type { AppEnv } from "../env.ts";
import type { HttpKit } from "../kit.ts";
import { renderLoginPage } from "../pages/login.ts";

const log = createLogger("http");

/** Pages a login may return to (anything else could be an open redirect). */
const LOGIN_TARGETS = new Set(["/status", "/qr"]);

/** The /login and /logout routes. */
export function signInRoutes(kit: HttpKit, gate: AuthGate): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const loginFailures = createFailureLimiter(kit.now);
  const withOAuth = kit.oauth !== null;

  app.get("/login", async (c) => {
    if (!kit.authRequired) return c.redirect("/status", 303);
    const next = LOGIN_TARGETS.has(c.req.query("next") ?? "") ? c.req.query("next")! : "/status";
    const csrf = await kit.csrfToken(c);
    return kit.page(c, (nonce) => renderLoginPage({ nonce, csrf, next, oauth: withOAuth }));
  });

  app.post("/login", async (c) => {
    if (!kit.authRequired) return c.redirect("/status", 303);
    const form = await readForm(c.req.raw);
    if (!form) return kit.jsonError(c, 415, "unsupported_media_type", "expected a form");
    const next = LOGIN_TARGETS.has(form.get("next") ?? "") ? form.get("next")! : "/status";
    const again = async (status: 400 | 401 | 403 | 429, error: string) => {
      const csrf = await kit.csrfToken(c);
      return kit.page(c, (nonce) => renderLoginPage({ nonce, csrf, next, error, oauth: withOAuth }), status);
    };
    if (!(await kit.csrfValid(c, form))) return again(403, "The form expired. Please try again.");
    const client = kit.clientKey(c);
    const wait = loginFailures.retryAfter(client);
    if (wait > 0) {
      c.header("Retry-After", String(Math.ceil(wait / 1000)));
      return again(429, "Too many failed attempts. Wait a minute and try again.");
    }
    const token = (form.get("token") ?? "").trim();
    const result = token ? await gate.checker.check(token) : null;
    if (!result || !result.ok) {
      loginFailures.fail(client);
      log.info("login refused", { reason: result ? result.error.message : "empty token" });
      const msg = result?.error.code === "forbidden" ? "This account is not allowed here." : "That token is not valid.";
      return again(401, msg);
    }
    const via = result.info.extra?.kind === "oauth" ? "oauth" : "static";
    const session = gate.sessions.create(via, result.info.extra?.subject ?? null, result.info.expiresAt ? result.info.expiresAt * 1000 : null);
    kit.setAppCookie(c, "wa_session", session.id, Math.max(1, Math.floor((session.expiresAt - kit.now()) / 1000)));
    log.info("browser session started", { via });
    return c.redirect(next, 303);
  });

  app.post("/logout", async (c) => {
    const form = await readForm(c.req.raw);
    if (!form) return kit.jsonError(c, 415, "unsupported_media_type", "expected a form");
    if (!(await kit.csrfValid(c, form))) return kit.jsonError(c, 403, "forbidden", "missing or invalid CSRF token");
    gate.sessions.delete(kit.readCookie(c, "wa_session"));
    kit.setAppCookie(c, "wa_session", "", 0);
    return c.redirect(kit.authRequired ? "/login" : "/status", 303);
  });

  return app;
}

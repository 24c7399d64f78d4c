/** The dashboard pages: /status, /qr and the pairing-code form (POST /qr/pairing-code). */
import { Hono } from "hono";
import type { Context } from "hono";
import { phoneDigits } from "../../ids/phone.ts";
import { createLogger } from "../../log.ts";
import type { AuthGate } from "../auth/middleware.ts";
import { readForm } from "../body.ts";
import type { AppEnv } from "../env.ts";
import { errorMessage, type HttpKit } from "../kit.ts";
import { renderQrPage } from "../pages/qr.ts";
import type { PairingFeedback } from "../pages/qr.ts";
import { renderStatusPage } from "../pages/status.ts";
import { formatPairingCode, qrView } from "../qr-view.ts";
import { statusView } from "../status-view.ts";

const log = createLogger("http");

/** The page routes, each behind `requireAuth("page")`. */
export function pageRoutes(kit: HttpKit, gate: AuthGate): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { deps } = kit;
  const signedIn = gate.requireAuth("page");
  const signOutCsrf = async (c: Context<AppEnv>) => (c.var.session ? await kit.csrfToken(c) : null);

  app.get("/status", signedIn, async (c) => {
    const view = statusView({ ...(await kit.collectStatus()), backend: deps.sessionBackend(), location: deps.storeLocation?.() ?? null, now: kit.now() });
    const chrome = { page: "status" as const, signOutCsrf: await signOutCsrf(c), pending: await kit.pendingCount() };
    return kit.page(c, (nonce) => renderStatusPage(view, { nonce, chrome }));
  });

  app.get("/qr", signedIn, async (c) => {
    const view = qrView(await kit.linkOrNull());
    const csrf = await kit.csrfToken(c);
    const chrome = { page: "qr" as const, signOutCsrf: c.var.session ? csrf : null, pending: await kit.pendingCount() };
    return kit.page(c, (nonce) => renderQrPage(view, { nonce, chrome, csrf }));
  });

  app.post("/qr/pairing-code", signedIn, async (c) => {
    const form = await readForm(c.req.raw);
    if (!form) return kit.jsonError(c, 415, "unsupported_media_type", "expected a form");
    if (!(await kit.csrfValid(c, form))) return kit.jsonError(c, 403, "forbidden", "missing or invalid CSRF token");
    const render = async (status: 200 | 400 | 409 | 502, feedback: PairingFeedback) => {
      const view = qrView(await kit.linkOrNull());
      const csrf = await kit.csrfToken(c);
      const chrome = { page: "qr" as const, signOutCsrf: c.var.session ? csrf : null };
      return kit.page(c, (nonce) => renderQrPage(view, { nonce, chrome, csrf, feedback }), status);
    };
    const typed = (form.get("phone") ?? "").slice(0, 32);
    const phone = phoneDigits(typed);
    if (!phone) return render(400, { error: "Enter your full phone number with country code, e.g. +49 151 23456789.", phone: typed });
    const link = await kit.linkOrNull();
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

  return app;
}

/** The JSON API under /api, behind `requireAuth("api")`. */
import { Hono } from "hono";
import type { AuthGate } from "../auth/middleware.ts";
import type { AppEnv } from "../env.ts";
import type { HttpKit } from "../kit.ts";
import { qrView } from "../qr-view.ts";
import { statusView } from "../status-view.ts";

/** /api/status, /api/qr, /api/session-backend. */
export function apiRoutes(kit: HttpKit, gate: AuthGate): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { deps } = kit;
  const authed = gate.requireAuth("api");

  app.get("/status", authed, async (c) => {
    const s = await kit.collectStatus();
    const view = statusView({ ...s, backend: deps.sessionBackend(), location: deps.storeLocation?.() ?? null, now: kit.now() });
    // The QR string and pairing code let someone link the account: only to a local client (bound to
    // loopback, a loopback Host, and not relayed by a proxy, as with MCP_PUBLIC_URL).
    const link = s.link && !kit.rawLinkSecretsAllowed(c) ? { ...s.link, qr: null, pairingCode: null } : s.link;
    return c.json({
      now: kit.now(),
      link,
      linkError: s.linkError,
      store: s.stats,
      storeError: s.statsError,
      sessionBackend: deps.sessionBackend(),
      view,
      approvalsWaiting: (await kit.pendingCount()) ?? null,
      webhooks: s.webhooks,
      ...(deps.cluster ? { cluster: deps.cluster() } : {}),
    });
  });

  app.get("/qr", authed, async (c) => c.json(qrView(await kit.linkOrNull())));

  app.get("/session-backend", authed, (c) => c.json(deps.sessionBackend()));

  return app;
}

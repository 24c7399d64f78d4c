/**
 * The routes of the approval page, mounted at /approve by the app (after its Host/Origin check
 * and security headers). Authentication (`requireAuth`), CSRF and page rendering are the app's
 * own (its kit), passed in, so this surface follows exactly the rules of the rest: loopback or
 * authenticated, POST with a CSRF token tied to the browser's cookie, pages under a nonce CSP.
 *
 *   GET  /approve                       every held send (waiting first)
 *   GET  /approve/pending.json          { waiting, ids } for the page's poll and the status badge
 *   GET  /approve/{id}                  one held send
 *   GET  /approve/{id}/attachment/{n}   an image attachment's thumbnail (only while unchanged)
 *   POST /approve/{id}/approve          send exactly what was held
 *   POST /approve/{id}/decline          never send it
 */
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import type { AuthMode } from "../auth/middleware.ts";
import { readForm } from "../body.ts";
import type { AppEnv } from "../env.ts";
import type { HttpKit } from "../kit.ts";
import type { Chrome } from "../pages/html.ts";
import { type ApproveFeedback, renderApprovePage } from "../pages/approve.ts";
import type { ApprovalsPort } from "./types.ts";

/** What the routes borrow from the app. */
export interface ApproveRouteDeps {
  approvals: ApprovalsPort;
  /** The app's authentication middleware (sets `c.var.session`). */
  requireAuth(mode: AuthMode): MiddlewareHandler<AppEnv>;
  /** Pages, JSON errors, CSRF and the clock, as the rest of the app has them. */
  kit: Pick<HttpKit, "csrfToken" | "csrfValid" | "page" | "jsonError" | "now">;
}

const ID = /^[A-Za-z0-9_-]{10,64}$/;

/** Builds the sub-app. */
export function approvalRoutes(deps: ApproveRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const d = { ...deps.kit, approvals: deps.approvals };
  const page = deps.requireAuth("page");

  const chrome = async (c: Context, auth: { session: unknown }, csrf: string): Promise<Chrome> => ({
    page: "approve",
    signOutCsrf: auth.session ? csrf : null,
    pending: await d.approvals.waiting(),
  });

  const show = async (
    c: Context,
    auth: { session: unknown },
    id: string | null,
    status: 200 | 404 | 409 = 200,
    feedback: ApproveFeedback | null = null,
  ) => {
    const views = id === null ? await d.approvals.list() : [await d.approvals.get(id)].filter((v) => v !== null);
    const csrf = await d.csrfToken(c);
    const ch = await chrome(c, auth, csrf);
    const now = d.now();
    return d.page(c, (nonce) => renderApprovePage(views, { nonce, chrome: ch, csrf, now, single: id !== null, feedback }), status);
  };

  app.get("/", page, async (c) => {
    return await show(c, c.var, null);
  });

  app.get("/pending.json", deps.requireAuth("api"), async (c) => {
    const list = await d.approvals.list();
    const ids = list.filter((v) => v.status === "waiting").map((v) => v.id);
    return c.json({ waiting: ids.length, ids });
  });

  app.get("/:id", page, async (c) => {
    const auth = c.var;
    const id = c.req.param("id");
    if (!ID.test(id) || !(await d.approvals.get(id))) return await show(c, auth, "-", 404);
    return await show(c, auth, id);
  });

  app.get("/:id/attachment/:n", page, async (c) => {
    const id = c.req.param("id");
    const n = Number(c.req.param("n"));
    const file = ID.test(id) && Number.isInteger(n) && n >= 0 ? await d.approvals.attachment(id, n) : null;
    if (!file) return d.jsonError(c, 404, "not_found", "no such image, or the file changed since the send was held");
    return new Response(file.bytes as BodyInit, { headers: { "Content-Type": file.mimetype, "Content-Disposition": "inline" } });
  });

  const decide = (what: "approve" | "decline") => async (c: Context<AppEnv>) => {
    const auth = c.var;
    const form = await readForm(c.req.raw);
    if (!form) return d.jsonError(c, 415, "unsupported_media_type", "expected a form");
    if (!(await d.csrfValid(c, form))) return d.jsonError(c, 403, "forbidden", "missing or invalid CSRF token");
    const id = c.req.param("id") ?? "";
    if (!ID.test(id)) return d.jsonError(c, 404, "not_found", "no such held send");
    const r = what === "approve" ? await d.approvals.approve(id) : await d.approvals.decline(id);
    if (r.ok) {
      const text = r.status !== "sent"
        ? "Declined: it will not be sent."
        : r.scheduledFor
        ? `Scheduled for ${r.scheduledFor} (schedule id ${r.messageId}): the server sends it then.`
        : `Sent (message id ${r.messageId}).`;
      return await show(c, auth, id, 200, { tone: r.status === "sent" ? "ok" : "warn", text });
    }
    return await show(c, auth, id, r.status === "unknown" ? 404 : 409, { tone: "bad", text: r.message });
  };
  app.post("/:id/approve", page, decide("approve"));
  app.post("/:id/decline", page, decide("decline"));

  return app;
}

/**
 * The routes of the approval page, mounted at /approve by the app (after its Host/Origin check
 * and security headers). Authentication, CSRF and page rendering are the app's own, passed in,
 * so this surface follows exactly the rules of the rest: loopback or authenticated, POST with a
 * CSRF token tied to the browser's cookie, pages under a nonce CSP.
 *
 *   GET  /approve                       every held send (waiting first)
 *   GET  /approve/pending.json          { waiting, ids } for the page's poll and the status badge
 *   GET  /approve/{id}                  one held send
 *   GET  /approve/{id}/attachment/{n}   an image attachment's thumbnail (only while unchanged)
 *   POST /approve/{id}/approve          send exactly what was held
 *   POST /approve/{id}/decline          never send it
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { readForm } from "../body.ts";
import type { Chrome } from "../pages/html.ts";
import { type ApproveFeedback, renderApprovePage } from "../pages/approve.ts";
import type { ApprovalsPort } from "./types.ts";

/** What the routes borrow from the app. */
export interface ApproveRouteDeps {
  approvals: ApprovalsPort;
  /** The app's authentication: a Response to return when the caller may not in. */
  authorize(c: Context, mode: "page" | "api"): Promise<{ ok: true; session: unknown } | { ok: false; res: Response }>;
  csrfToken(c: Context): Promise<string>;
  csrfValid(c: Context, form: URLSearchParams): Promise<boolean>;
  /** Renders a page under a fresh CSP nonce. */
  page(c: Context, render: (nonce: string) => string, status?: 200 | 400 | 403 | 404 | 409 | 415): Response;
  /** JSON error in the app's shape. */
  jsonError(c: Context, status: 403 | 404 | 415, error: string, description: string): Response;
  now(): number;
}

const ID = /^[A-Za-z0-9_-]{10,64}$/;

/** Builds the sub-app. */
export function approvalRoutes(d: ApproveRouteDeps): Hono {
  const app = new Hono();

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

  app.get("/", async (c) => {
    const auth = await d.authorize(c, "page");
    if (!auth.ok) return auth.res;
    return await show(c, auth, null);
  });

  app.get("/pending.json", async (c) => {
    const auth = await d.authorize(c, "api");
    if (!auth.ok) return auth.res;
    const list = await d.approvals.list();
    const ids = list.filter((v) => v.status === "waiting").map((v) => v.id);
    return c.json({ waiting: ids.length, ids });
  });

  app.get("/:id", async (c) => {
    const auth = await d.authorize(c, "page");
    if (!auth.ok) return auth.res;
    const id = c.req.param("id");
    if (!ID.test(id) || !(await d.approvals.get(id))) return await show(c, auth, "-", 404);
    return await show(c, auth, id);
  });

  app.get("/:id/attachment/:n", async (c) => {
    const auth = await d.authorize(c, "page");
    if (!auth.ok) return auth.res;
    const id = c.req.param("id");
    const n = Number(c.req.param("n"));
    const file = ID.test(id) && Number.isInteger(n) && n >= 0 ? await d.approvals.attachment(id, n) : null;
    if (!file) return d.jsonError(c, 404, "not_found", "no such image, or the file changed since the send was held");
    return new Response(file.bytes as BodyInit, { headers: { "Content-Type": file.mimetype, "Content-Disposition": "inline" } });
  });

  const decide = (what: "approve" | "decline") => async (c: Context) => {
    const auth = await d.authorize(c, "page");
    if (!auth.ok) return auth.res;
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
  app.post("/:id/approve", decide("approve"));
  app.post("/:id/decline", decide("decline"));

  return app;
}

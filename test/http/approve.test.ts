/**
 * The /approve page through `app.request()` over the real approvals port (real sql.js store, a
 * send held by a real MCP client): the page shows the held send, approve and decline need a
 * CSRF token and pass the Host/Origin checks, authentication applies as on the rest of the page.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHttpApp } from "../../src/http/app.ts";
import { createApprovals } from "../../src/mcp/held/approvals.ts";
import { startHarness } from "../mcp/harness.ts";
import { fakeDeps } from "./fixtures.ts";
import { call, csrfFrom, HOST, Jar, postForm } from "./request.ts";

async function setup(auth: { token: string | null } = { token: null }) {
  const h = await startHarness();
  const approvals = createApprovals(h.deps as never);
  const { deps } = fakeDeps({ approvals, auth: { token: auth.token, oauth: null } });
  const app = createHttpApp(deps);
  const r = await h.call("send_message", { recipient: "15557654321", message: "Meet at 5?\u202E evil" });
  const id = String(r.structuredContent!.approval_id);
  return { h, app, id };
}

describe("/approve", () => {
  test("lists the held send with its text made visible, reason and buttons; the status page shows the count", async () => {
    const { h, app, id } = await setup();
    try {
      const res = await call(app, "/approve");
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /1 send is waiting for your approval/);
      assert.ok(html.includes("Meet at 5?⟨U+202E⟩ evil"), "the bidi override is shown, not applied");
      assert.match(html, /there is no chat with this recipient yet \(first contact\)/);
      assert.ok(html.includes(`action="/approve/${id}/approve"`));
      assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'nonce-/);
      const status = await (await call(app, "/status")).text();
      assert.match(status, /id="approvals-count" class="count" aria-label="1 waiting">1</);
      const api = await (await call(app, "/api/status")).json();
      assert.equal(api.approvalsWaiting, 1);
      assert.deepEqual(await (await call(app, "/approve/pending.json")).json(), { waiting: 1, ids: [id] });
    } finally {
      await h.close();
    }
  });

  test("approve needs the CSRF token, a good Host and Origin; then it sends once", async () => {
    const { h, app, id } = await setup();
    try {
      const jar = new Jar();
      const csrf = csrfFrom(await (await call(app, `/approve/${id}`, { jar })).text());
      assert.equal((await postForm(app, `/approve/${id}/approve`, {}, { jar })).status, 403, "no token");
      assert.equal((await postForm(app, `/approve/${id}/approve`, { csrf }, {})).status, 403, "token without its cookie");
      const evil = await postForm(app, `/approve/${id}/approve`, { csrf }, { jar, headers: { origin: "https://evil.example" } });
      assert.equal(evil.status, 403, "foreign Origin");
      const rebinding = await postForm(app, `/approve/${id}/approve`, { csrf }, { jar, headers: { host: "attacker.example:8080" } });
      assert.equal(rebinding.status, 403, "foreign Host (DNS rebinding)");
      assert.equal(h.whatsapp.sent().length, 0);

      const ok = await postForm(app, `/approve/${id}/approve`, { csrf }, { jar, headers: { origin: `http://${HOST}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /Sent \(message id SENT1\)/);
      const twice = await postForm(app, `/approve/${id}/approve`, { csrf }, { jar });
      assert.equal(twice.status, 409);
      assert.match(await twice.text(), /already sent/);
      assert.equal(h.whatsapp.sent().length, 1);
    } finally {
      await h.close();
    }
  });

  test("decline sends nothing; an unknown id is a 404", async () => {
    const { h, app, id } = await setup();
    try {
      const jar = new Jar();
      const csrf = csrfFrom(await (await call(app, "/approve", { jar })).text());
      const res = await postForm(app, `/approve/${id}/decline`, { csrf }, { jar });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /Declined: it will not be sent/);
      assert.equal((await postForm(app, "/approve/AAAAAAAAAAAAAAAA/approve", { csrf }, { jar })).status, 404);
      assert.equal((await call(app, "/approve/AAAAAAAAAAAAAAAA")).status, 404);
      assert.equal(h.whatsapp.sent().length, 0);
    } finally {
      await h.close();
    }
  });

  test("with a token configured, the page needs sign-in like the rest", async () => {
    const { h, app, id } = await setup({ token: "s3cret-token-for-tests-0123456789" });
    try {
      const page = await call(app, `/approve/${id}`);
      assert.equal(page.status, 303);
      assert.match(page.headers.get("location") ?? "", /^\/login/);
      assert.equal((await call(app, "/approve/pending.json")).status, 401);
      const post = await postForm(app, `/approve/${id}/approve`, { csrf: "x" });
      assert.equal(post.status, 303);
      const withBearer = await call(app, `/approve/${id}`, { headers: { authorization: "Bearer s3cret-token-for-tests-0123456789" } });
      assert.equal(withBearer.status, 200);
      assert.equal(h.whatsapp.sent().length, 0);
    } finally {
      await h.close();
    }
  });
});

/**
 * Every route of the HTTP app without authentication (loopback), through `app.request()`.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHttpApp } from "../../src/http/app.ts";
import { qrSvg } from "../../src/http/qr-svg.ts";
import type { McpRequestContext } from "../../src/http/auth/types.ts";
import { configureLogging } from "../../src/log.ts";
import { fakeDeps, linkingStatus, openStatus, QR_1, QR_2 } from "./fixtures.ts";
import { call, csrfFrom, Jar, postForm } from "./request.ts";

describe("/health", () => {
  test("answers exactly {ok:true} with no Host check and no auth", async () => {
    const app = createHttpApp(fakeDeps({ host: "0.0.0.0", auth: { token: "0123456789abcdef0123", oauth: null } }).deps);
    const res = await call(app, "/health", { headers: { host: "10.1.2.3:8080" } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
  });
});

describe("/status", () => {
  test("shows the state badge, counts, store size, journal, snapshot and a link to /qr while linking", async () => {
    const app = createHttpApp(fakeDeps().deps);
    const res = await call(app, "/status");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /text\/html/);
    const html = await res.text();
    assert.match(html, /id="badge" class="badge tone-warn" data-state="qr"/);
    assert.match(html, /Waiting for QR scan/);
    assert.match(html, /data-k="messages">128,734</);
    assert.match(html, /data-k="chats">412</);
    assert.match(html, /data-k="contacts">1,093</);
    assert.match(html, /data-k="size">179 MiB</);
    assert.match(html, /data-k="journal">37 entries, 89.1 KiB, last seq 10,482</);
    assert.match(html, /data-k="snapshot">seq 10,445, 179 MiB, 4 min ago</);
    assert.match(html, /id="link-notice" class="notice"><span>/, "link notice visible");
    assert.ok(!html.includes(QR_1), "the raw QR string is not in the dashboard");
  });

  test("an open link shows the account, last sync, history progress and errors", async () => {
    const { deps, world } = fakeDeps();
    world.link = openStatus();
    world.link.history = { ...world.link.history, inProgress: true, progress: 42 };
    world.link.lastError = "stream errored (conflict)";
    const app = createHttpApp(deps);
    const html = await (await call(app, "/status")).text();
    assert.match(html, /data-state="open"/);
    assert.match(html, /tone-ok/);
    assert.match(html, /data-k="account">Ada Lovelace</);
    assert.match(html, /data-k="accountId">\+4915112345678</);
    assert.match(html, /data-k="lastSync">7 min ago</);
    assert.match(html, /data-k="history">syncing… 42%</);
    assert.match(html, /<progress id="progress" max="100" value="42">/);
    assert.match(html, /<section id="errors" class="card errors">/);
    assert.match(html, /data-k="linkError">stream errored \(conflict\)</);
    assert.match(html, /id="link-notice" class="notice" hidden/);
  });

  test("keeps answering when the connection and store actors do not", async () => {
    const { deps, world } = fakeDeps();
    world.linkFails = new Error("ask connection timed out after 5000 ms");
    world.statsFail = new Error("store is restarting");
    const app = createHttpApp(deps);
    const res = await call(app, "/status");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /data-state="unavailable"/);
    assert.match(html, /connection: ask connection timed out after 5000 ms/);
    assert.match(html, /store: store is restarting/);
  });

  test("escapes names from WhatsApp (a push name is untrusted input)", async () => {
    const { deps, world } = fakeDeps();
    world.link = openStatus();
    world.link.me!.pushName = `<img src=x onerror=alert(1)>`;
    const html = await (await call(createHttpApp(deps), "/status")).text();
    assert.ok(!html.includes("<img src=x"));
    assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;/);
  });

  test("/ redirects to /status", async () => {
    const res = await call(createHttpApp(fakeDeps().deps), "/");
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/status");
  });
});

describe("/qr", () => {
  test("shows the current QR as an inline SVG made locally, and never the raw string as text", async () => {
    const app = createHttpApp(fakeDeps().deps);
    const html = await (await call(app, "/qr")).text();
    assert.ok(html.includes(qrSvg(QR_1)), "the SVG of QR_1 is inline");
    assert.match(html, /data-qr="1"/);
    assert.ok(!html.includes(QR_1.slice(0, 20)), "raw QR text is not in the page");
    assert.match(html, /id="linked" class="linked" hidden/);
    assert.match(html, /action="\/qr\/pairing-code"/);
  });

  test("shows 'Linked' and no QR once the connection is open", async () => {
    const { deps, world } = fakeDeps();
    world.link = openStatus();
    const html = await (await call(createHttpApp(deps), "/qr")).text();
    assert.match(html, /<div id="linked" class="linked">/);
    assert.match(html, /Ada Lovelace · \+4915112345678/);
    assert.doesNotMatch(html, /<svg/);
    assert.match(html, /id="pair" class="card" hidden/);
  });

  test("/api/qr follows WhatsApp's rotation and reports linked", async () => {
    const { deps, world } = fakeDeps();
    const app = createHttpApp(deps);
    const a = await (await call(app, "/api/qr")).json();
    assert.equal(a.svg, qrSvg(QR_1));
    assert.equal(a.linked, false);
    world.link = linkingStatus(QR_2);
    const b = await (await call(app, "/api/qr")).json();
    assert.equal(b.svg, qrSvg(QR_2));
    assert.notEqual(a.svg, b.svg);
    world.link = openStatus();
    const c = await (await call(app, "/api/qr")).json();
    assert.equal(c.linked, true);
    assert.equal(c.svg, null);
    assert.deepEqual(c.account, { name: "Ada Lovelace", number: "+4915112345678" });
  });
});

describe("pairing code form", () => {
  async function formPage(app: ReturnType<typeof createHttpApp>, jar: Jar) {
    const res = await call(app, "/qr", { jar });
    return csrfFrom(await res.text());
  }

  test("with a valid CSRF token asks WhatsApp for a code and shows it", async () => {
    const { deps, world } = fakeDeps();
    const app = createHttpApp(deps);
    const jar = new Jar();
    const csrf = await formPage(app, jar);
    assert.ok(jar.cookies.has("wa_csrf"));
    const lines: string[] = [];
    configureLogging({ sink: (l) => lines.push(l) });
    try {
      const res = await postForm(app, "/qr/pairing-code", { csrf, phone: "+49 (151) 123-45678" }, { jar });
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /<div class="code" id="code">ABCD-1234<\/div>/);
    } finally {
      configureLogging({ sink: (l) => console.error(l) });
    }
    assert.deepEqual(world.pairingRequests, ["4915112345678"]);
    assert.ok(!lines.join("\n").includes("4915112345678"), "the phone number is not logged");
  });

  test("the CSRF cookie is HttpOnly and SameSite=Strict", async () => {
    const res = await call(createHttpApp(fakeDeps().deps), "/qr");
    await res.body?.cancel();
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("wa_csrf="))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);
  });

  test("a POST without, with a wrong, or with another browser's CSRF token is refused", async () => {
    const { deps, world } = fakeDeps();
    const app = createHttpApp(deps);
    const jar = new Jar();
    const csrf = await formPage(app, jar);
    const other = new Jar();
    const otherCsrf = await formPage(app, other);

    const missing = await postForm(app, "/qr/pairing-code", { phone: "4915112345678" }, { jar });
    assert.equal(missing.status, 403);
    await missing.body?.cancel();
    const wrong = await postForm(app, "/qr/pairing-code", { csrf: csrf.slice(0, -2) + "xx", phone: "4915112345678" }, { jar });
    assert.equal(wrong.status, 403);
    await wrong.body?.cancel();
    const foreign = await postForm(app, "/qr/pairing-code", { csrf: otherCsrf, phone: "4915112345678" }, { jar });
    assert.equal(foreign.status, 403);
    await foreign.body?.cancel();
    const noCookie = await postForm(app, "/qr/pairing-code", { csrf, phone: "4915112345678" });
    assert.equal(noCookie.status, 403);
    await noCookie.body?.cancel();
    assert.deepEqual(world.pairingRequests, []);
  });

  test("a non-form body is refused with 415", async () => {
    const app = createHttpApp(fakeDeps().deps);
    const res = await call(app, "/qr/pairing-code", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(res.status, 415);
    await res.body?.cancel();
  });

  test("a phone number that is not one is refused without asking WhatsApp", async () => {
    const { deps, world } = fakeDeps();
    const app = createHttpApp(deps);
    const jar = new Jar();
    const csrf = await formPage(app, jar);
    for (const phone of ["", "12345", "+0 151 234567", "abc", "+1 234 567 890 123 456 7"]) {
      const res = await postForm(app, "/qr/pairing-code", { csrf, phone }, { jar });
      assert.equal(res.status, 400, phone);
      assert.match(await res.text(), /full phone number with country code/);
    }
    assert.deepEqual(world.pairingRequests, []);
  });

  test("when already linked, or when WhatsApp fails, the page says so", async () => {
    const { deps, world } = fakeDeps();
    const app = createHttpApp(deps);
    const jar = new Jar();
    const csrf = await formPage(app, jar);
    world.pairingFail = new Error("Connection Closed");
    const failed = await postForm(app, "/qr/pairing-code", { csrf, phone: "4915112345678" }, { jar });
    assert.equal(failed.status, 502);
    assert.match(await failed.text(), /WhatsApp did not give a pairing code: Connection Closed/);
    world.link = openStatus();
    const linked = await postForm(app, "/qr/pairing-code", { csrf, phone: "4915112345678" }, { jar });
    assert.equal(linked.status, 409);
    assert.match(await linked.text(), /already linked/);
    assert.deepEqual(world.pairingRequests, ["4915112345678"]);
  });
});

describe("/api/status and /api/session-backend", () => {
  test("/api/status returns the link, store counters, backends and the dashboard view", async () => {
    const app = createHttpApp(fakeDeps().deps);
    const res = await call(app, "/api/status");
    assert.equal(res.status, 200);
    const j = await res.json();
    assert.equal(j.link.state, "qr");
    assert.equal(j.link.qr, QR_1, "the raw QR string is included on loopback");
    assert.equal(j.store.messages, 128_734);
    assert.deepEqual(j.sessionBackend, { messages: "sqljs", session: "sqljs" });
    assert.equal(j.view.badge.state, "qr");
    assert.equal(j.view.fields.messages, "128,734");
    assert.equal(j.linkError, null);
  });

  test("/api/status and the status page show webhook delivery by host only; 'off' without webhooks", async () => {
    const row = {
      url: "https://hooks.example.com/T0K3N?key=secret", pending: 3, delivered: 40, dead: 1, failures: 2, retryAt: null,
      lastError: "HTTP 503 (unavailable)", lastErrorAt: 1_700_000_000_000, lastDeliveredAt: null, oldestPendingAt: null,
    };
    const app = createHttpApp(fakeDeps({ webhookStatus: async () => [row] }).deps);
    const j = await (await call(app, "/api/status")).json();
    assert.deepEqual([j.webhooks.pending, j.webhooks.delivered, j.webhooks.dead, j.webhooks.failing], [3, 40, 1, true]);
    assert.equal(j.webhooks.endpoints[0].endpoint, "https://hooks.example.com/…");
    assert.equal(j.webhooks.endpoints[0].last_error, "HTTP 503 (unavailable)");
    assert.equal(j.view.fields.webhooks, "3 pending, 40 delivered, 1 given up; failing: https://hooks.example.com/… (HTTP 503 (unavailable)).");
    const page = await (await call(app, "/status")).text();
    assert.match(page, /Webhooks<\/dt><dd data-k="webhooks">3 pending/);
    for (const text of [JSON.stringify(j), page]) assert.equal(text.includes("T0K3N"), false, "no URL path or query");
    const off = await (await call(createHttpApp(fakeDeps().deps), "/api/status")).json();
    assert.equal(off.webhooks, null);
    assert.equal(off.view.fields.webhooks, "off");
  });

  test("/api/status leaves out the QR string and pairing code when not bound to loopback", async () => {
    const token = "0123456789abcdef0123456789";
    const { deps, world } = fakeDeps({ host: "0.0.0.0", auth: { token, oauth: null } });
    world.link.pairingCode = "ABCD1234";
    const app = createHttpApp(deps);
    const j = await (await call(app, "/api/status", { headers: { authorization: `Bearer ${token}` } })).json();
    assert.equal(j.link.state, "qr");
    assert.equal(j.link.qr, null);
    assert.equal(j.link.pairingCode, null);
  });

  test("/api/status leaves out the QR string behind a public URL: public Host or a proxy-relayed request", async () => {
    const token = "0123456789abcdef0123456789";
    const { deps, world } = fakeDeps({ auth: { token, oauth: null }, publicUrl: "https://wa.example.org" });
    world.link.pairingCode = "ABCD1234";
    const app = createHttpApp(deps);
    const auth = { authorization: `Bearer ${token}` };
    const viaPublic = await (await call(app, "/api/status", { headers: { ...auth, host: "wa.example.org" } })).json();
    assert.deepEqual([viaPublic.link.state, viaPublic.link.qr, viaPublic.link.pairingCode], ["qr", null, null]);
    // A proxy that rewrites Host to 127.0.0.1:8080 still says it relayed the request.
    const relayed = await (await call(app, "/api/status", { headers: { ...auth, "x-forwarded-for": "203.0.113.9" } })).json();
    assert.deepEqual([relayed.link.qr, relayed.link.pairingCode], [null, null]);
    const local = await (await call(app, "/api/status", { headers: auth })).json();
    assert.equal(local.link.qr, QR_1, "a local client still gets it");
  });

  test("/api/status reports a failing actor instead of failing", async () => {
    const { deps, world } = fakeDeps();
    world.statsFail = new Error("database is locked");
    const j = await (await call(createHttpApp(deps), "/api/status")).json();
    assert.equal(j.store, null);
    assert.equal(j.storeError, "database is locked");
    assert.equal(j.link.state, "qr");
  });

  test("/api/session-backend names both backends", async () => {
    const { deps } = fakeDeps({ sessionBackend: () => ({ messages: "postgres", session: "sqljs" }) });
    const res = await call(createHttpApp(deps), "/api/session-backend");
    assert.deepEqual(await res.json(), { messages: "postgres", session: "sqljs" });
  });

  test("an unknown route is a JSON 404", async () => {
    const res = await call(createHttpApp(fakeDeps().deps), "/admin");
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error, "not_found");
  });
});

describe("/mcp", () => {
  function recordingMcp() {
    const seen: Array<{ method: string; headers: Headers; body: string; ctx: McpRequestContext }> = [];
    const mcp = async (req: Request, ctx: McpRequestContext) => {
      seen.push({ method: req.method, headers: req.headers, body: await req.text(), ctx });
      return new Response(JSON.stringify({ jsonrpc: "2.0", id: 1, result: {} }), { headers: { "content-type": "application/json" } });
    };
    return { seen, mcp };
  }
  const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} });

  test("answers 404 when no MCP handler is mounted", async () => {
    const res = await call(createHttpApp(fakeDeps().deps), "/mcp", { method: "POST", body: init });
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });

  test("delegates POST, GET and DELETE to the handler with the body intact", async () => {
    const { seen, mcp } = recordingMcp();
    const app = createHttpApp(fakeDeps({ mcp }).deps);
    const res = await call(app, "/mcp", { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: init });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { jsonrpc: "2.0", id: 1, result: {} });
    assert.equal(res.headers.get("cache-control"), "no-store");
    for (const method of ["GET", "DELETE"]) {
      const r = await call(app, "/mcp", { method });
      await r.body?.cancel();
    }
    assert.deepEqual(seen.map((s) => s.method), ["POST", "GET", "DELETE"]);
    assert.equal(seen[0]!.body, init);
    assert.equal(seen[0]!.headers.get("accept"), "application/json, text/event-stream");
    assert.equal(seen[0]!.ctx.authInfo, undefined, "no auth configured: no authInfo");
  });

  test("never forwards the Authorization or Cookie headers", async () => {
    const token = "0123456789abcdef0123456789";
    const { seen, mcp } = recordingMcp();
    const app = createHttpApp(fakeDeps({ mcp, auth: { token, oauth: null } }).deps);
    const res = await call(app, "/mcp", { method: "POST", headers: { authorization: `Bearer ${token}`, cookie: "wa_session=abc" }, body: init });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.equal(seen[0]!.headers.get("authorization"), null);
    assert.equal(seen[0]!.headers.get("cookie"), null);
    assert.equal(seen[0]!.ctx.authInfo?.extra?.kind, "static");
    assert.notEqual(seen[0]!.ctx.authInfo?.token, token, "the token itself is not handed on");
  });

  test("a body over 4 MiB is refused with 413 before the handler sees it", async () => {
    const { seen, mcp } = recordingMcp();
    const app = createHttpApp(fakeDeps({ mcp }).deps);
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "x", params: { pad: "x".repeat(4 * 1024 * 1024) } });
    const res = await call(app, "/mcp", { method: "POST", headers: { "content-type": "application/json" }, body: big });
    assert.equal(res.status, 413);
    await res.body?.cancel();
    assert.equal(seen.length, 0);
    const ok = await call(app, "/mcp", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ pad: "x".repeat(3 * 1024 * 1024) }) });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });
});

/**
 * Host/Origin checks (DNS-rebinding protection), security headers, body limits and the bind
 * policy, through the real app.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHttpApp } from "../../src/http/app.ts";
import { BindPolicyError, checkBindPolicy, isLoopbackHost } from "../../src/http/bind-policy.ts";
import { hostPolicy } from "../../src/http/guard.ts";
import { fakeDeps } from "./fixtures.ts";
import { call, csrfFrom, Jar, postForm } from "./request.ts";

const TOKEN = "s3cret-static-token-0123456789abcdef";

describe("Host and Origin checks", () => {
  test("requests naming a loopback host with our port are served", async () => {
    const app = createHttpApp(fakeDeps().deps);
    for (const host of ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "LOCALHOST:8080"]) {
      const res = await call(app, "/api/session-backend", { headers: { host } });
      assert.equal(res.status, 200, host);
      await res.body?.cancel();
    }
  });

  test("a foreign Host header (DNS rebinding) is refused with 403 on every route but /health", async () => {
    const app = createHttpApp(fakeDeps().deps);
    for (const path of ["/status", "/qr", "/api/status", "/api/qr", "/api/session-backend", "/mcp", "/login"]) {
      const res = await call(app, path, { headers: { host: "attacker.example:8080" } });
      assert.equal(res.status, 403, path);
      assert.deepEqual(await res.json(), { error: "forbidden", error_description: "Host header not allowed" });
    }
    const health = await call(app, "/health", { headers: { host: "attacker.example" } });
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { ok: true });
  });

  test("a loopback name with the wrong port, or without a port, is refused", async () => {
    const app = createHttpApp(fakeDeps().deps);
    for (const host of ["127.0.0.1:9999", "localhost", "127.0.0.1"]) {
      const res = await call(app, "/api/status", { headers: { host } });
      assert.equal(res.status, 403, host);
      await res.body?.cancel();
    }
  });

  test("a foreign Origin is refused, a same-origin one and none are accepted", async () => {
    const app = createHttpApp(fakeDeps().deps);
    const evil = await call(app, "/api/status", { headers: { origin: "https://evil.example" } });
    assert.equal(evil.status, 403);
    assert.equal((await evil.json()).error_description, "Origin not allowed");
    const nul = await call(app, "/api/status", { headers: { origin: "null" } });
    assert.equal(nul.status, 403);
    await nul.body?.cancel();
    const same = await call(app, "/api/status", { headers: { origin: "http://127.0.0.1:8080" } });
    assert.equal(same.status, 200);
    await same.body?.cancel();
    const none = await call(app, "/api/status");
    assert.equal(none.status, 200);
    await none.body?.cancel();
  });

  test("Origin null (our own form posts under no-referrer) is accepted only when the browser says same-origin", async () => {
    const app = createHttpApp(fakeDeps().deps);
    const jar = new Jar();
    const csrf = csrfFrom(await (await call(app, "/qr", { jar })).text());
    const own = await postForm(app, "/qr/pairing-code", { csrf, phone: "4915112345678" }, { jar, headers: { origin: "null", "sec-fetch-site": "same-origin" } });
    assert.equal(own.status, 200);
    await own.body?.cancel();
    const sandboxed = await postForm(app, "/qr/pairing-code", { csrf, phone: "4915112345678" }, { jar, headers: { origin: "null", "sec-fetch-site": "cross-site" } });
    assert.equal(sandboxed.status, 403);
    await sandboxed.body?.cancel();
  });

  test("a state-changing request the browser marks cross-site or same-site is refused; navigations are not", async () => {
    const app = createHttpApp(fakeDeps({ mcp: async () => new Response("{}") }).deps);
    for (const site of ["cross-site", "same-site"]) {
      const res = await call(app, "/mcp", { method: "POST", headers: { "sec-fetch-site": site, "content-type": "text/plain" }, body: "{}" });
      assert.equal(res.status, 403, site);
      assert.equal((await res.json()).error_description, "cross-site request refused");
    }
    const nav = await call(app, "/status", { headers: { "sec-fetch-site": "cross-site" } });
    assert.equal(nav.status, 200);
    await nav.body?.cancel();
  });

  test("a cross-site form POST is refused before CSRF is even looked at", async () => {
    const { deps, world } = fakeDeps();
    const app = createHttpApp(deps);
    const res = await postForm(app, "/qr/pairing-code", { phone: "+49 151 2345678", csrf: "x" }, { headers: { origin: "http://localhost:3000" } });
    assert.equal(res.status, 403);
    await res.body?.cancel();
    assert.deepEqual(world.pairingRequests, []);
  });

  test("in remote mode the public URL's host and origin are accepted, others still refused", async () => {
    const app = createHttpApp(fakeDeps({ host: "0.0.0.0", auth: { token: TOKEN, oauth: null }, publicUrl: "https://wa.example.org" }).deps);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const ok = await call(app, "/api/session-backend", { headers: { ...auth, host: "wa.example.org", origin: "https://wa.example.org" } });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const lan = await call(app, "/api/session-backend", { headers: { ...auth, host: "192.168.1.20:8080" } });
    assert.equal(lan.status, 403);
    await lan.body?.cancel();
    const badOrigin = await call(app, "/api/session-backend", { headers: { ...auth, host: "wa.example.org", origin: "http://wa.example.org" } });
    assert.equal(badOrigin.status, 403);
    await badOrigin.body?.cancel();
  });

  test("hostPolicy lists loopback names, a specific bound address and the public host", () => {
    const p = hostPolicy("192.168.1.20", 8080, "https://wa.example.org/");
    assert.deepEqual([...p.hosts].sort(), [
      "127.0.0.1:8080", "192.168.1.20:8080", "[::1]:8080", "localhost:8080", "wa.example.org", "wa.example.org:443",
    ]);
    assert.ok(p.origins.has("https://wa.example.org"));
    assert.ok(!p.origins.has("http://wa.example.org"));
    assert.ok(!hostPolicy("0.0.0.0", 8080, null).hosts.has("0.0.0.0:8080"));
  });
});

describe("security headers", () => {
  test("every response carries no-store, frame and sniffing protection and a CSP", async () => {
    const app = createHttpApp(fakeDeps().deps);
    for (const path of ["/status", "/qr", "/api/status", "/api/qr", "/api/session-backend", "/health", "/nope"]) {
      const res = await call(app, path);
      await res.body?.cancel();
      assert.equal(res.headers.get("cache-control"), "no-store", path);
      assert.equal(res.headers.get("x-frame-options"), "DENY", path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("referrer-policy"), "no-referrer", path);
      assert.match(res.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/, path);
    }
  });

  test("pages allow only their own nonce'd inline script and style, and no outside hosts", async () => {
    const app = createHttpApp(fakeDeps().deps);
    for (const path of ["/status", "/qr"]) {
      const res = await call(app, path);
      const html = await res.text();
      const csp = res.headers.get("content-security-policy")!;
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      assert.ok(nonce, path);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /connect-src 'self'/);
      assert.ok(html.includes(`<script nonce="${nonce}">`), path);
      assert.ok(html.includes(`<style nonce="${nonce}">`), path);
      // no external assets at all
      assert.doesNotMatch(html, /(src|href)="https?:/);
      const second = await call(app, path);
      await second.body?.cancel();
      assert.notEqual(/nonce-([^']+)'/.exec(second.headers.get("content-security-policy")!)?.[1], nonce, "nonce is fresh per response");
    }
  });
});

describe("body limits", () => {
  test("a form body over 4 KiB is refused with 413", async () => {
    const { deps, world } = fakeDeps();
    const app = createHttpApp(deps);
    const jar = new Jar();
    const csrf = csrfFrom(await (await call(app, "/qr", { jar })).text());
    const res = await postForm(app, "/qr/pairing-code", { csrf, phone: "4915112345678", pad: "x".repeat(5000) }, { jar });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error, "payload_too_large");
    assert.deepEqual(world.pairingRequests, []);
  });

  test("an oversized chunked body without Content-Length is cut off at the limit", async () => {
    const { deps } = fakeDeps();
    const app = createHttpApp(deps);
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        pulled++;
        if (pulled > 64) ctrl.close();
        else ctrl.enqueue(new Uint8Array(1024).fill(97));
      },
    });
    const res = await call(app, "/qr/pairing-code", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    assert.equal(res.status, 413);
    await res.body?.cancel();
    assert.ok(pulled < 64, `read ${pulled} chunks: stopped early`);
  });
});

describe("checkBindPolicy", () => {
  const none = { token: null, oauth: null };
  test("loopback without authentication is fine", () => {
    for (const h of ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]) checkBindPolicy(h, none);
  });

  test("a non-loopback interface without authentication is a start-up error that says what to do", () => {
    for (const h of ["0.0.0.0", "::", "192.168.1.20", "example.org"]) {
      assert.throws(() => checkBindPolicy(h, none), (e: unknown) =>
        e instanceof BindPolicyError && /without authentication/.test(e.message) && /MCP_AUTH_TOKEN/.test(e.message));
    }
    assert.throws(() => createHttpApp(fakeDeps({ host: "0.0.0.0" }).deps), BindPolicyError);
  });

  test("a public URL without authentication is refused even on loopback", () => {
    assert.throws(() => checkBindPolicy("127.0.0.1", none, "https://wa.example.org"), BindPolicyError);
  });

  test("with a token or OAuth any interface is allowed; a short token is refused", () => {
    checkBindPolicy("0.0.0.0", { token: TOKEN, oauth: null });
    checkBindPolicy("0.0.0.0", {
      token: null,
      oauth: { issuer: "https://i", jwksUrl: null, audience: "a", allowedSubjects: ["s"], allowedEmails: [], sendScope: "whatsapp.send" },
    });
    assert.throws(() => checkBindPolicy("127.0.0.1", { token: "short", oauth: null }), /too short/);
  });

  test("isLoopbackHost knows the loopback forms", () => {
    assert.ok(isLoopbackHost("127.0.0.1") && isLoopbackHost("[::1]") && isLoopbackHost("LocalHost"));
    assert.ok(!isLoopbackHost("0.0.0.0") && !isLoopbackHost("::") && !isLoopbackHost("128.0.0.1") && !isLoopbackHost("localhost.evil.com"));
  });
});

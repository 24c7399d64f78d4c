/**
 * Failed sign-ins and failed bearer tokens are limited per client address: a guesser is stopped,
 * the owner elsewhere is not locked out, X-Forwarded-For is believed only with trusted proxy hops.
 * Through `app.request()` with the env a runtime adapter binds; once over a real socket.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createHttpApp } from "../../src/http/app.ts";
import { getConnInfo } from "../../src/http/conninfo.ts";
import { serve } from "../../src/runtime/serve.ts";
import { fakeDeps } from "./fixtures.ts";
import { call, csrfFrom, Jar, postForm } from "./request.ts";

const STATIC = "static-token-0123456789abcdef-xyz";
const ATTACKER = "198.51.100.7";
const OWNER = "192.0.2.10";

function app(extra: Parameters<typeof fakeDeps>[0] = {}) {
  const made = fakeDeps({ auth: { token: STATIC, oauth: null }, ...extra });
  return { a: createHttpApp(made.deps), clock: made.clock };
}

async function login(a: ReturnType<typeof createHttpApp>, token: string, from: string, headers: Record<string, string> = {}) {
  const jar = new Jar();
  const csrf = csrfFrom(await (await call(a, "/login", { jar, from, headers })).text());
  return postForm(a, "/login", { csrf, token, next: "/status" }, { jar, from, headers });
}

const bearer = (t: string, extra: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${t}`, ...extra } });

describe("per-client limits", () => {
  test("10 bad sign-ins from one address block that address only; the owner elsewhere still signs in", async () => {
    const { a, clock } = app();
    for (let i = 0; i < 10; i++) assert.equal((await login(a, `guess-${i}`, ATTACKER)).status, 401);
    const blocked = await login(a, STATIC, ATTACKER);
    assert.equal(blocked.status, 429, "the guesser is stopped, even with the right token");
    assert.ok(Number(blocked.headers.get("retry-after")) > 0);
    assert.equal((await login(a, STATIC, OWNER)).status, 303, "the owner is not locked out");
    clock.advance(60_000);
    assert.equal((await login(a, STATIC, ATTACKER)).status, 303, "the window ends");
  });

  test("failed bearer tokens on /mcp and /api are limited per address: 429 with Retry-After, others unaffected", async () => {
    const { a, clock } = app({ mcp: async () => new Response("{}", { headers: { "content-type": "application/json" } }) });
    for (let i = 0; i < 10; i++) {
      const res = await call(a, i % 2 ? "/mcp" : "/api/status", { ...bearer(`guess-${i}`), from: ATTACKER });
      assert.equal(res.status, 401);
      await res.body?.cancel();
    }
    const blocked = await call(a, "/mcp", { ...bearer(STATIC), from: ATTACKER, method: "POST", body: "{}" });
    assert.equal(blocked.status, 429, "no token is looked at while blocked");
    assert.equal((await blocked.json()).error, "too_many_requests");
    assert.ok(Number(blocked.headers.get("retry-after")) > 0);
    const owner = await call(a, "/mcp", { ...bearer(STATIC), from: OWNER, method: "POST", body: "{}" });
    assert.equal(owner.status, 200, "the owner's client keeps working");
    await owner.body?.cancel();
    clock.advance(60_000);
    const later = await call(a, "/api/status", { ...bearer(STATIC), from: ATTACKER });
    assert.equal(later.status, 200);
    await later.body?.cancel();
  });

  test("a request without any credential is not a failed guess (a client's first try before its token)", async () => {
    const { a } = app();
    for (let i = 0; i < 20; i++) {
      const res = await call(a, "/api/status", { from: OWNER });
      assert.equal(res.status, 401);
      await res.body?.cancel();
    }
    const ok = await call(a, "/api/status", { ...bearer(STATIC), from: OWNER });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });

  test("X-Forwarded-For is ignored by default: rotating it does not get a guesser fresh tries", async () => {
    const { a } = app({ publicUrl: "https://wa.example.org" });
    const host = "wa.example.org";
    for (let i = 0; i < 10; i++) {
      const res = await call(a, "/api/status", { ...bearer(`guess-${i}`, { host, "x-forwarded-for": `203.0.113.${i}` }), from: ATTACKER });
      await res.body?.cancel();
    }
    const res = await call(a, "/api/status", { ...bearer(STATIC, { host, "x-forwarded-for": "203.0.113.200" }), from: ATTACKER });
    assert.equal(res.status, 429);
  });

  test("with one trusted proxy hop, each forwarded client counts alone and a spoofed left entry is not believed", async () => {
    const PROXY = "10.0.0.2";
    const { a } = app({ publicUrl: "https://wa.example.org", trustedProxyHops: 1 });
    const host = "wa.example.org";
    for (let i = 0; i < 10; i++) {
      // The guesser writes its own X-Forwarded-For; the proxy appends the real address.
      const res = await call(a, "/api/status", { ...bearer(`guess-${i}`, { host, "x-forwarded-for": `203.0.113.${i}, ${ATTACKER}` }), from: PROXY });
      await res.body?.cancel();
    }
    const guesser = await call(a, "/api/status", { ...bearer(STATIC, { host, "x-forwarded-for": `1.1.1.1, ${ATTACKER}` }), from: PROXY });
    assert.equal(guesser.status, 429, "the address the proxy saw is blocked");
    const owner = await call(a, "/api/status", { ...bearer(STATIC, { host, "x-forwarded-for": OWNER }), from: PROXY });
    assert.equal(owner.status, 200, "another client behind the same proxy is not");
    await owner.body?.cancel();
  });

  test("over a real socket the adapter passes the peer address, and the bearer limit applies to it", async () => {
    const echo = new Hono();
    echo.get("/who", (c) => c.json(getConnInfo(c).remote));
    const e = await serve(echo, { hostname: "127.0.0.1", port: 0 });
    try {
      const remote = await (await fetch(`http://127.0.0.1:${e.port}/who`)).json();
      assert.equal(remote.address.replace(/^::ffff:/, ""), "127.0.0.1");
      assert.ok(remote.port > 0);
    } finally {
      await e.close();
    }

    let port = 0;
    const made = fakeDeps({ auth: { token: STATIC, oauth: null }, port: () => port });
    const served = await serve(createHttpApp(made.deps), { hostname: "127.0.0.1", port: 0 });
    port = served.port;
    try {
      const url = `http://127.0.0.1:${port}/api/session-backend`;
      for (let i = 0; i < 10; i++) {
        const res = await fetch(url, { headers: { authorization: `Bearer guess-${i}` } });
        assert.equal(res.status, 401);
        await res.body?.cancel();
      }
      const blocked = await fetch(url, { headers: { authorization: `Bearer ${STATIC}` } });
      assert.equal(blocked.status, 429);
      await blocked.body?.cancel();
    } finally {
      await served.close();
    }
  });
});

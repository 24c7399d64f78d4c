/**
 * Remote-mode authentication: OAuth 2.1 JWT bearer tokens (local test key pair, and once a real
 * JWKS URL served on 127.0.0.1), the static token, protected-resource metadata, insufficient scope,
 * and the browser sign-in that exchanges a token for a session cookie.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from "jose";
import type { CryptoKey, JWK, JWTPayload } from "jose";
import { createHttpApp } from "../../src/http/app.ts";
import { acceptedIssuers, createOAuthVerifier, scopesOf, TokenError } from "../../src/http/auth/oauth.ts";
import { canSend } from "../../src/http/auth/scope.ts";
import type { AuthInfo, McpRequestContext, OAuthResourceConfig } from "../../src/http/auth/types.ts";
import type { HttpDeps } from "../../src/http/types.ts";
import { configureLogging } from "../../src/log.ts";
import { fakeDeps, T0 } from "./fixtures.ts";
import { call, csrfFrom, Jar, postForm } from "./request.ts";

const PUBLIC = "https://wa.example.org";
const RESOURCE_META = `${PUBLIC}/.well-known/oauth-protected-resource`;
const STATIC = "static-token-0123456789abcdef-xyz";

const OAUTH: OAuthResourceConfig = {
  issuer: "https://issuer.example",
  jwksUrl: null,
  audience: `${PUBLIC}/mcp`,
  allowedSubjects: ["user-1"],
  allowedEmails: ["Ada@Example.org"],
  sendScope: "whatsapp.send",
};

interface Keys {
  good: CryptoKey;
  stranger: CryptoKey;
  jwk: JWK;
}
let keysP: Promise<Keys> | null = null;
function keys(): Promise<Keys> {
  keysP ??= (async () => {
    const good = await generateKeyPair("ES256");
    const stranger = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(good.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    return { good: good.privateKey, stranger: stranger.privateKey, jwk };
  })();
  return keysP;
}

/** A token valid at T0 unless claims say otherwise (claims given here win over the defaults). */
async function sign(claims: JWTPayload = {}, opts: { key?: "good" | "stranger"; kid?: string; noExp?: boolean } = {}): Promise<string> {
  const k = await keys();
  const now = Math.floor(T0 / 1000);
  const payload: JWTPayload = {
    sub: "user-1",
    scope: "openid whatsapp.read",
    iss: OAUTH.issuer,
    aud: OAUTH.audience,
    iat: now - 60,
    exp: now + 3600,
    ...claims,
  };
  if (opts.noExp) delete payload.exp;
  return new SignJWT(payload).setProtectedHeader({ alg: "ES256", kid: opts.kid ?? "k1" }).sign(opts.key === "stranger" ? k.stranger : k.good);
}

async function oauthApp(extra: Partial<HttpDeps> = {}, oauth: Partial<OAuthResourceConfig> = {}) {
  const k = await keys();
  const made = fakeDeps({
    host: "0.0.0.0",
    publicUrl: PUBLIC,
    auth: { token: null, oauth: { ...OAUTH, ...oauth } },
    keys: createLocalJWKSet({ keys: [k.jwk] }),
    ...extra,
  });
  return { app: createHttpApp(made.deps), ...made };
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}`, host: "wa.example.org" });

function captureLogs(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  configureLogging({ sink: (l) => lines.push(l) });
  return { lines, restore: () => configureLogging({ sink: (l) => console.error(l) }) };
}

describe("OAuth bearer tokens", () => {
  test("no token: 401 with a challenge naming the resource metadata, no error code", async () => {
    const { app } = await oauthApp();
    const res = await call(app, "/mcp", { method: "POST", headers: { host: "wa.example.org" }, body: "{}" });
    assert.equal(res.status, 401);
    await res.body?.cancel();
    assert.equal(res.headers.get("www-authenticate"), `Bearer realm="whatsapp-mcp", resource_metadata="${RESOURCE_META}"`);
  });

  test("a valid token reaches /mcp, and the handler gets the verified caller", async () => {
    const seen: McpRequestContext[] = [];
    const { app } = await oauthApp({ mcp: async (_req, ctx) => (seen.push(ctx), new Response("{}")) });
    const token = await sign({ email: "ada@example.org", azp: "client-abc" });
    const res = await call(app, "/mcp", { method: "POST", headers: bearer(token), body: "{}" });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    const info = seen[0]!.authInfo!;
    assert.equal(info.extra?.kind, "oauth");
    assert.equal(info.extra?.subject, "user-1");
    assert.equal(info.clientId, "client-abc");
    assert.deepEqual(info.scopes, ["openid", "whatsapp.read"]);
    assert.equal(info.expiresAt, Math.floor(T0 / 1000) + 3600);
    assert.equal(info.resource?.href, `${PUBLIC}/mcp`);
    assert.notEqual(info.token, token);
  });

  const rejections: Array<[string, () => Promise<string>, string]> = [
    ["wrong audience", () => sign({ aud: "https://other.example/mcp" }), "wrong audience"],
    ["expired", () => sign({ exp: Math.floor(T0 / 1000) - 120 }), "token expired"],
    ["no expiry", () => sign({}, { noExp: true }), "missing claim exp"],
    ["wrong issuer", () => sign({ iss: "https://evil.example" }), "wrong issuer"],
    ["unknown signer (unknown kid)", () => sign({}, { key: "stranger", kid: "k9" }), "signing key not known to the issuer"],
    ["unknown signer (known kid, other key)", () => sign({}, { key: "stranger" }), "signature not valid"],
    ["not a JWT", async () => "not-a-jwt", "token not valid"],
    ["a JWT-shaped garbage", async () => "aaa.bbb.ccc", "malformed token"],
    ["HS256 with a guessed secret", async () =>
      new SignJWT({ sub: "user-1" }).setProtectedHeader({ alg: "HS256", kid: "k1" }).setIssuer(OAUTH.issuer).setAudience(OAUTH.audience)
        .setExpirationTime(Math.floor(T0 / 1000) + 60).sign(new TextEncoder().encode("x".repeat(32))), "signature algorithm not allowed"],
  ];
  for (const [name, make, reason] of rejections) {
    test(`${name}: 401 invalid_token saying why, with the metadata URL`, async () => {
      const { app } = await oauthApp();
      const res = await call(app, "/api/status", { headers: bearer(await make()) });
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error, "invalid_token");
      assert.equal(
        res.headers.get("www-authenticate"),
        `Bearer realm="whatsapp-mcp", error="invalid_token", error_description="${reason}", resource_metadata="${RESOURCE_META}"`,
      );
    });
  }

  test("a subject not on the allow-list is refused with 403", async () => {
    const { app } = await oauthApp();
    const res = await call(app, "/api/status", { headers: bearer(await sign({ sub: "intruder" })) });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error, "forbidden");
  });

  test("an allowed email counts only when email_verified is true", async () => {
    const { app } = await oauthApp();
    const unverified = await call(app, "/api/status", { headers: bearer(await sign({ sub: "g-1", email: "ada@example.org", email_verified: false })) });
    assert.equal(unverified.status, 403);
    await unverified.body?.cancel();
    const verified = await call(app, "/api/status", { headers: bearer(await sign({ sub: "g-1", email: "ADA@example.org", email_verified: true })) });
    assert.equal(verified.status, 200);
    await verified.body?.cancel();
  });

  test("a non-Bearer Authorization header is an invalid token, not an anonymous request", async () => {
    const { app } = await oauthApp();
    const res = await call(app, "/api/status", { headers: { authorization: "Basic dXNlcjpwYXNz", host: "wa.example.org" } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate")!, /error="invalid_token"/);
    await res.body?.cancel();
  });

  test("tokens never appear in the logs", async () => {
    const { app } = await oauthApp();
    const tokens = [await sign({ aud: "x" }), await sign({ sub: "intruder" }), "garbage-token-value-123"];
    const logs = captureLogs();
    try {
      for (const t of tokens) await (await call(app, "/api/status", { headers: bearer(t) })).body?.cancel();
    } finally {
      logs.restore();
    }
    assert.ok(logs.lines.length >= 3, "refusals are logged");
    for (const t of tokens) assert.ok(!logs.lines.join("\n").includes(t));
  });

  test("acceptedIssuers takes both spellings Google uses", () => {
    assert.deepEqual(acceptedIssuers("https://accounts.google.com"), ["https://accounts.google.com", "accounts.google.com"]);
    assert.deepEqual(acceptedIssuers("https://issuer.example/"), ["https://issuer.example/", "https://issuer.example"]);
  });

  test("scopesOf reads scope strings and scp arrays", () => {
    assert.deepEqual(scopesOf({ scope: "a  b" }), ["a", "b"]);
    assert.deepEqual(scopesOf({ scp: ["c", "d"] }), ["c", "d"]);
    assert.deepEqual(scopesOf({}), []);
  });
});

describe("protected-resource metadata (RFC 9728)", () => {
  test("is served without authentication, at the root and path-suffixed locations", async () => {
    const { app } = await oauthApp();
    for (const path of ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"]) {
      const res = await call(app, path, { headers: { host: "wa.example.org" } });
      assert.equal(res.status, 200, path);
      assert.deepEqual(await res.json(), {
        resource: `${PUBLIC}/mcp`,
        authorization_servers: [OAUTH.issuer],
        bearer_methods_supported: ["header"],
        scopes_supported: ["whatsapp.send"],
        resource_name: "WhatsApp MCP server",
      });
    }
  });

  test("is readable from any Origin (browser-based clients) but still only under our Host", async () => {
    const { app } = await oauthApp();
    const foreignOrigin = await call(app, "/.well-known/oauth-protected-resource", { headers: { host: "wa.example.org", origin: "https://client.example" } });
    assert.equal(foreignOrigin.status, 200);
    assert.equal(foreignOrigin.headers.get("access-control-allow-origin"), "*");
    await foreignOrigin.body?.cancel();
    const foreignHost = await call(app, "/.well-known/oauth-protected-resource", { headers: { host: "rebound.example" } });
    assert.equal(foreignHost.status, 403);
    await foreignHost.body?.cancel();
  });

  test("behind a proxy that rewrites Host to 127.0.0.1, challenges still name the public URL", async () => {
    const { app } = await oauthApp();
    const res = await call(app, "/mcp", { method: "POST", headers: { host: "127.0.0.1:8080" }, body: "{}" });
    assert.equal(res.status, 401);
    await res.body?.cancel();
    assert.match(res.headers.get("www-authenticate")!, new RegExp(`resource_metadata="${RESOURCE_META}"`));
  });

  test("is 404 when OAuth is not configured", async () => {
    const app = createHttpApp(fakeDeps().deps);
    const res = await call(app, "/.well-known/oauth-protected-resource");
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });

  test("without a public URL, names the origin the request came to", async () => {
    const k = await keys();
    const app = createHttpApp(fakeDeps({ auth: { token: null, oauth: OAUTH }, keys: createLocalJWKSet({ keys: [k.jwk] }) }).deps);
    const j = await (await call(app, "/.well-known/oauth-protected-resource", { headers: { host: "localhost:8080" } })).json();
    assert.equal(j.resource, "http://localhost:8080/mcp");
  });
});

describe("send scope", () => {
  const isSendTool = (n: string) => n === "send_message" || n === "send_file";
  const call_ = (name: string, id = 1) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } });

  test("a token without the send scope calling a send tool gets 403 insufficient_scope naming the scope", async () => {
    const seen: string[] = [];
    const { app } = await oauthApp({ isSendTool, mcp: async (req) => (seen.push(await req.text()), new Response("{}")) });
    const token = await sign();
    const res = await call(app, "/mcp", { method: "POST", headers: bearer(token), body: JSON.stringify(call_("send_message")) });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error, "insufficient_scope");
    assert.equal(
      res.headers.get("www-authenticate"),
      `Bearer realm="whatsapp-mcp", error="insufficient_scope", error_description="calling send_message needs the whatsapp.send scope", scope="whatsapp.send", resource_metadata="${RESOURCE_META}"`,
    );
    const batch = await call(app, "/mcp", { method: "POST", headers: bearer(token), body: JSON.stringify([call_("list_chats"), call_("send_file", 2)]) });
    assert.equal(batch.status, 403);
    await batch.body?.cancel();
    const read = await call(app, "/mcp", { method: "POST", headers: bearer(token), body: JSON.stringify(call_("list_chats")) });
    assert.equal(read.status, 200);
    await read.body?.cancel();
    assert.equal(seen.length, 1, "only the read call reached the handler");
  });

  test("a token with the send scope may call send tools", async () => {
    const { app } = await oauthApp({ isSendTool, mcp: async () => new Response("{}") });
    const token = await sign({ scope: "whatsapp.read whatsapp.send" });
    const res = await call(app, "/mcp", { method: "POST", headers: bearer(token), body: JSON.stringify(call_("send_message")) });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });

  test("canSend: owner credentials yes, OAuth only with the scope, browser sessions never", () => {
    const oauth = (scopes: string[]): AuthInfo => ({ token: "", clientId: "c", scopes, extra: { kind: "oauth" } });
    const policy = { sendScope: "whatsapp.send" };
    assert.equal(canSend(undefined, policy), true);
    assert.equal(canSend({ token: "", clientId: "s", scopes: [], extra: { kind: "static" } }, policy), true);
    assert.equal(canSend(oauth(["whatsapp.send"]), policy), true);
    assert.equal(canSend(oauth(["whatsapp.read"]), policy), false);
    assert.equal(canSend(oauth([]), { sendScope: "" }), true);
    assert.equal(canSend({ token: "", clientId: "b", scopes: [], extra: { kind: "session" } }, policy), false);
    assert.equal(canSend({ token: "", clientId: "x", scopes: ["whatsapp.send"] }, policy), false, "unknown kind fails closed");
  });
});

describe("static bearer token", () => {
  const app = () => createHttpApp(fakeDeps({ auth: { token: STATIC, oauth: null } }).deps);

  test("the right token is accepted, a wrong one gets 401 invalid_token, none gets 401", async () => {
    const a = app();
    const right = await call(a, "/api/status", { headers: { authorization: `Bearer ${STATIC}` } });
    assert.equal(right.status, 200);
    await right.body?.cancel();
    const wrong = await call(a, "/api/status", { headers: { authorization: `Bearer ${STATIC}x` } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get("www-authenticate"), `Bearer realm="whatsapp-mcp", error="invalid_token", error_description="token not valid"`);
    await wrong.body?.cancel();
    const none = await call(a, "/api/session-backend");
    assert.equal(none.status, 401);
    assert.equal(none.headers.get("www-authenticate"), `Bearer realm="whatsapp-mcp"`);
    await none.body?.cancel();
  });

  test("a token with characters outside base64 works too", async () => {
    const odd = "p@ss!word#1234567890;:,?";
    const a = createHttpApp(fakeDeps({ auth: { token: odd, oauth: null } }).deps);
    const res = await call(a, "/api/session-backend", { headers: { authorization: `Bearer ${odd}` } });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });

  test("/health stays open", async () => {
    const res = await call(app(), "/health");
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });

  test("with both configured, either credential works", async () => {
    const { app: both } = await oauthApp({ auth: { token: STATIC, oauth: OAUTH } });
    for (const t of [STATIC, await sign()]) {
      const res = await call(both, "/api/session-backend", { headers: bearer(t) });
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
  });
});

describe("browser sign-in", () => {
  async function login(a: ReturnType<typeof createHttpApp>, jar: Jar, token: string, next = "/status", host = "127.0.0.1:8080") {
    const csrf = csrfFrom(await (await call(a, `/login?next=${encodeURIComponent(next)}`, { jar, headers: { host } })).text());
    return postForm(a, "/login", { csrf, token, next }, { jar, headers: { host } });
  }

  test("pages without credentials redirect to the sign-in form; the API answers 401", async () => {
    const a = createHttpApp(fakeDeps({ auth: { token: STATIC, oauth: null } }).deps);
    for (const path of ["/status", "/qr"]) {
      const res = await call(a, path);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `/login?next=${encodeURIComponent(path)}`);
    }
    const api = await call(a, "/api/qr");
    assert.equal(api.status, 401);
    await api.body?.cancel();
    const bearerPage = await call(a, "/status", { headers: { authorization: `Bearer ${STATIC}` } });
    assert.equal(bearerPage.status, 200);
    await bearerPage.body?.cancel();
  });

  test("the right token gives an HttpOnly SameSite=Strict session cookie that opens pages and the API, not /mcp", async () => {
    const seen: unknown[] = [];
    const a = createHttpApp(fakeDeps({ auth: { token: STATIC, oauth: null }, mcp: async () => (seen.push(1), new Response("{}")) }).deps);
    const jar = new Jar();
    const res = await login(a, jar, STATIC, "/qr");
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/qr");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("wa_session="))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.doesNotMatch(cookie, new RegExp(STATIC), "the cookie is a session id, not the token");
    const page = await call(a, "/status", { jar });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Sign out/);
    const api = await call(a, "/api/status", { jar });
    assert.equal(api.status, 200);
    await api.body?.cancel();
    const mcp = await call(a, "/mcp", { jar, method: "POST", body: "{}" });
    assert.equal(mcp.status, 401);
    await mcp.body?.cancel();
    assert.equal(seen.length, 0);
  });

  test("a wrong token shows the form again with an error and sets no session", async () => {
    const a = createHttpApp(fakeDeps({ auth: { token: STATIC, oauth: null } }).deps);
    const jar = new Jar();
    const res = await login(a, jar, "wrong-token");
    assert.equal(res.status, 401);
    assert.match(await res.text(), /That token is not valid/);
    assert.ok(!jar.cookies.has("wa_session"));
  });

  test("sign-in without a valid CSRF token is refused", async () => {
    const a = createHttpApp(fakeDeps({ auth: { token: STATIC, oauth: null } }).deps);
    const res = await postForm(a, "/login", { token: STATIC, next: "/status" });
    assert.equal(res.status, 403);
    await res.body?.cancel();
    assert.equal(res.headers.getSetCookie().some((c) => c.startsWith("wa_session=") && !/Max-Age=0/.test(c)), false);
  });

  test("next cannot point elsewhere (no open redirect)", async () => {
    const a = createHttpApp(fakeDeps({ auth: { token: STATIC, oauth: null } }).deps);
    const res = await login(a, new Jar(), STATIC, "https://evil.example/");
    assert.equal(res.headers.get("location"), "/status");
  });

  test("sign-out ends the session: the old cookie no longer works", async () => {
    const a = createHttpApp(fakeDeps({ auth: { token: STATIC, oauth: null } }).deps);
    const jar = new Jar();
    await (await login(a, jar, STATIC)).body?.cancel();
    const old = jar.header();
    const csrf = csrfFrom(await (await call(a, "/status", { jar })).text());
    const out = await postForm(a, "/logout", { csrf }, { jar });
    assert.equal(out.status, 303);
    const again = await call(a, "/status", { headers: { cookie: old } });
    assert.equal(again.status, 303);
  });

  test("sessions expire after 12 hours", async () => {
    const { deps, clock } = fakeDeps({ auth: { token: STATIC, oauth: null } });
    const a = createHttpApp(deps);
    const jar = new Jar();
    await (await login(a, jar, STATIC)).body?.cancel();
    clock.advance(12 * 3600_000 + 1);
    const res = await call(a, "/status", { jar });
    assert.equal(res.status, 303);
  });

  test("after 10 failed attempts in a minute sign-in is blocked, even with the right token, until the minute ends", async () => {
    const { deps, clock } = fakeDeps({ auth: { token: STATIC, oauth: null } });
    const a = createHttpApp(deps);
    const jar = new Jar();
    for (let i = 0; i < 10; i++) await (await login(a, jar, `wrong-${i}`)).body?.cancel();
    const blocked = await login(a, jar, STATIC);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get("retry-after")) > 0);
    await blocked.body?.cancel();
    clock.advance(60_000);
    const ok = await login(a, jar, STATIC);
    assert.equal(ok.status, 303);
  });

  test("an OAuth JWT signs in too, and the session ends when the token would expire", async () => {
    const { app: a, clock } = await oauthApp();
    const jar = new Jar();
    const token = await sign({ exp: Math.floor(T0 / 1000) + 600 });
    const res = await login(a, jar, token, "/status", "wa.example.org");
    assert.equal(res.status, 303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-wa_session="));
    assert.ok(cookie, "over the https public URL the cookie is __Host- prefixed");
    assert.match(cookie!, /Secure/);
    const ok = await call(a, "/status", { jar, headers: { host: "wa.example.org" } });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    clock.advance(601_000);
    const expired = await call(a, "/status", { jar, headers: { host: "wa.example.org" } });
    assert.equal(expired.status, 303);
  });
});

describe("remote JWKS", () => {
  /** Serves an OpenID configuration and a JWKS on 127.0.0.1, counting fetches. */
  async function issuerServer(jwks: () => unknown) {
    const hits = { config: 0, jwks: 0 };
    const server = createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url === "/.well-known/openid-configuration") {
        hits.config++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks.json` }));
      } else if (req.url === "/jwks.json") {
        hits.jwks++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks()));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  async function signFor(issuer: string, claims: JWTPayload = {}, key: "good" | "stranger" = "good", kid = "k1") {
    const k = await keys();
    return new SignJWT({ sub: "user-1", ...claims }).setProtectedHeader({ alg: "ES256", kid }).setIssuer(issuer).setAudience(OAUTH.audience)
      .setExpirationTime(Math.floor(T0 / 1000) + 3600).sign(key === "good" ? k.good : k.stranger);
  }

  test("tokens are verified against a JWKS URL fetched over HTTP, once, then cached", async () => {
    const k = await keys();
    const srv = await issuerServer(() => ({ keys: [k.jwk] }));
    try {
      const { app } = await oauthApp({ keys: undefined }, { issuer: srv.base, jwksUrl: `${srv.base}/jwks.json` });
      for (let i = 0; i < 2; i++) {
        const res = await call(app, "/api/session-backend", { headers: bearer(await signFor(srv.base)) });
        assert.equal(res.status, 200);
        await res.body?.cancel();
      }
      assert.equal(srv.hits.jwks, 1);
      const stranger = await call(app, "/api/session-backend", { headers: bearer(await signFor(srv.base, {}, "stranger")) });
      assert.equal(stranger.status, 401);
      await stranger.body?.cancel();
    } finally {
      await srv.close();
    }
  });

  test("without a JWKS URL the keys are discovered from the issuer's openid-configuration", async () => {
    const k = await keys();
    const srv = await issuerServer(() => ({ keys: [k.jwk] }));
    try {
      const verifier = createOAuthVerifier({ ...OAUTH, issuer: srv.base, jwksUrl: null }, { now: () => T0 });
      const info = await verifier.verify(await signFor(srv.base));
      assert.equal(info.extra?.subject, "user-1");
      assert.equal(srv.hits.config, 1);
      assert.equal(srv.hits.jwks, 1);
    } finally {
      await srv.close();
    }
  });

  test("an unreachable issuer answers 503, not a silent pass or a misleading 401", async () => {
    const srv = await issuerServer(() => ({ keys: [] }));
    const base = srv.base;
    await srv.close(); // nothing listens there any more
    const { app } = await oauthApp({ keys: undefined }, { issuer: base, jwksUrl: `${base}/jwks.json` });
    const res = await call(app, "/api/session-backend", { headers: bearer(await signFor(base)) });
    assert.equal(res.status, 503);
    await res.body?.cancel();
  });

  test("keys are only fetched over https (or http on loopback)", async () => {
    const verifier = createOAuthVerifier({ ...OAUTH, jwksUrl: "http://keys.example/jwks.json" }, { now: () => T0 });
    await assert.rejects(verifier.verify(await sign()), (e: unknown) => e instanceof TokenError && e.code === "unavailable" && /https/.test(e.message));
  });
});

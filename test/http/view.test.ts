/**
 * The pure parts: dashboard formatting, the QR SVG, pairing codes, CSRF tokens,
 * sessions and the login limiter.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { encode } from "uqr";
import { sendToolCalled } from "../../src/http/app.ts";
import { createFailureLimiter } from "../../src/http/auth/limiter.ts";
import { createSessionStore, MAX_SESSIONS } from "../../src/http/auth/session.ts";
import { constantTimeEqual, newHmacKey } from "../../src/http/crypto.ts";
import { createCsrf } from "../../src/http/csrf.ts";
import { qrSvg } from "../../src/http/qr-svg.ts";
import { formatPairingCode, qrView } from "../../src/http/qr-view.ts";
import { accountNumber, formatAgo, formatBytes, statusView } from "../../src/http/status-view.ts";
import { initialLinkStatus } from "../../src/status/types.ts";
import { linkingStatus, manualNow, openStatus, QR_1, sampleStats, T0 } from "./fixtures.ts";

describe("status view", () => {
  test("formats bytes, ages and account numbers", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(1536), "1.5 KiB");
    assert.equal(formatBytes(187_432_960), "179 MiB");
    assert.equal(formatBytes(null), "—");
    assert.equal(formatAgo(T0 - 500, T0), "just now");
    assert.equal(formatAgo(T0 - 45_000, T0), "45 s ago");
    assert.equal(formatAgo(T0 - 3 * 3600_000, T0), "3 h ago");
    assert.equal(formatAgo(T0 + 10_000, T0), "in 10 s");
    assert.equal(formatAgo(null, T0), "never");
    assert.equal(accountNumber("4915112345678:12@s.whatsapp.net"), "+4915112345678");
  });

  test("badges: open is ok, linking is warn, logged out is bad, an unanswered actor is unavailable", () => {
    const backend = { messages: "sqljs", session: "sqljs" } as const;
    const base = { linkError: null, stats: sampleStats(), statsError: null, backend, now: T0 };
    assert.equal(statusView({ ...base, link: openStatus() }).badge.tone, "ok");
    assert.equal(statusView({ ...base, link: linkingStatus() }).badge.tone, "warn");
    assert.equal(statusView({ ...base, link: { ...initialLinkStatus(T0), state: "logged_out" } }).badge.tone, "bad");
    const down = statusView({ ...base, link: null, linkError: "timeout" });
    assert.deepEqual(down.badge, { state: "unavailable", label: "Unavailable", tone: "bad" });
    assert.equal(down.fields.linkError, "connection: timeout");
  });

  test("reconnect and PostgreSQL journal lines", () => {
    const link = { ...initialLinkStatus(T0 - 1000), state: "reconnecting" as const, reconnectAttempt: 3, nextRetryAt: T0 + 8000 };
    const stats = { ...sampleStats(), backend: "postgres" as const, journal: null, snapshot: null };
    const v = statusView({ link, linkError: null, stats, statsError: null, backend: { messages: "postgres", session: "postgres" }, now: T0 });
    assert.equal(v.fields.reconnect, "attempt 3, next in 8 s");
    assert.equal(v.fields.journal, "not used");
    assert.equal(v.fields.snapshot, "not used");
    assert.equal(v.fields.backend, "PostgreSQL");
  });
});

describe("QR", () => {
  test("the SVG path covers exactly the dark modules uqr encodes", () => {
    const svg = qrSvg(QR_1);
    const qr = encode(QR_1, { ecc: "M", border: 2 });
    assert.match(svg, new RegExp(`viewBox="0 0 ${qr.size} ${qr.size}"`));
    const grid = Array.from({ length: qr.size }, () => new Array<boolean>(qr.size).fill(false));
    for (const m of svg.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
      const [x, y, w] = [Number(m[1]), Number(m[2]), Number(m[3])];
      for (let i = 0; i < w; i++) grid[y]![x + i] = true;
    }
    assert.deepEqual(grid, qr.data);
    assert.doesNotMatch(svg, /<script|on\w+=|href/);
  });

  test("qrView shows the SVG only while not linked, and formats pairing codes", () => {
    assert.ok(qrView(linkingStatus()).svg?.startsWith("<svg"));
    const open = qrView(openStatus());
    assert.equal(open.svg, null);
    assert.equal(open.linked, true);
    assert.equal(qrView({ ...linkingStatus(), qr: null, state: "pairing_code", pairingCode: "abcd1234" }).pairingCode, "ABCD-1234");
    assert.equal(formatPairingCode("WXYZ-9876"), "WXYZ-9876");
    assert.equal(qrView(null).canPair, false);
  });
});

describe("input helpers", () => {
  test("sendToolCalled finds send tools in single and batch JSON-RPC bodies", () => {
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const isSend = (n: string) => n === "send_message";
    assert.equal(sendToolCalled(enc({ method: "tools/call", params: { name: "send_message" } }), isSend), "send_message");
    assert.equal(sendToolCalled(enc([{ method: "tools/list" }, { method: "tools/call", params: { name: "send_message" } }]), isSend), "send_message");
    assert.equal(sendToolCalled(enc({ method: "tools/call", params: { name: "list_chats" } }), isSend), null);
    assert.equal(sendToolCalled(new TextEncoder().encode("{not json"), isSend), null);
  });
});

describe("tokens and sessions", () => {
  test("constantTimeEqual compares whole strings", async () => {
    assert.equal(await constantTimeEqual("abc", "abc"), true);
    assert.equal(await constantTimeEqual("abc", "abd"), false);
    assert.equal(await constantTimeEqual("abc", "abcd"), false);
    assert.equal(await constantTimeEqual("", ""), true);
  });

  test("a CSRF token verifies only with its own cookie and key", async () => {
    const csrf = createCsrf(await newHmacKey());
    const other = createCsrf(await newHmacKey());
    const { setCookie, token } = await csrf.issue(undefined);
    assert.ok(setCookie);
    assert.equal(await csrf.verify(setCookie!, token), true);
    assert.equal((await csrf.issue(setCookie!)).setCookie, null, "an existing cookie is reused");
    assert.equal(await other.verify(setCookie!, token), false);
    const second = await csrf.issue(undefined);
    assert.equal(await csrf.verify(second.setCookie!, token), false);
    assert.equal(await csrf.verify(setCookie!, ""), false);
    assert.equal(await csrf.verify(undefined, token), false);
  });

  test("sessions expire, can be deleted, and are capped", () => {
    const clock = manualNow();
    const store = createSessionStore(clock.now);
    const s = store.create("static", null, null);
    assert.equal(store.get(s.id)?.id, s.id);
    const short = store.create("oauth", "user-1", T0 + 1000);
    assert.equal(short.expiresAt, T0 + 1000);
    clock.advance(1000);
    assert.equal(store.get(short.id), null);
    store.delete(s.id);
    assert.equal(store.get(s.id), null);
    for (let i = 0; i < MAX_SESSIONS + 10; i++) store.create("static", null, null);
    assert.ok(store.size() <= MAX_SESSIONS);
  });

  test("the failure limiter blocks after the maximum and reopens when the window ends", () => {
    const clock = manualNow();
    const lim = createFailureLimiter(clock.now, 3, 60_000);
    for (let i = 0; i < 3; i++) {
      assert.equal(lim.retryAfter(), 0);
      lim.fail();
    }
    assert.equal(lim.retryAfter(), 60_000);
    clock.advance(59_000);
    assert.equal(lim.retryAfter(), 1_000);
    clock.advance(1_000);
    assert.equal(lim.retryAfter(), 0);
  });
});

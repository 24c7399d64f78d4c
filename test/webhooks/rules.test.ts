/**
 * The webhooks' pure rules: which URLs may receive events, the settings as parsed from the
 * environment, the signature a receiver checks, the retry plan, and the payload's two levels.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import { repoRoot } from "../helpers/paths.ts";
import { buildConfig } from "../../src/config/parse.ts";
import { endpointLabel, webhookUrlProblem } from "../../src/webhooks/settings.ts";
import { signWebhook, verifyWebhook, webhookEventId } from "../../src/webhooks/signature.ts";
import { backoffMs, endpointUnavailable, planAttempt, retryAfterMs, type RetryPolicy } from "../../src/webhooks/policy.ts";
import { buildWebhookPayload } from "../../src/webhooks/payload.ts";
import type { MessageView, WebhookDue } from "../../src/store/types.ts";

const host = { platform: "linux" as const, home: "/home/u", env: {} };
const SECRET = "0123456789abcdef-secret";

describe("webhook URLs and settings", () => {
  test("HTTPS anywhere, plain HTTP only to this machine, no credentials in the URL", () => {
    assert.equal(webhookUrlProblem("https://hooks.example.com/wa?token=x"), null);
    assert.equal(webhookUrlProblem("http://127.0.0.1:8787/hook"), null);
    assert.equal(webhookUrlProblem("http://localhost/hook"), null);
    assert.equal(webhookUrlProblem("http://[::1]:9000/"), null);
    assert.match(webhookUrlProblem("http://hooks.example.com/")!, /only to this machine/);
    assert.match(webhookUrlProblem("http://192.168.1.5/")!, /only to this machine/);
    assert.match(webhookUrlProblem("ftp://example.com/")!, /https/);
    assert.match(webhookUrlProblem("https://user:pw@example.com/")!, /user:password/);
    assert.match(webhookUrlProblem("not a url")!, /absolute URL/);
  });

  test("status and logs name an endpoint by scheme, host and port only", () => {
    assert.equal(endpointLabel("https://hooks.example.com/T0K3N/path?key=secret"), "https://hooks.example.com/…");
    assert.equal(endpointLabel("http://127.0.0.1:9000/"), "http://127.0.0.1:9000/");
  });

  test("the environment: several URLs, filters as JIDs, a secret required, errors without the value", () => {
    const cfg = buildConfig([], {
      WHATSAPP_MCP_WEBHOOK_URL: "https://a.example/h, http://127.0.0.1:9/h",
      WHATSAPP_MCP_WEBHOOK_SECRET: SECRET,
      WHATSAPP_MCP_WEBHOOK_CHATS: "+49 151 1234 5678, 120363000000000001@g.us",
      WHATSAPP_MCP_WEBHOOK_EVENTS: "message,Link",
      WHATSAPP_MCP_WEBHOOK_INCLUDE_BODY: "true",
    }, host);
    assert.deepEqual(cfg.webhooks.urls, ["https://a.example/h", "http://127.0.0.1:9/h"]);
    assert.deepEqual(cfg.webhooks.chats, ["4915112345678@s.whatsapp.net", "120363000000000001@g.us"]);
    assert.deepEqual(cfg.webhooks.events, ["message", "link"]);
    assert.equal(cfg.webhooks.includeBody, true);
    const off = buildConfig([], {}, host).webhooks;
    assert.deepEqual([off.urls, off.chats, off.includeBody, off.events.length], [[], null, false, 5]);

    assert.throws(() => buildConfig([], { WHATSAPP_MCP_WEBHOOK_URL: "https://a.example/h" }, host), /WHATSAPP_MCP_WEBHOOK_SECRET/);
    assert.throws(() => buildConfig([], { WHATSAPP_MCP_WEBHOOK_URL: "http://example.com/h", WHATSAPP_MCP_WEBHOOK_SECRET: SECRET }, host), /only to this machine/);
    assert.throws(() => buildConfig([], { WHATSAPP_MCP_WEBHOOK_EVENTS: "message,typing" }, host), /WHATSAPP_MCP_WEBHOOK_EVENTS/);
    let short = "";
    try {
      buildConfig([], { WHATSAPP_MCP_WEBHOOK_SECRET: "tooshort-secret" }, host);
    } catch (err) {
      short = (err as Error).message;
    }
    assert.match(short, /at least 16 characters/);
    assert.equal(short.includes("tooshort-secret"), false, "the secret is not echoed");
  });
});

describe("webhook signature", () => {
  const body = JSON.stringify({ id: "evt_1", type: "message" });
  const now = Date.parse("2026-01-01T00:00:00Z");
  const t = Math.floor(now / 1000);

  test("HMAC-SHA256 over timestamp + '.' + body, as the README's recipe computes it", async () => {
    const header = await signWebhook(SECRET, t, body);
    assert.match(header, new RegExp(`^t=${t},v1=[0-9a-f]{64}$`));
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${body}`)));
    assert.equal(header.split("v1=")[1], [...mac].map((b) => b.toString(16).padStart(2, "0")).join(""));
  });

  test("verification fails closed: wrong secret, changed body, stale or missing timestamp, no header", async () => {
    const header = await signWebhook(SECRET, t, body);
    assert.equal(await verifyWebhook(SECRET, header, body, now), true);
    assert.equal(await verifyWebhook("another-secret-0123456789", header, body, now), false);
    assert.equal(await verifyWebhook(SECRET, header, body + " ", now), false);
    assert.equal(await verifyWebhook(SECRET, header, body, now + 301_000), false);
    assert.equal(await verifyWebhook(SECRET, header.replace(/^t=\d+,/, ""), body, now), false);
    assert.equal(await verifyWebhook(SECRET, `t=${t + 1},${header.split(",")[1]}`, body, now), false, "the timestamp is signed");
    assert.equal(await verifyWebhook(SECRET, null, body, now), false);
  });

  test("the README's verification recipe accepts our signature and refuses a wrong secret or a stale one", async () => {
    const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
    const block = /```js\n(\s*import \{ createHmac, timingSafeEqual \} from "node:crypto";[\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, "the recipe is in the README");
    const code = block.split("\n").filter((l) => !l.includes("import {")).join("\n");
    const verify = new Function("createHmac", "timingSafeEqual", "Buffer", `${code}\nreturn verify;`)(createHmac, timingSafeEqual, Buffer) as (
      secret: string, header: string | null, rawBody: string) => boolean;
    const fresh = Math.floor(Date.now() / 1000);
    const header = await signWebhook(SECRET, fresh, body);
    assert.equal(verify(SECRET, header, body), true);
    assert.equal(verify("another-secret-0123456789", header, body), false);
    assert.equal(verify(SECRET, header, body.replace("evt_1", "evt_2")), false);
    assert.equal(verify(SECRET, await signWebhook(SECRET, fresh - 3600, body), body), false);
    assert.equal(verify(SECRET, null, body), false);
  });

  test("event ids depend only on what identifies the event", async () => {
    const a = await webhookEventId(["message", "x@s.whatsapp.net", "M1", 5]);
    assert.equal(a, await webhookEventId(["message", "x@s.whatsapp.net", "M1", 5]));
    assert.notEqual(a, await webhookEventId(["edit", "x@s.whatsapp.net", "M1", 5]));
    assert.match(a, /^evt_[0-9a-f]{32}$/);
  });
});

describe("webhook retry plan", () => {
  const p: RetryPolicy = { baseMs: 1_000, capMs: 600_000, maxAttempts: 5, maxAgeMs: 86_400_000, random: () => 0.5 };
  const due: WebhookDue = { eventSeq: 7, url: "https://a.example/h", attempts: 0, kind: "message", chatJid: "c", messageId: "m", at: 0, detail: null, createdAt: 1_000 };

  test("exponential steps with jitter between half and the full step, capped", () => {
    assert.equal(backoffMs(1, { ...p, random: () => 0 }), 500);
    assert.equal(backoffMs(1, { ...p, random: () => 0.999999 }), 1_000);
    assert.equal(backoffMs(4, p), 6_000);
    assert.equal(backoffMs(40, { ...p, random: () => 0.999999 }), 600_000);
  });

  test("delivered; unavailable gates the endpoint (Retry-After honoured); rejected retries alone; the caps give up", () => {
    assert.deepEqual(planAttempt(due, { ok: true, status: 204 }, 5_000, 3, p), { op: "webhookAttempt", eventSeq: 7, url: due.url, at: 5_000, result: "delivered" });
    const down = planAttempt(due, { ok: false, status: null, error: "refused" }, 5_000, 2, p);
    assert.deepEqual(down, { op: "webhookAttempt", eventSeq: 7, url: due.url, at: 5_000, result: "retry", error: "refused", nextAt: 8_000, endpointRetryAt: 8_000 });
    const later = planAttempt(due, { ok: false, status: 429, error: "HTTP 429", retryAfterMs: 120_000 }, 5_000, 0, p);
    assert.equal((later as { endpointRetryAt: number }).endpointRetryAt, 125_000);
    const rejected = planAttempt(due, { ok: false, status: 400, error: "HTTP 400" }, 5_000, 0, p);
    assert.equal((rejected as { endpointRetryAt: number | null }).endpointRetryAt, null);
    assert.equal((rejected as { nextAt: number }).nextAt, 5_750);
    const last = planAttempt({ ...due, attempts: 4 }, { ok: false, status: 500, error: "HTTP 500" }, 5_000, 0, p);
    assert.equal((last as { result: string }).result, "dead");
    assert.match((last as { error: string }).error, /gave up after 5 attempts/);
    const old = planAttempt(due, { ok: false, status: 500, error: "HTTP 500" }, 1_000 + p.maxAgeMs, 0, p);
    assert.match((old as { error: string }).error, /older than the maximum age/);
    assert.equal(endpointUnavailable({ ok: false, status: 302, error: "" }), true);
    assert.equal(endpointUnavailable({ ok: false, status: 404, error: "" }), false);
    assert.equal(retryAfterMs("30", 0), 30_000);
    assert.equal(retryAfterMs("Thu, 01 Jan 1970 00:01:00 GMT", 0), 60_000);
    assert.equal(retryAfterMs("soon", 0), null);
  });
});

describe("webhook payload", () => {
  const due: WebhookDue = {
    eventSeq: 1, url: "u", attempts: 0, kind: "message", chatJid: "4915112345678@s.whatsapp.net", messageId: "M1",
    at: Date.parse("2025-01-01T00:00:00Z"), detail: null, createdAt: Date.parse("2025-01-01T00:00:05Z"),
  };
  const m: MessageView = {
    chatJid: due.chatJid!, id: "M1", senderId: due.chatJid, fromMe: false, ts: due.at, type: "image", text: "caption text",
    quotedId: null, editedText: null, editedAt: null, revoked: false, viewOnce: false, status: null,
    media: { mimetype: "image/jpeg", fileName: "beach.jpg", fileLength: 1234, durationSec: null, directPath: null, url: null, mediaKey: null, fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: null },
    senderName: "Alice", senderPhone: "+4915112345678", chatName: "Alice", reactions: [{ reactorId: "me@s.whatsapp.net", emoji: "👍" }], rank: null,
  };

  test("metadata only by default: no text, captions, file names, names or emoji", () => {
    const p = buildWebhookPayload("evt_x", due, m, false);
    const json = JSON.stringify(p);
    for (const secret of ["caption text", "beach.jpg", "Alice", "👍"]) assert.equal(json.includes(secret), false, secret);
    assert.deepEqual(p.message, {
      id: "M1", from_me: false, sender_jid: due.chatJid, timestamp: "2025-01-01T00:00:00.000Z", type: "image", has_media: true,
      media_mimetype: "image/jpeg", media_size: 1234, quoted_id: null, edited: false, deleted: false, reactions_count: 1,
    });
    assert.deepEqual([p.occurred_at, p.recorded_at, p.body_included, p.chat], ["2025-01-01T00:00:00.000Z", "2025-01-01T00:00:05.000Z", false, { jid: due.chatJid, kind: "person" }]);
  });

  test("with bodies: texts, file names, names and reactions; a deleted message's text never", () => {
    const p = buildWebhookPayload("evt_x", due, m, true);
    assert.equal(p.message!.text, "caption text");
    assert.equal(p.message!.file_name, "beach.jpg");
    assert.equal(p.message!.sender_name, "Alice");
    assert.equal(p.chat!.name, "Alice");
    assert.deepEqual(p.message!.reactions, [{ reactor_jid: "me@s.whatsapp.net", emoji: "👍" }]);
    assert.equal(buildWebhookPayload("evt_x", { ...due, kind: "delete" }, { ...m, revoked: true }, true).message!.text, null);
    assert.equal(buildWebhookPayload("evt_x", due, null, true).message, null, "no longer stored");
  });
});

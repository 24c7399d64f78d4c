/**
 * The webhook outbox part of the repository contract (both backends): events queued in the
 * commit of the change that causes them, per-endpoint filters, attempt outcomes, the endpoint's
 * backoff gate, dead deliveries kept and counted, and all of it across a reopen.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MessageRow, Repository, WebhookDue, WebhookEndpointSpec, WriteOp } from "../../src/store/types.ts";

const ALICE = "4915112345678@s.whatsapp.net";
const GROUP = "120363000000000001@g.us";
const T0 = Date.parse("2025-01-15T10:00:00Z");
const A = "https://a.example/hook";
const B = "https://b.example/hook";
const L = "http://127.0.0.1:9/link-only";
/** Far enough ahead that every wait has passed. */
const LATER = () => Date.now() + 10 * 365 * 86_400_000;

function live(chatJid: string, id: string, ts: number): WriteOp {
  const m: MessageRow = {
    chatJid, id, senderId: chatJid === GROUP ? ALICE : chatJid, fromMe: false, ts, type: "text", text: "body", quotedId: null,
    editedText: null, editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw: null,
  };
  return { op: "upsertMessage", message: m, live: true };
}

const ENDPOINTS: WebhookEndpointSpec[] = [
  { url: A, chats: null, events: ["message", "edit", "delete", "reaction", "link"] },
  { url: B, chats: [ALICE], events: ["message"] },
  { url: L, chats: [GROUP], events: ["link"] },
];

const shape = (due: WebhookDue[]) => due.map((d) => [d.kind, d.chatJid, d.messageId, d.url]);

/** Registers the tests; `withRepo` is the suite's fresh-store wrapper. */
export function webhookOutboxTests(
  withRepo: (fn: (repo: Repository, reopen: () => Promise<Repository>) => Promise<void>) => () => Promise<void>,
): void {
  test("webhooks: live changes are queued in their own commit, only for the endpoints whose filters take them", withRepo(async (repo) => {
    await repo.commit([live(ALICE, "X0", T0)]);
    assert.deepEqual(await repo.webhookDue(LATER(), 100), [], "no endpoint configured: nothing queued");
    await repo.commit([{ op: "setWebhookEndpoints", endpoints: ENDPOINTS, at: T0 }]);
    const before = Date.now();
    await repo.commit([
      live(ALICE, "M1", T0 + 1),
      live(GROUP, "M2", T0 + 2),
      { op: "upsertMessage", message: { ...(live(ALICE, "H1", T0) as { message: MessageRow }).message }, live: false },
      { op: "editMessage", chatJid: ALICE, id: "M1", text: "edited", editedAt: T0 + 3, by: { fromMe: false, id: ALICE }, live: true },
    ]);
    // A re-delivery of the same message queues nothing more.
    await repo.commit([live(ALICE, "M1", T0 + 1)]);
    const due = await repo.webhookDue(LATER(), 100);
    assert.deepEqual(shape(due), [
      ["message", ALICE, "M1", A],
      ["message", ALICE, "M1", B],
      ["message", GROUP, "M2", A],
      ["edit", ALICE, "M1", A],
    ]);
    assert.equal(due[0]!.eventSeq, due[1]!.eventSeq, "one event, one delivery per endpoint");
    assert.equal(due[0]!.at, T0 + 1);
    assert.ok(due[0]!.createdAt >= before && due[0]!.createdAt <= Date.now(), "recorded now, not at the message's time");
    assert.equal(due[3]!.at, T0 + 3);

    await repo.commit([{ op: "recordLinkEvent", state: "open", previous: "connecting", error: null, at: T0 + 9 }]);
    const link = (await repo.webhookDue(LATER(), 100)).filter((d) => d.kind === "link");
    assert.deepEqual(link.map((d) => d.url).sort(), [A, L].sort(), "link events ignore the chat filter");
    assert.deepEqual(JSON.parse(link[0]!.detail!), { state: "open", previous: "connecting", error: null });
    assert.equal(link[0]!.at, T0 + 9);

    const status = await repo.webhookStatus();
    assert.deepEqual(status.map((s) => [s.url, s.pending, s.delivered, s.dead, s.failures]), [[L, 1, 0, 0, 0], [A, 4, 0, 0, 0], [B, 1, 0, 0, 0]], "by URL");
    assert.equal(await repo.webhookNextDue(), 0, "due at once");
  }));

  test("webhooks: delivered goes and is counted; a retry waits; the endpoint's gate holds its other deliveries; dead is kept", withRepo(async (repo, reopen) => {
    await repo.commit([{ op: "setWebhookEndpoints", endpoints: ENDPOINTS.slice(0, 2), at: T0 }]);
    await repo.commit([live(ALICE, "M1", T0 + 1), live(ALICE, "M2", T0 + 2), live(ALICE, "M3", T0 + 3)]);
    const now = Date.now();
    const [m1a, m1b, m2a, , m3a] = await repo.webhookDue(now, 100);
    assert.deepEqual([m1a, m1b, m2a, m3a].map((d) => [d!.messageId, d!.url]), [["M1", A], ["M1", B], ["M2", A], ["M3", A]]);

    await repo.commit([{ op: "webhookAttempt", eventSeq: m1a!.eventSeq, url: A, at: now, result: "delivered" }]);
    // A second "delivered" for the same row (a duplicate answer) counts nothing.
    await repo.commit([{ op: "webhookAttempt", eventSeq: m1a!.eventSeq, url: A, at: now, result: "delivered" }]);
    // B is unavailable: its delivery retries in a minute and nothing goes to B for a minute.
    await repo.commit([{ op: "webhookAttempt", eventSeq: m1b!.eventSeq, url: B, at: now, result: "retry", nextAt: now + 60_000, error: "HTTP 503", endpointRetryAt: now + 60_000 }]);
    // A rejected M2 for good.
    await repo.commit([{ op: "webhookAttempt", eventSeq: m2a!.eventSeq, url: A, at: now, result: "dead", error: "HTTP 400 (after 5 attempts)" }]);
    const due = await repo.webhookDue(now, 100);
    assert.deepEqual(shape(due), [["message", ALICE, "M3", A]], "B gated, M1 delivered to A, M2 dead");
    assert.equal((await repo.webhookDue(now + 60_000, 100)).filter((d) => d.url === B).length, 3, "after the gate, every B delivery");
    assert.equal(await repo.webhookNextDue(), 0, "M3 to A is due now");

    await repo.close();
    const again = await reopen();
    try {
      const byUrl = Object.fromEntries((await again.webhookStatus()).map((s) => [s.url, s]));
      assert.equal(byUrl[A]!.delivered, 1);
      assert.equal(byUrl[A]!.dead, 1);
      assert.equal(byUrl[A]!.pending, 1);
      assert.equal(byUrl[A]!.lastError, "HTTP 400 (after 5 attempts)");
      assert.equal(byUrl[A]!.failures, 1, "a failure after the success");
      assert.equal(byUrl[B]!.pending, 3);
      assert.equal(byUrl[B]!.failures, 1);
      assert.equal(byUrl[B]!.retryAt, now + 60_000);
      assert.equal(byUrl[B]!.lastError, "HTTP 503");
      assert.ok(byUrl[B]!.oldestPendingAt! <= Date.now());
      assert.equal(byUrl[A]!.lastDeliveredAt, now);
      const m1bAgain = (await again.webhookDue(now + 60_000, 100)).find((d) => d.url === B && d.messageId === "M1");
      assert.equal(m1bAgain?.attempts, 1, "the attempt count survives the restart");
      // Success clears the gate and the failure count.
      await again.commit([{ op: "webhookAttempt", eventSeq: m1b!.eventSeq, url: B, at: now + 61_000, result: "delivered" }]);
      const b = (await again.webhookStatus()).find((s) => s.url === B)!;
      assert.deepEqual([b.failures, b.retryAt, b.delivered, b.pending], [0, null, 1, 2]);
    } finally {
      await again.close();
    }
  }));

  test("webhooks: a URL removed from the configuration gives up its deliveries; old events expire; both kept and counted", withRepo(async (repo) => {
    await repo.commit([{ op: "setWebhookEndpoints", endpoints: ENDPOINTS.slice(0, 2), at: T0 }]);
    await repo.commit([live(ALICE, "M1", T0 + 1)]);
    await repo.commit([{ op: "setWebhookEndpoints", endpoints: [ENDPOINTS[0]!], at: T0 + 5 }]);
    assert.deepEqual((await repo.webhookStatus()).map((s) => s.url), [A], "only active endpoints are shown");
    assert.deepEqual(shape(await repo.webhookDue(LATER(), 100)), [["message", ALICE, "M1", A]]);
    // A later live message is not queued for the removed URL.
    await repo.commit([live(ALICE, "M2", T0 + 2)]);
    assert.deepEqual((await repo.webhookDue(LATER(), 100)).map((d) => d.url), [A, A]);
    // Everything recorded before "now + 1" is too old.
    await repo.commit([{ op: "expireWebhooks", before: Date.now() + 1, at: Date.now() }]);
    assert.deepEqual(await repo.webhookDue(LATER(), 100), []);
    assert.equal(await repo.webhookNextDue(), null);
    const a = (await repo.webhookStatus())[0]!;
    assert.deepEqual([a.pending, a.dead], [0, 2]);
    // Re-adding B shows the one delivery it gave up.
    await repo.commit([{ op: "setWebhookEndpoints", endpoints: ENDPOINTS.slice(0, 2), at: T0 + 6 }]);
    const b = (await repo.webhookStatus()).find((s) => s.url === B)!;
    assert.deepEqual([b.pending, b.dead], [0, 1]);
  }));
}

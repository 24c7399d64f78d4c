/**
 * The webhook actor in a real tree (live hub, sql.js store, webhook actor) delivering to a REAL
 * local receiver (node:http): speed and signature, a receiver that is down for a while, a restart
 * with pending rows, filters, bodies only when opted in, link events, redirects, giving up.
 * Live changes are committed the way the sync actor commits them (`live: true` ops).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRegistry, startTree, type Tree, worker } from "../../supervisors/mod.ts";
import { storeBehavior } from "../../src/store/actor.ts";
import { storeClient } from "../../src/store/client.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import { openPostgresRepository } from "../../src/store/postgres/repository.ts";
import { pgTestServer } from "../store/pg_harness.ts";
import type { MessageRow, Repository, WriteOp } from "../../src/store/types.ts";
import { createLiveHub, liveHubBehavior } from "../../src/live/hub.ts";
import { LIVE } from "../../src/live/client.ts";
import { webhookBehavior } from "../../src/webhooks/actor.ts";
import { WEBHOOKS, type WebhookMsg } from "../../src/webhooks/client.ts";
import { NO_WEBHOOKS, type WebhookSettings } from "../../src/webhooks/settings.ts";
import { verifyWebhook } from "../../src/webhooks/signature.ts";
import { type Receiver, startReceiver } from "../helpers/webhook_receiver.ts";
import { until } from "../helpers/until.ts";

const SECRET = "test-secret-0123456789abcdef";
const ALICE = "4915112345678@s.whatsapp.net";
const GROUP = "120363000000000001@g.us";
const BODY = "Meet me at the north entrance";

let nextTs = Date.parse("2025-03-01T09:00:00Z");
function live(chatJid: string, id: string, text = BODY): WriteOp {
  const m: MessageRow = {
    chatJid, id, senderId: chatJid === GROUP ? ALICE : chatJid, fromMe: false, ts: nextTs++, type: "text", text, quotedId: null,
    editedText: null, editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw: null,
  };
  return { op: "upsertMessage", message: m, live: true };
}

interface World {
  tree: Tree;
  repo: Repository;
  tell(msg: WebhookMsg): void;
}

const pg = await pgTestServer("wa_webhooks");

describe("webhook actor against a real local receiver", () => {
  const trees: Tree[] = [];
  const receivers: Receiver[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const t of trees.reverse()) await t.stop().catch(() => {});
    for (const r of receivers) await r.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function receiver(): Promise<Receiver> {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  }

  async function world(
    settings: Partial<WebhookSettings>,
    dir = mkdtempSync(join(tmpdir(), "wa-webhooks-")),
    pgUrl: string | null = null,
  ): Promise<World & { dir: string }> {
    if (!dirs.includes(dir)) dirs.push(dir);
    const open = () => (pgUrl ? openPostgresRepository({ url: pgUrl }) : openSqljsRepository({ dir }));
    const registry = createRegistry();
    const hub = createLiveHub();
    const repo = storeClient(registry);
    const s: WebhookSettings = { ...NO_WEBHOOKS, secret: SECRET, timeoutMs: 2_000, ...settings };
    const tree = await startTree({
      strategy: "one_for_one",
      intensity: 3,
      periodMs: 60_000,
      children: [
        worker("live", () => liveHubBehavior(hub)),
        worker("store", () => storeBehavior(open, { publishTo: LIVE })),
        worker(WEBHOOKS, () => webhookBehavior({ settings: s, repo, live: hub, backoff: { baseMs: 40, capMs: 300 }, sweepMs: 200 })),
      ],
    }, { registry });
    trees.push(tree);
    return { tree, repo, dir, tell: (msg) => registry.tell(WEBHOOKS, msg) };
  }

  test("a new message reaches the receiver within 1 s, signed; a wrong secret fails the verification", async () => {
    const r = await receiver();
    const w = await world({ urls: [r.url] });
    const sentAt = Date.now();
    await w.repo.commit([live(ALICE, "M1")]);
    const got = await until("the event", async () => r.received[0]);
    assert.ok(got.at - sentAt < 1000, `arrived ${got.at - sentAt} ms after the commit`);
    assert.equal(got.path, "/hook");
    assert.equal(got.headers["content-type"], "application/json");
    assert.equal(got.json.type, "message");
    assert.equal(got.json.chat.jid, ALICE);
    assert.equal(got.json.message.id, "M1");
    assert.equal(got.headers["x-whatsapp-mcp-event-id"], got.json.id);
    assert.equal(got.headers["x-whatsapp-mcp-event"], "message");
    assert.match(got.headers["x-whatsapp-mcp-signature"]!, /^t=\d+,v1=[0-9a-f]{64}$/);
    const header = got.headers["x-whatsapp-mcp-signature"]!;
    assert.equal(await verifyWebhook(SECRET, header, got.body, Date.now()), true, "valid under the shared secret");
    assert.equal(await verifyWebhook("another-secret-0123456789", header, got.body, Date.now()), false, "a wrong secret fails");
    assert.equal(await verifyWebhook(SECRET, header, got.body.replace("M1", "M2"), Date.now()), false, "a changed body fails");
    assert.equal(await verifyWebhook(SECRET, header, got.body, Date.now() + 3_600_000), false, "an old timestamp fails");
    await until("delivered counted", async () => (await w.repo.webhookStatus())[0]?.delivered === 1);
    assert.equal((await w.repo.webhookStatus())[0]!.pending, 0);
  });

  test("a receiver down for a while gets every event once back, each id at least once (dedupe by id)", async () => {
    const r = await receiver();
    const w = await world({ urls: [r.url] });
    await r.down();
    for (let i = 0; i < 5; i++) await w.repo.commit([live(ALICE, `D${i}`)]);
    const failing = await until("failing shown", async () => {
      const s = (await w.repo.webhookStatus())[0];
      return s && s.failures > 0 ? s : null;
    });
    assert.equal(failing.pending, 5);
    assert.match(failing.lastError ?? "", /refused the connection/);
    assert.doesNotMatch(failing.lastError ?? "", /127\.0\.0\.1|hook/, "no URL in the error");
    await new Promise((res) => setTimeout(res, 500)); // a few backoff steps while down
    for (let i = 5; i < 8; i++) await w.repo.commit([live(ALICE, `D${i}`)]);
    await r.up();
    await until("all 8 delivered", async () => (await w.repo.webhookStatus())[0]?.delivered === 8, 10_000);
    const ids = new Set(r.received.map((x) => x.json.id));
    const messages = new Set(r.received.map((x) => x.json.message.id));
    assert.equal(ids.size, 8, "8 distinct event ids");
    assert.deepEqual([...messages].sort(), ["D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7"]);
    assert.equal((await r.verified(SECRET)).length, r.received.length, "every request signed");
    const s = (await w.repo.webhookStatus())[0]!;
    assert.deepEqual([s.pending, s.failures, s.dead, s.retryAt], [0, 0, 0, null]);
  });

  test("pending rows of a stopped server are delivered after the restart, with the same event ids", async () => {
    const r = await receiver();
    const first = await world({ urls: [r.url] });
    // The receiver answers 503: the first attempt's id is noted, the event stays pending.
    r.respond = () => ({ status: 503, headers: { "retry-after": "60" } });
    await first.repo.commit([live(ALICE, "R1")]);
    await first.repo.commit([live(GROUP, "R2")]);
    await until("an attempt", async () => r.received.length > 0);
    const before = new Map(r.received.map((x) => [x.json.message.id, x.json.id]));
    assert.equal((await first.repo.webhookStatus())[0]?.pending, 2);
    await first.tree.stop();
    r.respond = () => ({ status: 204 });
    const n = r.received.length;
    const second = await world({ urls: [r.url] }, first.dir);
    await until("both delivered after the restart", async () => (await second.repo.webhookStatus())[0]?.delivered === 2, 10_000);
    const after = r.received.slice(n);
    assert.deepEqual(after.map((x) => x.json.message.id).sort(), ["R1", "R2"]);
    for (const x of after) if (before.has(x.json.message.id)) assert.equal(x.json.id, before.get(x.json.message.id), "same id as before the restart");
  });

  test("PostgreSQL store: events queued while the receiver was down are delivered after a restart", { skip: pg.skip }, async () => {
    const r = await receiver();
    const url = await pg.freshSchemaUrl();
    const first = await world({ urls: [r.url] }, undefined, url);
    await r.down();
    await first.repo.commit([live(ALICE, "P1")]);
    await first.repo.commit([live(GROUP, "P2")]);
    await until("failing", async () => ((await first.repo.webhookStatus())[0]?.failures ?? 0) > 0);
    await first.tree.stop();
    await r.up();
    const second = await world({ urls: [r.url] }, undefined, url);
    await until("both delivered", async () => (await second.repo.webhookStatus())[0]?.delivered === 2, 10_000);
    assert.deepEqual(r.received.map((x) => x.json.message.id).sort(), ["P1", "P2"]);
  });

  test("filters: only the configured chats and event kinds are sent", async () => {
    const r = await receiver();
    const w = await world({ urls: [r.url], chats: [ALICE], events: ["message", "reaction"] });
    await w.repo.commit([live(GROUP, "G1")]);
    await w.repo.commit([live(ALICE, "A1")]);
    await w.repo.commit([{ op: "editMessage", chatJid: ALICE, id: "A1", text: "edited", editedAt: nextTs++, by: { fromMe: false, id: ALICE }, live: true }]);
    await w.repo.commit([{ op: "upsertReaction", reaction: { chatJid: ALICE, messageId: "A1", reactorId: ALICE, emoji: "👍", ts: nextTs++ }, live: true }]);
    w.tell({ type: "link", state: "open", previous: "connecting", error: null, at: Date.now() });
    await until("two events", async () => r.received.length >= 2);
    await new Promise((res) => setTimeout(res, 300)); // nothing else arrives
    assert.deepEqual(r.received.map((x) => [x.json.type, x.json.chat.jid, x.json.message.id]), [["message", ALICE, "A1"], ["reaction", ALICE, "A1"]]);
  });

  test("bodies only when opted in: by default metadata only", async () => {
    const plain = await receiver();
    const withBody = await receiver();
    const w1 = await world({ urls: [plain.url] });
    await w1.repo.commit([live(ALICE, "B1")]);
    const p = await until("metadata event", async () => plain.received[0]);
    assert.equal(p.body.includes(BODY), false, "no message text");
    assert.equal(p.json.body_included, false);
    assert.equal(p.json.message.text, undefined);
    assert.equal(p.json.message.type, "text");
    assert.equal(p.json.message.sender_jid, ALICE);

    const w2 = await world({ urls: [withBody.url], includeBody: true });
    await w2.repo.commit([live(ALICE, "B2")]);
    const b = await until("event with body", async () => withBody.received[0]);
    assert.equal(b.json.body_included, true);
    assert.equal(b.json.message.text, BODY);
  });

  test("link state changes are sent when asked for, with edits, deletes and reactions", async () => {
    const r = await receiver();
    const w = await world({ urls: [r.url] });
    w.tell({ type: "link", state: "reconnecting", previous: "open", error: "connection lost", at: Date.now() });
    await w.repo.commit([live(ALICE, "K1")]);
    await w.repo.commit([{ op: "revokeMessage", chatJid: ALICE, id: "K1", by: { fromMe: false, id: ALICE }, live: true }]);
    await until("two events", async () => r.received.length >= 3);
    const link = r.received.find((x) => x.json.type === "link")!;
    assert.deepEqual(link.json.link, { state: "reconnecting", previous: "open", error: "connection lost" });
    assert.equal(link.json.chat, undefined);
    const del = r.received.find((x) => x.json.type === "delete")!;
    assert.equal(del.json.message.deleted, true);
  });

  test("a redirect to another host is not followed; a rejected event is given up after the attempt cap and kept as dead", async () => {
    const r = await receiver();
    const other = await receiver();
    r.respond = () => ({ status: 307, headers: { location: other.url } });
    const w = await world({ urls: [r.url], maxAttempts: 3 });
    await w.repo.commit([live(ALICE, "X1")]);
    const dead = await until("given up", async () => {
      const s = (await w.repo.webhookStatus())[0];
      return s && s.dead === 1 ? s : null;
    }, 10_000);
    assert.equal(other.received.length, 0, "the other host never got it");
    assert.equal(r.received.length, 3, "three attempts");
    assert.match(dead.lastError ?? "", /HTTP 307.*gave up after 3 attempts/);
    assert.equal(dead.pending, 0);
    // A rejection (4xx) retries that event on its own schedule, then gives up, while others go on.
    r.respond = (x) => ({ status: x.json.message.id === "X2" ? 422 : 200 });
    await w.repo.commit([live(ALICE, "X2")]);
    await w.repo.commit([live(ALICE, "X3")]);
    await until("X3 delivered, X2 dead", async () => {
      const s = (await w.repo.webhookStatus())[0]!;
      return s.delivered === 1 && s.dead === 2;
    }, 10_000);
  });
});

/**
 * Webhooks end to end: the real server process (stdio) with REAL Baileys against the WhatsApp Web
 * simulator, posting to a REAL local receiver. A new message reaches the receiver within a second,
 * signed; the link's state changes are reported; status shows the counters; a receiver that is
 * down while the server restarts, and a message WhatsApp queued while the server was off, are all
 * delivered once the receiver is back, each event id once among what arrives.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { FakeContact } from "../sim/index.ts";
import { assertOnlyJsonRpc, assertStderrFree, linkByQr, type ServerRun, startWorld, until, type World } from "./harness.ts";
import { type Receiver, startReceiver } from "../helpers/webhook_receiver.ts";
import { verifyWebhook } from "../../src/webhooks/signature.ts";

const ALICE = "15551250001";
const SECRET = "e2e-webhook-secret-7f3a9c";
const TEXT = {
  live: "The parcel is at the front desk",
  whileDown: "Are you coming to the meeting",
  whileOff: "Sent while your server was off",
};

describe("webhooks against the simulator (real server process, real receiver)", () => {
  let w: World;
  let run: ServerRun;
  let alice: FakeContact;
  let receiver: Receiver;
  const aliceChat = `${ALICE}@s.whatsapp.net`;
  const secrets = new Set<string>([...Object.values(TEXT), ALICE, SECRET]);
  const env = () => ({ WHATSAPP_MCP_WEBHOOK_URL: receiver.url, WHATSAPP_MCP_WEBHOOK_SECRET: SECRET });
  const messageEvents = (id: string) => receiver.received.filter((r) => r.json?.type === "message" && r.json.message?.id === id);

  before(async () => {
    receiver = await startReceiver({ path: "/hooks/wa-token-path" });
    w = await startWorld();
    alice = w.sim.contact(ALICE, { name: "Alice Ash" });
    run = await w.startServer({ env: env() });
    secrets.add(await linkByQr(w, run));
  });

  after(async () => {
    await w?.close();
    await receiver?.close();
  });

  test("the link's state changes are reported (link events)", async () => {
    const open = await until("a link event 'open'", () => receiver.received.find((r) => r.json?.type === "link" && r.json.link.state === "open"));
    assert.equal(typeof open.json.link.previous, "string");
  });

  test("a new message reaches the receiver within 1 s, signed, metadata only", async () => {
    const sent = await alice.sendText(TEXT.live);
    const sentAt = Date.now();
    const got = await until("the message event", () => messageEvents(sent.id)[0]);
    assert.ok(got.at - sentAt < 1000, `arrived ${got.at - sentAt} ms after the message was sent`);
    assert.equal(got.path, "/hooks/wa-token-path");
    assert.equal(got.json.chat.jid, aliceChat);
    assert.equal(got.json.message.from_me, false);
    assert.equal(got.json.message.type, "text");
    assert.equal(got.body.includes(TEXT.live), false, "no body unless opted in");
    assert.equal(await verifyWebhook(SECRET, got.headers["x-whatsapp-mcp-signature"] ?? null, got.body, Date.now()), true);
    assert.equal(await verifyWebhook("not-the-secret-0123456789", got.headers["x-whatsapp-mcp-signature"] ?? null, got.body, Date.now()), false);

    const status = await until("delivered in get_sync_status", async () => {
      const s = (await run.call("get_sync_status")).webhooks;
      return s && s.delivered >= 2 && s.pending === 0 ? s : null;
    });
    assert.equal(status.failing, false);
    assert.equal(status.endpoints[0].endpoint, `http://127.0.0.1:${receiver.port}/…`, "no path (it may hold a token)");
    const api = await run.apiStatus() as unknown as { webhooks: { delivered: number; endpoints: Array<{ endpoint: string }> } };
    assert.ok(api.webhooks.delivered >= 2);
    assert.equal(JSON.stringify(api.webhooks).includes("wa-token-path"), false);
  });

  test("receiver down across a server restart, plus a message queued while the server was off: all delivered once it is back", async () => {
    await receiver.down();
    const whileDown = await alice.sendText(TEXT.whileDown);
    const failing = await until("failing in get_sync_status", async () => {
      const s = (await run.call("get_sync_status")).webhooks;
      return s && s.failing && s.pending >= 1 ? s : null;
    });
    assert.match(failing.endpoints[0].last_error, /refused the connection/);
    assert.equal(await run.stop(), 0);
    const whileOff = await alice.sendText(TEXT.whileOff);
    run = await w.startServer({ env: env() });
    await until("connected again", async () => (await run.call("check_bridge_status")).connected);
    // The offline queue's message arrives (once, in the chat resource) and is queued behind the pending one.
    const shownIds = async () => {
      const chat = await run.server.client.readResource({ uri: `whatsapp://chat/${aliceChat}` });
      return (JSON.parse((chat.contents[0] as { text: string }).text).messages as Array<{ id: string }>).map((m) => m.id);
    };
    const shown = await until("the missed message in the chat resource", async () => {
      const ids = await shownIds();
      return ids.includes(whileOff.id) ? ids : null;
    }, 30_000);
    assert.equal(shown.filter((id) => id === whileOff.id).length, 1, "the missed message is in the chat resource once");
    assert.ok(((await run.call("get_sync_status")).webhooks?.pending ?? 0) >= 2, "both messages pending while the receiver is down");

    await receiver.up();
    const a = await until("the event sent while the receiver was down", () => messageEvents(whileDown.id)[0], 30_000);
    const b = await until("the event queued while the server was off", () => messageEvents(whileOff.id)[0], 30_000);
    assert.notEqual(a.json.id, b.json.id);
    await until("nothing pending", async () => (await run.call("get_sync_status")).webhooks?.pending === 0, 30_000);
    // At least once: a duplicate would carry the same id (receivers dedupe by it).
    for (const id of [whileDown.id, whileOff.id]) assert.equal(new Set(messageEvents(id).map((r) => r.json.id)).size, 1);
    assert.equal((await receiver.verified(SECRET)).length, receiver.received.length, "every request signed");
  });

  test("every run: stdout carried only JSON-RPC; stderr holds no message text, phone digits, secret or URL path", () => {
    secrets.add("wa-token-path");
    for (const r of w.runs) {
      assertOnlyJsonRpc(r);
      assertStderrFree(r, secrets);
    }
  });
});

import "../sim/preload.ts";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { proto } from "@whiskeysockets/baileys";
import type { WAMessage } from "@whiskeysockets/baileys";
import { memoryAuthState, startSimulator } from "../sim/index.ts";
import type { FakeContact, Sim } from "../sim/index.ts";
import { login, pairAndLogin } from "./client.ts";
import type { Client } from "./client.ts";

const upserted = (c: Client, pred: (m: WAMessage) => boolean) => c.waitFor("messages.upsert", (u) => u.messages.some(pred)).then((u) => u.messages.find(pred)!);

describe("simulator: 1:1 messages", () => {
  let sim: Sim;
  let client: Client;
  let alice: FakeContact;
  const auth = memoryAuthState();
  before(async () => {
    sim = await startSimulator();
    client = await pairAndLogin(sim, auth);
    alice = sim.contact("15551230001", { name: "Alice" });
  });
  after(async () => {
    await client.end();
    await sim.close();
  });

  test("an inbound text (first a pkmsg) arrives as messages.upsert with the decrypted text", async () => {
    const sent = await alice.sendText("hello from alice");
    assert.deepEqual(sent.encTypes, ["pkmsg"]);
    const m = await upserted(client, (x) => x.key.id === sent.id);
    assert.equal(m.message?.conversation, "hello from alice");
    assert.equal(m.key.remoteJid, alice.jid);
    assert.equal(m.key.fromMe, false);
    assert.equal(m.pushName, "Alice");
    assert.equal(m.key.remoteJidAlt, alice.lid, "the LID travels as the alternate address");
    const upsert = client.events("messages.upsert").find((u) => u.messages.some((x) => x.key.id === sent.id))!;
    assert.equal(upsert.type, "notify");
  });

  test("sendMessage text is decrypted at the contact and copied to the primary phone", async () => {
    const msg = await client.sock.sendMessage(alice.jid, { text: "hi alice, from the client" });
    assert.ok(msg?.key.id);
    const got = await alice.waitForMessage((m) => m.id === msg.key.id);
    assert.equal(got.text, "hi alice, from the client");
    assert.equal(got.to, alice.jid);
    const copy = await sim.phone.waitForMessage((m) => m.id === msg.key.id);
    assert.equal(copy.text, "hi alice, from the client", "the primary phone gets the deviceSentMessage copy");
    assert.equal(copy.to, alice.jid);
  });

  test("delivery and read receipts from the contact give messages.update status 3 then 4", async () => {
    // Receipts are sent by hand here: an instant automatic receipt can be merged into the
    // client's own 'append' upsert by Baileys' event buffer instead of a separate update.
    alice.autoReceipt = false;
    try {
      const msg = await client.sock.sendMessage(alice.jid, { text: "receipts please" });
      const id = msg!.key.id!;
      await alice.waitForMessage((m) => m.id === id);
      // Baileys emits its own message (type "append") a tick after sendMessage resolves; a receipt
      // handled before that is folded into that upsert instead of a messages.update.
      await client.waitFor("messages.upsert", (u) => u.type === "append" && u.messages.some((m) => m.key.id === id));
      const statusUpdate = (status: number) => client.waitFor("messages.update", (us) => us.some((u) => u.key.id === id && u.update.status === status));
      alice.receipt([id]);
      const delivered = await statusUpdate(proto.WebMessageInfo.Status.DELIVERY_ACK);
      assert.equal(delivered.find((u) => u.key.id === id)?.key.fromMe, true);
      alice.read([id]);
      await statusUpdate(proto.WebMessageInfo.Status.READ);
    } finally {
      alice.autoReceipt = true;
    }
  });

  test("after the client replied, the contact's next message uses the established session (msg)", async () => {
    const sent = await alice.sendText("second one");
    assert.deepEqual(sent.encTypes, ["msg"]);
    const m = await upserted(client, (x) => x.key.id === sent.id);
    assert.equal(m.message?.conversation, "second one");
  });

  test("a message typed on the primary phone reaches the client as its own (fromMe) message in that chat", async () => {
    const id = await sim.phone.sendText(alice.jid, "sent from my phone");
    const m = await upserted(client, (x) => x.key.id === id);
    assert.equal(m.key.fromMe, true);
    assert.equal(m.key.remoteJid, alice.jid);
    assert.equal(m.message?.conversation, "sent from my phone");
  });

  test("a LID-addressed contact's message has the LID as chat and the phone number as alternate", async () => {
    const bob = sim.contact("15551230002", { name: "Bob", addressing: "lid" });
    const sent = await bob.sendText("hi via lid");
    const m = await upserted(client, (x) => x.key.id === sent.id);
    assert.equal(m.key.remoteJid, bob.lid);
    assert.equal(m.key.remoteJidAlt, bob.jid);
    assert.equal(m.message?.conversation, "hi via lid");
  });

  test("messages sent to an offline client are delivered at its next login, then acknowledged", async () => {
    await client.end();
    const sent = await alice.sendText("while you were away");
    assert.equal(sim.pendingDeliveries() > 0, true);
    client = await login(sim, auth);
    const m = await upserted(client, (x) => x.key.id === sent.id);
    assert.equal(m.message?.conversation, "while you were away");
    const upsert = client.events("messages.upsert").find((u) => u.messages.some((x) => x.key.id === sent.id))!;
    assert.equal(upsert.type, "append", "offline messages are appended, not notified");
    await sim.waitForAcks();
    assert.equal(sim.pendingDeliveries(), 0);
  });

  test("no simulated party failed to decrypt anything", () => {
    assert.deepEqual(sim.errors, []);
  });
});

import "../sim/preload.ts";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { WAMessage } from "@whiskeysockets/baileys";
import { memoryAuthState, startSimulator } from "../sim/index.ts";
import type { FakeContact, Sim } from "../sim/index.ts";
import { pairAndLogin } from "./client.ts";
import type { Client } from "./client.ts";

const upserted = (c: Client, pred: (m: WAMessage) => boolean) => c.waitFor("messages.upsert", (u) => u.messages.some(pred)).then((u) => u.messages.find(pred)!);

describe("simulator: groups", () => {
  let sim: Sim;
  let client: Client;
  let alice: FakeContact;
  let bob: FakeContact;
  before(async () => {
    sim = await startSimulator();
    client = await pairAndLogin(sim, memoryAuthState());
    alice = sim.contact("15551230001", { name: "Alice" });
    bob = sim.contact("15551230002", { name: "Bob" });
  });
  after(async () => {
    await client.end();
    await sim.close();
  });

  test("an inbound group text (sender key distribution + skmsg) arrives with the group as chat and the sender as participant", async () => {
    const g = sim.group("Family", [alice, bob]);
    const first = await g.sendText(alice, "hello family");
    assert.deepEqual(first.encTypes, ["pkmsg", "skmsg"]);
    const m = await upserted(client, (x) => x.key.id === first.id);
    assert.equal(m.key.remoteJid, g.jid);
    assert.equal(m.key.participant, alice.jid);
    assert.equal(m.message?.conversation, "hello family");
    const second = await g.sendText(alice, "second, sender key only");
    assert.deepEqual(second.encTypes, ["skmsg"]);
    const m2 = await upserted(client, (x) => x.key.id === second.id);
    assert.equal(m2.message?.conversation, "second, sender key only");
  });

  test("an outbound group text is decrypted by every member and by the account's own phone", async () => {
    const g = sim.group("Friends", [alice, bob]);
    const sent = await client.sock.sendMessage(g.jid, { text: "hi friends" });
    const id = sent!.key.id!;
    const a = await alice.waitForMessage((m) => m.id === id && m.encType === "skmsg");
    const b = await bob.waitForMessage((m) => m.id === id && m.encType === "skmsg");
    const p = await sim.phone.waitForMessage((m) => m.id === id && m.encType === "skmsg");
    for (const got of [a, b, p]) {
      assert.equal(got.text, "hi friends");
      assert.equal(got.group, g.jid);
    }
    // The second message reuses the distributed sender key: no new pkmsg for anyone.
    const again = await client.sock.sendMessage(g.jid, { text: "again" });
    await bob.waitForMessage((m) => m.id === again!.key.id && m.encType === "skmsg");
    const last = await sim.waitForStanza((s) => s.node.tag === "message" && s.node.attrs.id === again!.key.id);
    assert.equal(Array.isArray(last.node.content) && last.node.content.some((c) => c.tag === "participants"), false);
  });

  test("a LID-addressed group works in both directions", async () => {
    const g = sim.group("LID group", [alice, bob], { addressing: "lid" });
    const inbound = await g.sendText(bob, "from bob via lid");
    const m = await upserted(client, (x) => x.key.id === inbound.id);
    assert.equal(m.key.participant, bob.lid);
    assert.equal(m.key.participantAlt, bob.jid);
    const sent = await client.sock.sendMessage(g.jid, { text: "lid reply" });
    const got = await alice.waitForMessage((x) => x.id === sent!.key.id && x.encType === "skmsg");
    assert.equal(got.text, "lid reply");
  });

  test("no simulated party failed to decrypt anything", () => {
    assert.deepEqual(sim.errors, []);
  });
});

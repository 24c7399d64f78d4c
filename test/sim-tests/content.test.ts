import "../sim/preload.ts";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { proto } from "@whiskeysockets/baileys";
import type { WAMessage } from "@whiskeysockets/baileys";
import { memoryAuthState, startSimulator } from "../sim/index.ts";
import type { FakeContact, Sim } from "../sim/index.ts";
import { pairAndLogin } from "./client.ts";
import type { Client } from "./client.ts";

const upserted = (c: Client, pred: (m: WAMessage) => boolean) => c.waitFor("messages.upsert", (u) => u.messages.some(pred)).then((u) => u.messages.find(pred)!);

describe("simulator: reactions, edits and deletions from a contact", () => {
  let sim: Sim;
  let client: Client;
  let alice: FakeContact;
  before(async () => {
    sim = await startSimulator();
    client = await pairAndLogin(sim, memoryAuthState());
    alice = sim.contact("15551230001", { name: "Alice" });
  });
  after(async () => {
    await client.end();
    await sim.close();
  });

  test("a reaction to the contact's own message arrives as messages.reaction on that message", async () => {
    const orig = await alice.sendText("react to this");
    const m = await upserted(client, (x) => x.key.id === orig.id);
    await alice.react(m.key, "👍");
    const [r] = await client.waitFor("messages.reaction", (rs) => rs.some((x) => x.key.id === orig.id));
    assert.equal(r!.reaction.text, "👍");
    assert.equal(r!.key.fromMe, false);
    assert.equal(r!.key.remoteJid, alice.jid);
  });

  test("a reaction to a message the client sent is keyed as fromMe", async () => {
    const mine = await client.sock.sendMessage(alice.jid, { text: "please react" });
    await alice.waitForMessage((x) => x.id === mine!.key.id);
    await alice.react(mine!.key, "❤️");
    const [r] = await client.waitFor("messages.reaction", (rs) => rs.some((x) => x.key.id === mine!.key.id));
    assert.equal(r!.reaction.text, "❤️");
    assert.equal(r!.key.fromMe, true);
  });

  test("an edit arrives as messages.update carrying the edited text", async () => {
    const orig = await alice.sendText("tpyo");
    const m = await upserted(client, (x) => x.key.id === orig.id);
    await alice.edit(m.key, "typo fixed");
    const us = await client.waitFor("messages.update", (list) => list.some((u) => u.key.id === orig.id && !!u.update.message?.editedMessage));
    const u = us.find((x) => x.key.id === orig.id)!;
    assert.equal(u.update.message?.editedMessage?.message?.conversation, "typo fixed");
  });

  test("a deletion for everyone arrives as messages.update with the REVOKE stub and no content", async () => {
    const orig = await alice.sendText("oops, delete me");
    const m = await upserted(client, (x) => x.key.id === orig.id);
    await alice.revoke(m.key);
    const us = await client.waitFor("messages.update", (list) => list.some((u) => u.key.id === orig.id && u.update.messageStubType === proto.WebMessageInfo.StubType.REVOKE));
    assert.equal(us.find((x) => x.key.id === orig.id)!.update.message, null);
  });

  test("no simulated party failed to decrypt anything", () => {
    assert.deepEqual(sim.errors, []);
  });
});

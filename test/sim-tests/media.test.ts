import "../sim/preload.ts";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { downloadMediaMessage } from "@whiskeysockets/baileys";
import type { WAMessage } from "@whiskeysockets/baileys";
import { memoryAuthState, startSimulator } from "../sim/index.ts";
import type { FakeContact, Sim } from "../sim/index.ts";
import { pairAndLogin } from "./client.ts";
import type { Client } from "./client.ts";

const upserted = (c: Client, pred: (m: WAMessage) => boolean) => c.waitFor("messages.upsert", (u) => u.messages.some(pred)).then((u) => u.messages.find(pred)!);

describe("simulator: media over the HTTPS media host", () => {
  let sim: Sim;
  let client: Client;
  let alice: FakeContact;
  before(async () => {
    sim = await startSimulator({ media: true });
    client = await pairAndLogin(sim, memoryAuthState());
    alice = sim.contact("15551230001", { name: "Alice" });
  });
  after(async () => {
    await client.end();
    await sim.close();
  });

  test("an inbound image downloads over HTTPS (test CA) and decrypts to the original bytes", async () => {
    const bytes = randomBytes(70_000);
    const sent = await alice.sendImage(bytes, "look at this");
    const m = await upserted(client, (x) => x.key.id === sent.id);
    assert.equal(m.message?.imageMessage?.caption, "look at this");
    assert.ok(m.message?.imageMessage?.url?.startsWith(sim.mediaUrl!));
    const got = await downloadMediaMessage(m, "buffer", {});
    assert.ok(Buffer.from(bytes).equals(got));
  });

  test("an inbound voice note and document download and decrypt to the original bytes", async () => {
    const voice = randomBytes(9_000);
    const v = await alice.sendMedia("audio", voice, { mimetype: "audio/ogg; codecs=opus", ptt: true, seconds: 2 });
    const vm = await upserted(client, (x) => x.key.id === v.id);
    assert.equal(vm.message?.audioMessage?.ptt, true);
    assert.ok(Buffer.from(voice).equals(await downloadMediaMessage(vm, "buffer", {})));
    const doc = randomBytes(3_000);
    const d = await alice.sendMedia("document", doc, { mimetype: "application/pdf", fileName: "report.pdf" });
    const dm = await upserted(client, (x) => x.key.id === d.id);
    assert.equal(dm.message?.documentMessage?.fileName, "report.pdf");
    assert.ok(Buffer.from(doc).equals(await downloadMediaMessage(dm, "buffer", {})));
  });

  test("an outbound image is uploaded and the contact decrypts it", async () => {
    const bytes = randomBytes(50_000);
    const uploadsBefore = sim.mediaUploads();
    const sent = await client.sock.sendMessage(alice.jid, { image: bytes, caption: "from the client" });
    const got = await alice.waitForMessage((x) => x.id === sent!.key.id);
    assert.equal(got.message.imageMessage?.caption, "from the client");
    assert.equal(sim.mediaUploads(), uploadsBefore + 1);
    assert.ok(alice.download(got).equals(bytes));
  });

  test("an outbound voice note (ptt) is uploaded and the contact decrypts it", async () => {
    const bytes = randomBytes(20_000);
    const sent = await client.sock.sendMessage(alice.jid, { audio: bytes, ptt: true, mimetype: "audio/ogg; codecs=opus", seconds: 3 });
    const got = await alice.waitForMessage((x) => x.id === sent!.key.id);
    assert.equal(got.message.audioMessage?.ptt, true);
    assert.equal(got.message.audioMessage?.seconds, 3);
    assert.ok(alice.download(got).equals(bytes));
  });

  test("no simulated party failed to decrypt anything", () => {
    assert.deepEqual(sim.errors, []);
  });
});

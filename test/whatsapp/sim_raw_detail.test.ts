/**
 * What the store keeps of older messages' raws (src/store/raw_detail.ts), end to end with real
 * Baileys against the simulator: a history image older than the policy's days is stored without
 * its thumbnail, message secret and push name, a recent one with them; quoting and forwarding
 * the old one still work, the quote and the forward simply carry no preview picture.
 */
import "../sim/preload.ts";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { proto } from "@whiskeysockets/baileys";
import { createRegistry, startTree, type Tree, worker } from "../../supervisors/mod.ts";
import { storeBehavior } from "../../src/store/actor.ts";
import { storeClient } from "../../src/store/client.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { Repository } from "../../src/store/types.ts";
import type { LinkStatus } from "../../src/status/types.ts";
import type { SendResult } from "../../src/whatsapp/protocol.ts";
import { whatsappSupervisor } from "../../src/whatsapp/tree.ts";
import { startSimulator, type Sim } from "../sim/index.ts";
import { until } from "../helpers/until.ts";

const FRIEND = "15551230009@s.whatsapp.net";
const THUMB = Uint8Array.from({ length: 900 }, (_, i) => (i * 7) & 0xff);
const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const DAY = 86_400;

/** A history image message from the friend, `ageDays` old, with a thumbnail, a message secret and a push name. */
function image(id: string, ageDays: number): proto.IWebMessageInfo {
  return {
    key: { remoteJid: FRIEND, fromMe: false, id },
    messageTimestamp: Math.floor(Date.now() / 1000) - ageDays * DAY,
    pushName: "Old Friend",
    message: {
      imageMessage: {
        url: "https://mmg.whatsapp.net/v/t62.7118-24/1_2_n.enc?ccb=11-4",
        directPath: "/v/t62.7118-24/1_2_n.enc?ccb=11-4",
        mimetype: "image/jpeg",
        caption: `picture ${id}`,
        mediaKey: new Uint8Array(32).fill(1),
        fileSha256: new Uint8Array(32).fill(2),
        fileEncSha256: new Uint8Array(32).fill(3),
        fileLength: 12345,
        mediaKeyTimestamp: Math.floor(Date.now() / 1000) - ageDays * DAY,
        jpegThumbnail: THUMB,
      },
      messageContextInfo: { messageSecret: SECRET, deviceListMetadataVersion: 2 },
    },
  };
}

describe("older messages' raws without their details, against the simulator", () => {
  let sim: Sim;
  let repo: Repository;
  const registry = createRegistry();
  const trees: Tree[] = [];
  const dir = mkdtempSync(join(tmpdir(), "wa-sim-detail-"));

  before(async () => {
    sim = await startSimulator({
      initialHistory: { conversations: [{ id: FRIEND, name: "Old Friend", messages: [image("3EB0OLD00000001", 90), image("3EB0NEW00000001", 2)] }] },
    });
    const client = storeClient(registry);
    trees.push(await startTree({
      strategy: "one_for_one",
      intensity: 3,
      periodMs: 60_000,
      children: [
        worker("store", () => storeBehavior(() => openSqljsRepository({ dir }))),
        whatsappSupervisor({
          connection: { authRepo: client, repo: client, baseUrl: "http://127.0.0.1:8080", waWebSocketUrl: sim.url, connectTimeoutMs: 10_000, logLevel: "error" },
          sync: { repo: client },
        }),
      ],
    }, { registry }));
    repo = client;
  });

  after(async () => {
    for (const t of trees.reverse()) await t.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the old image keeps no thumbnail, secret or push name, the recent one all; quoting and forwarding the old one work", async () => {
    const qr = await until("a QR", async () => (await registry.ask<LinkStatus>("connection", { type: "status" })).qr);
    await sim.phone.scanQr(qr);
    await until("the history's images", async () => (await repo.listMessages({ chatJid: FRIEND, limit: 5 })).items.length === 2 || null);

    const decode = async (id: string) => proto.WebMessageInfo.decode((await repo.getRawMessage(FRIEND, id))!);
    const old = await decode("3EB0OLD00000001");
    assert.equal(old.message?.imageMessage?.caption, "picture 3EB0OLD00000001");
    assert.equal(old.message?.imageMessage?.jpegThumbnail?.length ?? 0, 0, "no thumbnail");
    assert.equal(old.message?.messageContextInfo ?? null, null, "no message secret, no device list data");
    assert.equal(old.pushName ?? null, null);
    assert.equal(old.message?.imageMessage?.fileLength?.toString(), "12345", "the media fields stay");
    const recent = await decode("3EB0NEW00000001");
    assert.deepEqual(new Uint8Array(recent.message!.imageMessage!.jpegThumbnail!), THUMB);
    assert.deepEqual(new Uint8Array(recent.message!.messageContextInfo!.messageSecret!), SECRET);
    assert.equal(recent.pushName, "Old Friend");

    const alice = sim.contact("15551230001", { name: "Alice" });
    const source = { chatJid: FRIEND, id: "3EB0OLD00000001", fromMe: false };
    const reply = await registry.ask<SendResult>("connection", { type: "sendText", jid: alice.jid, text: "remember this?", quoted: source }, { timeoutMs: 20_000 });
    const got = await alice.waitForMessage((m) => m.id === reply.id);
    const quoted = got.message.extendedTextMessage?.contextInfo?.quotedMessage?.imageMessage;
    assert.equal(quoted?.caption, "picture 3EB0OLD00000001");
    assert.equal(quoted?.jpegThumbnail?.length ?? 0, 0);

    const fwd = await registry.ask<SendResult>("connection", { type: "forward", source, to: alice.jid }, { timeoutMs: 20_000 });
    const forwarded = await alice.waitForMessage((m) => m.id === fwd.id);
    assert.equal(forwarded.message.imageMessage?.caption, "picture 3EB0OLD00000001");
    assert.equal(forwarded.message.imageMessage?.contextInfo?.isForwarded, true);
    assert.equal(forwarded.message.imageMessage?.jpegThumbnail?.length ?? 0, 0);
    assert.deepEqual(sim.errors, []);
  });
});

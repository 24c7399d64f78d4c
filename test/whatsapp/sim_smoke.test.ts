/**
 * End to end with REAL Baileys against the local WhatsApp Web simulator: the connection and
 * sync actors in the real kernel, the store actor over the real sql.js repository. QR pairing
 * (515 restart) → open → initial history, an inbound LID-addressed text and our own send all
 * land in the repository, under the person's phone-number chat.
 */
import "../sim/preload.ts";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/** Polls `probe` until it returns a value (a condition wait, not a timing assertion). */
describe("WhatsApp link against the simulator", () => {
  let sim: Sim;
  let repo: Repository;
  const registry = createRegistry();
  const status = () => registry.ask<LinkStatus>("connection", { type: "status" });

  const trees: Tree[] = [];
  const dirs: string[] = [];

  /** A fresh store (sql.js in a temp folder) + the WhatsApp subtree, on `reg`. */
  async function link(reg: ReturnType<typeof createRegistry>): Promise<Repository> {
    const d = mkdtempSync(join(tmpdir(), "wa-sim-"));
    dirs.push(d);
    const client = storeClient(reg);
    trees.push(await startTree({
      strategy: "one_for_one",
      intensity: 3,
      periodMs: 60_000,
      children: [
        worker("store", () => storeBehavior(() => openSqljsRepository({ dir: d }))),
        whatsappSupervisor({
          connection: {
            authRepo: client,
            repo: client,
            baseUrl: "http://127.0.0.1:8080",
            waWebSocketUrl: sim.url,
            connectTimeoutMs: 10_000,
            logLevel: "error",
          },
          sync: { repo: client },
        }),
      ],
    }, { registry: reg }));
    return client;
  }

  before(async () => {
    sim = await startSimulator({
      initialHistory: {
        conversations: [{ id: "15551230009@s.whatsapp.net", name: "Old Friend", messages: [{ fromMe: false, text: "from the history", timestamp: 1736935200 }] }],
      },
    });
    repo = await link(registry);
  });

  after(async () => {
    for (const t of trees.reverse()) await t.stop();
    await sim?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("QR pairing, restart, open; history, an inbound LID-addressed text and our own send reach the store", async () => {
    const qr = await until("a QR", async () => (await status()).qr);
    await sim.phone.scanQr(qr);
    const open = await until("the link to open", async () => {
      const s = await status();
      return s.state === "open" ? s : null;
    });
    assert.equal(open.me?.id, sim.jid);
    assert.equal(open.qr, null);

    // Initial history (INITIAL_BOOTSTRAP) pushed by the phone after linking.
    const old = await until("the history message", async () => (await repo.listMessages({ chatJid: "15551230009@s.whatsapp.net", limit: 5 })).items[0]);
    assert.equal(old.text, "from the history");
    await until("history progress in the status", async () => (await status()).history.syncs >= 1);

    // A contact that addresses us by LID: one person, one chat (the phone-number JID).
    const alice = sim.contact("15551230001", { name: "Alice", addressing: "lid" });
    const sent = await alice.sendText("hello via lid");
    const got = await until("the inbound text in the store", () => repo.getMessage(alice.jid, sent.id));
    assert.equal(got.text, "hello via lid");
    assert.equal(got.senderId, alice.jid);
    assert.equal(got.fromMe, false);
    assert.equal((await repo.getMessage(alice.lid, sent.id))?.chatJid ?? alice.jid, alice.jid, "no second chat under the LID");

    // Our own send: reaches Alice, and is stored too (Baileys echoes it as an append).
    const mine = await registry.ask<SendResult>("connection", { type: "sendText", jid: alice.jid, text: "hi Alice", quoted: { chatJid: alice.jid, id: sent.id, fromMe: false } }, { timeoutMs: 20_000 });
    const delivered = await alice.waitForMessage((m) => m.id === mine.id);
    assert.equal(delivered.text, "hi Alice");
    const stored = await until("our own message in the store", () => repo.getMessage(alice.jid, mine.id));
    assert.equal(stored.fromMe, true);
    assert.equal(stored.senderId, sim.jid);
    assert.equal(stored.quotedId, sent.id);
    assert.deepEqual(sim.errors, []);
  });

  test("pairing code login, then the phone unlinks us (401): session cleared, relink offers a new QR", async () => {
    const reg = createRegistry();
    const repo2 = await link(reg);
    const st = () => reg.ask<LinkStatus>("connection", { type: "status" });
    await until("a QR", async () => (await st()).state === "qr");
    const { code } = await reg.ask<{ code: string }>("connection", { type: "requestPairingCode", phone: "+1 555 000 0001" });
    assert.match(code, /^[A-Z0-9]{8}$/);
    assert.equal((await st()).pairingCode, code);
    await sim.phone.completePairingCode(code);
    await until("the link to open", async () => (await st()).state === "open");
    assert.ok(Object.keys(await repo2.authGet("creds", ["creds"])).length, "session stored");

    sim.logout();
    const out = await until("logged out", async () => {
      const s = await st();
      return s.state === "logged_out" ? s : null;
    });
    assert.match(out.lastError!, /401/);
    assert.deepEqual(await repo2.authGet("creds", ["creds"]), {}, "session cleared from the store");
    await assert.rejects(reg.ask("connection", { type: "sendText", jid: sim.jid, text: "x" }), /logged this device out: open http:\/\/127\.0\.0\.1:8080\/qr/);
    await reg.ask("connection", { type: "relink" });
    await until("a fresh QR", async () => (await st()).qr);
  });
});

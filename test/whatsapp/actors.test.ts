/**
 * The connection and sync actors in the REAL kernel, with the store actor in front of a test
 * repository: an inbound message travels socket → connection → sync → store, status answers by
 * ask, request errors reject only the ask, and a crash of the connection restarts it with the
 * session kept in the store.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createManualClock, createRegistry, startTree, worker } from "../../supervisors/mod.ts";
import { storeBehavior } from "../../src/store/actor.ts";
import { storeClient } from "../../src/store/client.ts";
import { WhatsAppNotReadyError } from "../../src/whatsapp/errors.ts";
import { whatsappSupervisor } from "../../src/whatsapp/tree.ts";
import { connectionClient, syncClient } from "../../src/whatsapp/client.ts";
import { fakeSockets, pairedCreds } from "./fake_socket.ts";
import { ALICE, ALICE_LID, ME, ME_LID, T0, wa } from "./fixtures.ts";
import { asStoreBackend, memoryRepo } from "./memory_repo.ts";

const settle = async () => {
  for (let i = 0; i < 8; i++) await new Promise((r) => setTimeout(r, 0));
};

async function tree() {
  const repo = memoryRepo();
  const sockets = fakeSockets();
  const clock = createManualClock(5_000_000);
  const events: string[] = [];
  // The registry exists before the tree so that actors started by it can already reach the store.
  const registry = createRegistry();
  const client = storeClient(registry);
  const t = await startTree({
    strategy: "one_for_one",
    intensity: 3,
    periodMs: 60_000,
    children: [
      worker("store", () => storeBehavior(() => Promise.resolve(asStoreBackend(repo)))),
      whatsappSupervisor({
        connection: { authRepo: client, repo: client, baseUrl: "http://127.0.0.1:8080", makeSocket: sockets.make, random: () => 0.5 },
        sync: { repo: client },
      }),
    ],
  }, { clock, registry, onEvent: (e) => void events.push(`${e.type}:${e.id}`) });
  await settle();
  return { t, repo, sockets, clock, events };
}

describe("connection and sync actors in the kernel", () => {
  test("an inbound LID-addressed text lands in the store under the phone-number chat; status answers", async () => {
    const { t, repo, sockets } = await tree();
    try {
      const s = sockets.last();
      s.emit("creds.update", pairedCreds(ME, ME_LID));
      s.emit("connection.update", { connection: "open" });
      await settle();
      const st = await connectionClient(t.registry).ask({ type: "status" });
      assert.equal(st.state, "open");
      s.emit("messages.upsert", {
        type: "notify",
        messages: [wa({ key: { remoteJid: ALICE_LID, remoteJidAlt: ALICE, fromMe: false, id: "IN1" }, messageTimestamp: T0, pushName: "Alice", message: { conversation: "hello from the phone" } })],
      });
      await settle();
      const row = repo.messages.get(`${ALICE}\u0000IN1`);
      assert.equal(row?.text, "hello from the phone");
      assert.equal(repo.links.get(ALICE_LID), ALICE);
      const stats = await syncClient(t.registry).ask({ type: "stats" });
      assert.equal(stats.mappingFailures, 0);
      assert.ok(stats.commits >= 1);
    } finally {
      await t.stop();
    }
    assert.ok(sockets.last().called("end").length >= 1, "the socket is ended when the tree stops");
  });

  test("a request error rejects only that ask; the actor keeps answering", async () => {
    const { t, events } = await tree();
    try {
      await assert.rejects(connectionClient(t.registry).ask({ type: "sendText", jid: ALICE, text: "x" }), (e: Error) => e instanceof WhatsAppNotReadyError);
      const st = await connectionClient(t.registry).ask({ type: "status" });
      assert.equal(st.state, "connecting");
      assert.ok(!events.some((e) => e.startsWith("crashed")));
    } finally {
      await t.stop();
    }
  });

  test("a connection crash (session cannot be saved) restarts it, and the new incarnation reconnects with the stored session", async () => {
    const { t, repo, sockets, events } = await tree();
    try {
      const s = sockets.last();
      s.emit("creds.update", pairedCreds(ME, ME_LID));
      s.emit("connection.update", { connection: "open" });
      await settle();
      repo.failCommits(new Error("disk full"));
      s.emit("creds.update", { nextPreKeyId: 99 });
      await settle();
      repo.failCommits(null);
      await settle();
      assert.ok(events.includes("crashed:connection"), events.join(","));
      assert.ok(events.some((e) => e.startsWith("restarted:connection")), events.join(","));
      assert.equal(sockets.all.length, 2);
      assert.equal(sockets.all[0].called("end").length >= 1, true, "the crashed incarnation's socket was ended");
      assert.equal(sockets.last().config.auth.creds.me?.lid, ME_LID, "restarted with the linked session from the store");
    } finally {
      await t.stop();
    }
  });
});

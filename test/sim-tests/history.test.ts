import "../sim/preload.ts";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DisconnectReason, jidNormalizedUser, proto } from "@whiskeysockets/baileys";
import { memoryAuthState, startSimulator } from "../sim/index.ts";
import type { HistorySpec, Sim } from "../sim/index.ts";
import { login, pairAndLogin } from "./client.ts";
import type { Client } from "./client.ts";

const T0 = 1_700_000_000;

const INITIAL: HistorySpec = {
  conversations: [
    {
      id: "15551230001@s.whatsapp.net",
      name: "Alice",
      altJid: "100000000000099@lid",
      messages: [
        { id: "H1", fromMe: false, text: "old hello", timestamp: T0 },
        { id: "H2", fromMe: true, text: "old reply", timestamp: T0 + 60 },
      ],
    },
    { id: "120363000000000001@g.us", name: "Old group", messages: [{ id: "H3", fromMe: false, text: "group past", timestamp: T0 + 120, participant: "15551230002@s.whatsapp.net" }] },
  ],
  pushNames: [{ id: "15551230001@s.whatsapp.net", name: "Alice A." }],
};

const texts = (sets: Array<{ messages: proto.IWebMessageInfo[] }>) => sets.flatMap((s) => s.messages.map((m) => m.message?.conversation)).filter(Boolean).sort();

describe("simulator: history sync", () => {
  let sim: Sim;
  let client: Client;
  const auth = memoryAuthState();
  before(async () => {
    sim = await startSimulator({ initialHistory: INITIAL });
    client = await pairAndLogin(sim, auth);
  });
  after(async () => {
    await client.end();
    await sim.close();
  });

  test("the phone's inline initial bootstrap arrives as messaging-history.set", async () => {
    const set = await client.waitFor("messaging-history.set", (h) => h.syncType === proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP);
    assert.deepEqual(texts([set]), ["group past", "old hello", "old reply"]);
    assert.deepEqual(set.chats.map((c) => c.id).sort(), ["120363000000000001@g.us", "15551230001@s.whatsapp.net"]);
    const mine = set.messages.find((m) => m.key?.id === "H2");
    assert.equal(mine?.key?.fromMe, true);
    assert.equal(set.isLatest, true);
    // Baileys' event buffer drops `lidPnMappings` from this event; the mapping lands in its LID store.
    assert.equal(jidNormalizedUser(await client.sock.signalRepository.lidMapping.getPNForLID("100000000000099@lid") ?? ""), "15551230001@s.whatsapp.net");
    assert.equal(set.contacts.find((c) => c.id === "15551230001@s.whatsapp.net")?.lid, "100000000000099@lid");
  });

  test("a later RECENT push is delivered as another messaging-history.set", async () => {
    await sim.pushHistory({ kind: "RECENT", conversations: [{ id: "15551230003@s.whatsapp.net", messages: [{ fromMe: false, text: "recent one", timestamp: T0 + 500 }] }] });
    const set = await client.waitFor("messaging-history.set", (h) => h.syncType === proto.HistorySync.HistorySyncType.RECENT);
    assert.deepEqual(texts([set]), ["recent one"]);
  });

  test("a connection dropped in the middle of a history sync gets the remaining chunks at the next login", async () => {
    const spec: HistorySpec = {
      kind: "RECENT",
      conversations: ["04", "05", "06"].map((n) => ({ id: `155512300${n}@s.whatsapp.net`, messages: [{ fromMe: false, text: `chunked ${n}`, timestamp: T0 + 900 }] })),
    };
    await sim.pushHistory(spec, { chunks: 3, dropAfterChunks: 1 });
    assert.equal(await client.closed, DisconnectReason.connectionClosed);
    // Chunk 1 was acknowledged before the drop (Baileys receipts a message before it emits the
    // event, so whether its messaging-history.set got out before the drop is Baileys' timing).
    assert.equal(sim.pendingDeliveries(), 2, "only the two unsent chunks wait for the client");
    client = await login(sim, auth);
    for (const t of ["chunked 05", "chunked 06"]) await client.waitFor("messaging-history.set", (h) => texts([h]).includes(t));
    await sim.waitForAcks();
    assert.deepEqual(sim.errors, []);
  });
});

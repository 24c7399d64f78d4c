import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { proto } from "@whiskeysockets/baileys";
import type { BaileysEventMap, Chat, WAMessage } from "@whiskeysockets/baileys";
import { configureLogging } from "../../src/log.ts";
import { makeStoreAuthState } from "../../src/whatsapp/auth_state.ts";
import { SyncCore } from "../../src/whatsapp/sync_core.ts";
import type { HistoryProgressMsg } from "../../src/whatsapp/protocol.ts";
import { ALICE, ALICE_LID, BOB, BOB_LID, GROUP, ME, ME_LID, T0, wa } from "./fixtures.ts";
import { memoryRepo } from "./memory_repo.ts";

const me = { id: ME, lid: ME_LID };

function sync(repo = memoryRepo(), authRepo = repo) {
  const told: Array<{ name: string; msg: HistoryProgressMsg }> = [];
  const core = new SyncCore({ repo, authRepo }, { now: () => 42, tell: (name, msg) => void told.push({ name, msg }) });
  return { core, repo, told };
}

describe("sync actor core", () => {
  test("a FULL history chunk of 2500 messages lands in a few commits of at most 1000 ops, and progress is reported", async () => {
    const { core, repo, told } = sync();
    const messages: WAMessage[] = [];
    for (let i = 0; i < 2500; i++) {
      messages.push(wa({ key: { remoteJid: i % 2 ? ALICE : GROUP, participant: i % 2 ? undefined : BOB, fromMe: i % 5 === 0, id: `M${i}` }, messageTimestamp: T0 + i, message: { conversation: `text ${i}` } }));
    }
    const h: BaileysEventMap["messaging-history.set"] = {
      syncType: proto.HistorySync.HistorySyncType.FULL,
      progress: 55,
      chats: [proto.Conversation.fromObject({ id: ALICE }) as Chat, proto.Conversation.fromObject({ id: GROUP, name: "G" }) as Chat],
      contacts: [],
      messages,
    };
    await core.handle({ type: "events", events: { "messaging-history.set": h }, me });
    // 2500 rows + their 2 chats and 1 other sender (repeats of those are dropped): 3 commits.
    assert.equal(repo.commits.length, 3, `${repo.commits.length} commits`);
    assert.ok(repo.commits.every((c) => c.length <= 1000));
    assert.equal(repo.messages.size, 2500);
    assert.equal(repo.messages.get(`${GROUP}\u0000M2`)?.senderId, BOB);
    assert.equal(repo.messages.get(`${GROUP}\u0000M0`)?.senderId, ME);
    assert.deepEqual(told, [{ name: "connection", msg: { type: "historyProgress", syncType: "FULL", progress: 55, messages: 2500, chats: 2 } }]);
    const st = core.stats();
    assert.equal(st.items, 2502);
    assert.equal(st.mappingFailures, 0);
    assert.equal(st.commits, repo.commits.length);
  });

  test("a LID with no alt form is resolved through the mapping Baileys stored in the auth store", async () => {
    const authRepo = memoryRepo();
    const auth = await makeStoreAuthState(authRepo);
    // What Baileys' LIDMappingStore writes through keys.set.
    await auth.state.keys.set({ "lid-mapping": { "491711111111": "200000000000002", "200000000000002_reverse": "491711111111" } });
    const { core, repo } = sync(memoryRepo(), authRepo);
    const msg = wa({ key: { remoteJid: ALICE_LID, fromMe: false, id: "L1", addressingMode: "lid" }, messageTimestamp: T0, message: { conversation: "hi" } });
    await core.handle({ type: "events", events: { "messages.upsert": { messages: [msg], type: "notify" } }, me });
    assert.ok(repo.messages.has(`${ALICE}\u0000L1`), "stored in the phone-number chat");
    assert.equal(repo.messages.get(`${ALICE}\u0000L1`)?.senderId, ALICE);
  });

  test("pairs learned earlier in the session apply to later batches", async () => {
    const { core, repo } = sync();
    await core.handle({ type: "events", events: { "lid-mapping.update": { lid: BOB_LID, pn: BOB } }, me });
    const msg = wa({ key: { remoteJid: GROUP, participant: BOB_LID, fromMe: false, id: "G1" }, messageTimestamp: T0, message: { conversation: "x" } });
    await core.handle({ type: "events", events: { "messages.upsert": { messages: [msg], type: "notify" } }, me });
    assert.equal(repo.messages.get(`${GROUP}\u0000G1`)?.senderId, BOB);
  });

  test("a mapping error is logged without content and counted; the rest of the batch is committed", async () => {
    const lines: string[] = [];
    configureLogging({ level: "debug", sink: (l) => void lines.push(l) });
    try {
      const { core, repo } = sync();
      const good = wa({ key: { remoteJid: ALICE, fromMe: false, id: "OK" }, messageTimestamp: T0, message: { conversation: "fine" } });
      const bad = wa({ key: { fromMe: false, id: "BAD" }, messageTimestamp: T0, message: { conversation: "very private words" } });
      await core.handle({ type: "events", events: { "messages.upsert": { messages: [bad, good], type: "notify" } }, me });
      assert.ok(repo.messages.has(`${ALICE}\u0000OK`));
      const st = await core.handle({ type: "stats" }) as ReturnType<typeof core.stats>;
      assert.equal(st.mappingFailures, 1);
      assert.match(st.lastFailure!, /^messages\.upsert: MappingError/);
      const warn = lines.find((l) => l.includes("could not be mapped"));
      assert.ok(warn, "a warning was logged");
      assert.ok(!lines.join("\n").includes("private"));
    } finally {
      configureLogging({ level: "info", sink: (l) => console.error(l) });
    }
  });

  test("a failed commit rejects (the actor crashes and its supervisor restarts it)", async () => {
    const { core, repo } = sync();
    repo.failCommits(new Error("disk full"));
    const msg = wa({ key: { remoteJid: ALICE, fromMe: false, id: "X" }, messageTimestamp: T0, message: { conversation: "x" } });
    await assert.rejects(core.handle({ type: "events", events: { "messages.upsert": { messages: [msg], type: "notify" } }, me }), /disk full/);
  });
});

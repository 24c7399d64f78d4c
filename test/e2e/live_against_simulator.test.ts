/**
 * The live features end to end: the real server process over stdio against the WhatsApp Web
 * simulator. Unread counts from WhatsApp itself (history sync, then Baileys' live deltas) and
 * after mark_read; a subscribed client notified within a second of a new message; a waiting
 * wait_for_messages call answered by it; a message sent while the server was off delivered to
 * the next wait (through the cursor) exactly once.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { FakeContact, HistorySpec } from "../sim/index.ts";
import { assertOnlyJsonRpc, assertStderrFree, linkByQr, type ServerRun, startWorld, until, type World } from "./harness.ts";

const T0 = 1_736_935_200; // 2025-01-15T10:00:00Z
const ALICE = "15551240001";
const BOB = "15551240002";
const TEXT = {
  hist1: "Did you see the new timetable",
  hist2: "The early train is gone now",
  live1: "Call me when you land please",
  live2: "Never mind, see you at the gate",
  offline: "Written while your server slept",
};
const secrets = new Set<string>([...Object.values(TEXT), ALICE, BOB]);

type Unread = { chat: { jid: string; unread_count: number | null }; first_unread: { id: string; content: string } | null };

describe("live: unread state, subscriptions and wait_for_messages against the simulator (stdio)", () => {
  let w: World;
  let run: ServerRun;
  let alice: FakeContact;
  const aliceChat = `${ALICE}@s.whatsapp.net`;
  const updates: Array<{ uri: string; at: number }> = [];
  let cursor = "";

  const listen = (r: ServerRun) =>
    r.server.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push({ uri: n.params.uri, at: Date.now() }));

  before(async () => {
    const history: HistorySpec = { conversations: [] };
    w = await startWorld({ initialHistory: history });
    alice = w.sim.contact(ALICE, { name: "Alice Ash" });
    w.sim.contact(BOB, { name: "Bob Birch" });
    history.conversations!.push({
      id: aliceChat,
      name: "Alice Ash",
      unreadCount: 2,
      messages: [
        { id: "H1", fromMe: false, text: TEXT.hist1, timestamp: T0 },
        { id: "H2", fromMe: false, text: TEXT.hist2, timestamp: T0 + 60 },
      ],
    });
    run = await w.startServer();
    listen(run);
    secrets.add(await linkByQr(w, run));
  });

  after(async () => {
    await w?.close();
  });

  test("the unread count from the history sync is listed, with the first unread message", async () => {
    const chats = await until("alice unread", async () => {
      const r = (await run.call("list_unread")).chats as Unread[];
      return r.length > 0 && r[0]!.first_unread ? r : null;
    });
    assert.equal(chats[0]!.chat.jid, aliceChat);
    assert.equal(chats[0]!.chat.unread_count, 2);
    assert.equal(chats[0]!.first_unread!.id, "H1");
  });

  test("a new message: the subscribed client is told within a second, a waiting call returns it, the count goes up", async () => {
    const chatUri = `whatsapp://chat/${aliceChat}`;
    await run.server.client.subscribeResource({ uri: chatUri });
    await run.server.client.subscribeResource({ uri: "whatsapp://unread" });
    const waiting = run.call("wait_for_messages", { chat_jid: aliceChat, timeout_s: 30 });
    await new Promise((r) => setTimeout(r, 300)); // the wait is registered
    const sent = await alice.sendText(TEXT.live1);
    const sentAt = Date.now();
    const got = await waiting;
    assert.deepEqual(got.messages.map((m: { id: string }) => m.id), [sent.id]);
    assert.equal(got.messages[0].content, TEXT.live1);
    cursor = got.cursor;
    const note = await until("a resources/updated for the chat", () => updates.find((u) => u.uri === chatUri));
    assert.ok(note.at - sentAt < 1000, `notified ${note.at - sentAt} ms after the message`);
    await until("the unread list's update", () => updates.find((u) => u.uri === "whatsapp://unread"));
    const chat = await until("unread 3", async () => {
      const c = (await run.call("get_chat", { chat_jid: aliceChat })).chat;
      return c.unread_count === 3 ? c : null;
    });
    assert.equal(chat.unread_count, 3, "WhatsApp's delta was added to the history count");
  });

  test("mark_read clears the chat's unread state", async () => {
    const r = await run.call("mark_read", { chat_jid: aliceChat });
    assert.ok(r.marked >= 1);
    assert.deepEqual((await run.call("list_unread")).chats, []);
    const chat = (await run.call("get_chat", { chat_jid: aliceChat })).chat;
    assert.equal(chat.unread_count, 0);
    assert.ok(chat.last_read_time);
    assert.deepEqual((await run.call("list_chats", { unread_only: true })).chats, []);
  });

  test("a message sent while the server was off reaches the next wait through the cursor, exactly once", async () => {
    // One more while running, so the cursor is not at the end of the feed by accident.
    const live2 = await alice.sendText(TEXT.live2);
    const seen = await run.call("wait_for_messages", { since: cursor, timeout_s: 20 });
    assert.deepEqual(seen.messages.map((m: { id: string }) => m.id), [live2.id]);
    cursor = seen.cursor;

    assert.equal(await run.stop(), 0);
    const missed = await alice.sendText(TEXT.offline);
    run = await w.startServer();
    await until("connected again", async () => (await run.call("check_bridge_status")).connected);
    const got = await run.call("wait_for_messages", { since: cursor, timeout_s: 30 });
    assert.deepEqual(got.messages.map((m: { id: string }) => m.id), [missed.id]);
    assert.equal(got.messages[0].content, TEXT.offline);
    const again = await run.call("wait_for_messages", { since: got.cursor, timeout_s: 2 });
    assert.deepEqual(again.messages, []);
    assert.equal(again.timed_out, true);
  });

  test("every run: stdout carried only JSON-RPC; stderr holds no message text or phone digits", () => {
    for (const r of w.runs) {
      assertOnlyJsonRpc(r);
      assertStderrFree(r, secrets);
    }
    assert.deepEqual(w.sim.errors, []);
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { createDebouncer } from "../../src/live/debounce.ts";
import type { Clock } from "../../supervisors/mod.ts";
import { affected } from "../../src/mcp/live_resources.ts";
import type { MessageRow, WriteOp } from "../../src/store/types.ts";
import { ALICE, ALICE_LID, BOB, startHarness, T0 } from "./harness.ts";

const DAY = 24 * 3_600_000;

function incoming(chatJid: string, id: string, ts: number): WriteOp {
  const message: MessageRow = {
    chatJid, id, senderId: chatJid, fromMe: false, ts, type: "text", text: `hello ${id}`, quotedId: null, editedText: null,
    editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw: null,
  };
  return { op: "upsertMessage", message, live: true };
}

/** Records resources/updated notifications with their arrival time. */
function recordUpdates(client: Awaited<ReturnType<typeof startHarness>>["client"]) {
  const seen: Array<{ uri: string; at: number }> = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    seen.push({ uri: n.params.uri, at: Date.now() });
  });
  return {
    seen,
    async waitFor(uri: string, count: number, ms = 3000) {
      const end = Date.now() + ms;
      while (seen.filter((s) => s.uri === uri).length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return seen.filter((s) => s.uri === uri);
    },
  };
}

describe("live resources", () => {
  test("chats, unread and the chat template are listed and read as JSON with unread counts", async () => {
    const h = await startHarness();
    try {
      const uris = (await h.client.listResources()).resources.map((r) => r.uri);
      for (const u of ["whatsapp://chats", "whatsapp://unread"]) assert.ok(uris.includes(u), u);
      assert.ok(uris.includes(`whatsapp://chat/${ALICE}`), "recent chats are listed through the template");
      const templates = (await h.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
      assert.deepEqual(templates, ["whatsapp://chat/{chat_jid}", "whatsapp://media/{chat_jid}/{message_id}"]);
      assert.ok(h.client.getServerCapabilities()?.resources?.subscribe, "subscribe is advertised");

      const chats = JSON.parse(((await h.client.readResource({ uri: "whatsapp://chats" })).contents[0] as { text: string }).text);
      assert.equal(chats.chats.find((c: { jid: string }) => c.jid === ALICE).unread_count, 1);
      const unread = JSON.parse(((await h.client.readResource({ uri: "whatsapp://unread" })).contents[0] as { text: string }).text);
      assert.deepEqual(unread.chats.map((c: { chat: { jid: string } }) => c.chat.jid), [ALICE, BOB]);
      const chat = JSON.parse(((await h.client.readResource({ uri: `whatsapp://chat/${encodeURIComponent(ALICE)}` })).contents[0] as { text: string }).text);
      assert.equal(chat.chat.jid, ALICE);
      assert.equal(chat.messages[0].id, "A4");
      await assert.rejects(h.client.readResource({ uri: "whatsapp://chat/999@s.whatsapp.net" }), /No chat/);
    } finally {
      await h.close();
    }
  });

  test("a subscribed client hears of a new message within a second, debounced per resource; unsubscribe stops it", async () => {
    const h = await startHarness();
    try {
      const updates = recordUpdates(h.client);
      const aliceUri = `whatsapp://chat/${ALICE_LID}`; // a LID form follows the phone-number chat
      await h.client.subscribeResource({ uri: aliceUri });
      await h.client.subscribeResource({ uri: "whatsapp://unread" });
      await assert.rejects(h.client.subscribeResource({ uri: "whatsapp://nothing" }), /not a resource/);
      await assert.rejects(h.client.subscribeResource({ uri: "whatsapp://chat/999@s.whatsapp.net" }), /No chat/);

      const sentAt = Date.now();
      await h.repository.commit([incoming(ALICE, "N1", T0 + 3 * DAY), { op: "addUnread", jid: ALICE, count: 1 }]);
      const first = await updates.waitFor(aliceUri, 1);
      assert.equal(first.length, 1);
      assert.ok(first[0]!.at - sentAt < 1000, `notified after ${first[0]!.at - sentAt} ms`);
      assert.equal((await updates.waitFor("whatsapp://unread", 1)).length, 1);

      // A burst: five more messages at once → one more notification per resource, a second after the first.
      for (let i = 2; i <= 6; i++) await h.repository.commit([incoming(ALICE, `N${i}`, T0 + 3 * DAY + i), { op: "addUnread", jid: ALICE, count: 1 }]);
      const burst = await updates.waitFor(aliceUri, 2, 2500);
      assert.equal(burst.length, 2);
      assert.ok(burst[1]!.at - burst[0]!.at >= 950, `at most one per second (${burst[1]!.at - burst[0]!.at} ms apart)`);
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(updates.seen.filter((s) => s.uri === aliceUri).length, 2, "the burst was carried by one trailing notification");

      // Another chat: the unread list changes, Alice's chat does not.
      await h.repository.commit([incoming(BOB, "X1", T0 + 3 * DAY), { op: "addUnread", jid: BOB, count: 1 }]);
      assert.equal((await updates.waitFor("whatsapp://unread", 3)).length, 3);
      assert.equal(updates.seen.filter((s) => s.uri === aliceUri).length, 2);

      await h.client.unsubscribeResource({ uri: aliceUri });
      await h.client.unsubscribeResource({ uri: "whatsapp://unread" });
      assert.equal(h.live.size(), 0, "the session left the hub");
      await h.repository.commit([incoming(ALICE, "N7", T0 + 4 * DAY)]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(updates.seen.filter((s) => s.uri === aliceUri).length, 2);
    } finally {
      await h.close();
    }
  });

  test("closing a session drops its subscription from the hub", async () => {
    const h = await startHarness();
    await h.client.subscribeResource({ uri: "whatsapp://chats" });
    assert.equal(h.live.size(), 1);
    await h.close();
    assert.equal(h.live.size(), 0);
  });
});

describe("notification rules (pure)", () => {
  test("the debouncer fires at once, then at most once per interval with one trailing call", () => {
    let now = 0;
    const due: Array<{ at: number; fn: () => void }> = [];
    const timers: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => due.push({ at: now + ms, fn }),
      clearTimeout: () => {},
    };
    const fired: Array<[string, number]> = [];
    const d = createDebouncer(1000, (k) => fired.push([k, now]), timers);
    d.poke("a");
    now = 100;
    d.poke("a");
    d.poke("a");
    d.poke("b");
    assert.deepEqual(fired, [["a", 0], ["b", 100]]);
    assert.equal(due.length, 1);
    now = 1000;
    due.shift()!.fn();
    assert.deepEqual(fired.at(-1), ["a", 1000]);
    now = 2500;
    d.poke("a");
    assert.deepEqual(fired.at(-1), ["a", 2500]);
  });

  test("a change affects the lists on any message or chat change, a chat only for its own messages", () => {
    const subs = new Map([["whatsapp://chats", "whatsapp://chats"], ["whatsapp://chat/a", ALICE], ["whatsapp://chat/b", BOB]]);
    const ev = { seq: 1, kind: "message" as const, chatJid: ALICE, messageId: "x", at: 1 };
    assert.deepEqual(affected({ events: [ev], head: 1, chatsChanged: false, touchedChats: [] }, subs), ["whatsapp://chats", "whatsapp://chat/a"]);
    assert.deepEqual(affected({ events: [], head: 1, chatsChanged: true, touchedChats: [] }, subs), ["whatsapp://chats"]);
    assert.deepEqual(affected({ events: [], head: 1, chatsChanged: false, touchedChats: [BOB] }, subs), ["whatsapp://chats", "whatsapp://chat/b"]);
  });
});

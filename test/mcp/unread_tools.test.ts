import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pickFirstUnread, waitedText } from "../../src/mcp/unread.ts";
import type { MessageView } from "../../src/store/types.ts";
import { ALICE, BOB, GROUP, startHarness, T0 } from "./harness.ts";

const textOf = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;
const HOUR = 3_600_000;

describe("unread state in the MCP tools", () => {
  test("list_unread lists unread chats newest first with the first unread message and its wait; mark_read clears it", async () => {
    const h = await startHarness();
    try {
      // The seed: Alice 1 unread (A4, a day after T0), Bob 1 unread (B1); the clock is T0 + 2 days.
      const r = await h.call("list_unread", {});
      assert.equal(r.isError, undefined, textOf(r));
      const chats = r.structuredContent!.chats as Array<Record<string, any>>;
      assert.deepEqual(chats.map((c) => c.chat.jid), [ALICE, BOB]);
      assert.equal(chats[0]!.chat.unread_count, 1);
      assert.equal(chats[0]!.first_unread.id, "A4");
      assert.equal(chats[0]!.waited_seconds, 24 * 3600);
      assert.equal(chats[1]!.first_unread.id, "B1");
      assert.match(textOf(r), /first unread \(waiting 1 d\)/);

      // Two more messages from Alice arrive: WhatsApp's delta raises the count, the first unread stays A4.
      await h.repository.commit([
        {
          op: "upsertMessage",
          message: {
            chatJid: ALICE, id: "A5", senderId: ALICE, fromMe: false, ts: T0 + 30 * HOUR, type: "text", text: "?", quotedId: null,
            editedText: null, editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw: null,
          },
        },
        { op: "addUnread", jid: ALICE, count: 1 },
      ]);
      const again = (await h.call("list_unread", {})).structuredContent!.chats as Array<Record<string, any>>;
      assert.equal(again[0]!.chat.unread_count, 2);
      assert.equal(again[0]!.first_unread.id, "A4");

      const unreadOnly = await h.call("list_chats", { unread_only: true, include_last_message: false });
      assert.deepEqual((unreadOnly.structuredContent!.chats as Array<{ jid: string }>).map((c) => c.jid), [ALICE, BOB]);

      const marked = await h.call("mark_read", { chat_jid: ALICE });
      assert.equal(marked.isError, undefined, textOf(marked));
      const after = (await h.call("list_unread", {})).structuredContent!.chats as Array<Record<string, any>>;
      assert.deepEqual(after.map((c) => c.chat.jid), [BOB]);
      const alice = (await h.call("get_chat", { chat_jid: ALICE })).structuredContent!.chat as Record<string, unknown>;
      assert.equal(alice.unread_count, 0);
      assert.equal(alice.last_read_time, new Date(T0 + 30 * HOUR).toISOString());
      const stillAll = await h.call("list_chats", { include_last_message: false });
      assert.ok((stillAll.structuredContent!.chats as Array<{ jid: string }>).some((c) => c.jid === GROUP));
    } finally {
      await h.close();
    }
  });

  test("a chat marked as unread (no count) is listed with its newest incoming message", async () => {
    const h = await startHarness();
    try {
      await h.repository.commit([{ op: "markChatUnread", jid: GROUP }]);
      const chats = (await h.call("list_unread", { limit: 10 })).structuredContent!.chats as Array<Record<string, any>>;
      const g = chats.find((c) => c.chat.jid === GROUP)!;
      assert.equal(g.chat.marked_unread, true);
      assert.equal(g.first_unread.id, "DUP1");
    } finally {
      await h.close();
    }
  });
});

describe("first unread message (pure)", () => {
  const m = (id: string, fromMe = false, type: MessageView["type"] = "text") => ({ id, fromMe, type }) as MessageView;
  test("is the count-th newest incoming message, skipping own messages and system notices", () => {
    const newest = [m("5"), m("4", true), m("3", false, "system"), m("2"), m("1")];
    assert.equal(pickFirstUnread(newest, 2)?.id, "2");
    assert.equal(pickFirstUnread(newest, 9)?.id, "1", "fewer known than counted: the oldest seen");
    assert.equal(pickFirstUnread(newest, 0)?.id, "5", "marked unread without a count: the newest");
    assert.equal(pickFirstUnread([m("x", true)], 1), null);
  });
  test("waits read in words", () => {
    assert.deepEqual([45_000, 12 * 60_000, 3 * HOUR + 5 * 60_000, 50 * HOUR].map(waitedText), ["45 s", "12 min", "3 h 5 min", "2 d 2 h"]);
  });
});

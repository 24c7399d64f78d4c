import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { proto } from "@whiskeysockets/baileys";
import type { BaileysEventMap, Chat, GroupMetadata } from "@whiskeysockets/baileys";
import type { WriteOp } from "../../src/store/types.ts";
import { chunk, mapEvents } from "../../src/whatsapp/mapping/events.ts";
import { collectLidPairs, collectLids } from "../../src/whatsapp/mapping/lids.ts";
import { ALICE, ALICE_LID, BOB, BOB_LID, ctx, GROUP, ME, T0, wa } from "./fixtures.ts";

const opsOf = <K extends WriteOp["op"]>(ops: WriteOp[], kind: K) => ops.filter((o): o is Extract<WriteOp, { op: K }> => o.op === kind);

describe("mapEvents: chats, contacts, groups", () => {
  test("a LID chat with its phone number is stored under the phone-number JID, with its flags", () => {
    const chat = proto.Conversation.fromObject({
      id: ALICE_LID,
      pnJid: ALICE,
      name: "Alice",
      conversationTimestamp: T0,
      unreadCount: 2,
      archived: true,
      pinned: T0,
      muteEndTime: T0 + 3600,
    }) as Chat;
    const { ops, failures } = mapEvents({ "chats.upsert": [chat] }, ctx());
    assert.deepEqual(failures, []);
    assert.deepEqual(opsOf(ops, "linkLid"), [{ op: "linkLid", lid: ALICE_LID, pnJid: ALICE }]);
    assert.deepEqual(opsOf(ops, "upsertChat")[0].chat, {
      jid: ALICE,
      kind: "person",
      name: "Alice",
      lastMessageAt: T0 * 1000,
      archived: true,
      pinned: true,
      mutedUntil: (T0 + 3600) * 1000,
      unreadCount: 2,
    });
  });

  test("a chat update writes unpin and unmute explicitly", () => {
    const { ops } = mapEvents({ "chats.update": [{ id: ALICE, pinned: null, muteEndTime: null }] }, ctx());
    assert.deepEqual(opsOf(ops, "upsertChat").map((o) => o.chat), [{ jid: ALICE, kind: "person", pinned: false, mutedUntil: 0 }]);
  });

  test("unread counter updates become a delta, a read, or a mark-as-unread; null changes nothing", () => {
    const { ops } = mapEvents({
      "chats.update": [
        { id: ALICE, unreadCount: 2 },
        { id: BOB, unreadCount: 0 },
        { id: ALICE_LID, pnJid: ALICE, unreadCount: -1 },
        { id: BOB, unreadCount: null },
      ],
    }, ctx());
    assert.deepEqual(ops.filter((o) => o.op === "addUnread" || o.op === "markChatRead" || o.op === "markChatUnread"), [
      { op: "addUnread", jid: ALICE, count: 2 },
      { op: "markChatRead", jid: BOB, upTo: null },
      { op: "markChatUnread", jid: ALICE },
    ]);
  });

  test("a contact known by LID and phone number is one person keyed by phone number; a group contact names the group", () => {
    const { ops } = mapEvents({
      "contacts.upsert": [
        { id: ALICE_LID, phoneNumber: ALICE, name: "Alice Saved", notify: "Ali" },
        { id: GROUP, name: "Family" },
      ],
    }, ctx());
    assert.deepEqual(opsOf(ops, "linkLid"), [{ op: "linkLid", lid: ALICE_LID, pnJid: ALICE }]);
    assert.deepEqual(opsOf(ops, "upsertPerson")[0].person, { id: ALICE, pnJid: ALICE, lid: ALICE_LID, savedName: "Alice Saved", pushName: "Ali" });
    assert.deepEqual(opsOf(ops, "upsertChat")[0].chat, { jid: GROUP, kind: "group", name: "Family" });
  });

  test("group metadata with LID participants replaces the participant list by phone-number ids, with ranks", () => {
    const meta: GroupMetadata = {
      id: GROUP,
      subject: "Climbing",
      desc: "Tuesdays",
      owner: ALICE_LID,
      participants: [
        { id: ALICE_LID, phoneNumber: ALICE, admin: "superadmin" },
        { id: BOB_LID, phoneNumber: BOB, admin: null },
        { id: "400000000000004@lid", admin: "admin" },
      ],
    };
    const { ops } = mapEvents({ "groups.upsert": [meta] }, ctx());
    assert.deepEqual(opsOf(ops, "upsertChat")[0].chat, { jid: GROUP, kind: "group", name: "Climbing", description: "Tuesdays" });
    assert.deepEqual(opsOf(ops, "setParticipants"), [{
      op: "setParticipants",
      groupJid: GROUP,
      mode: "replace",
      participants: [
        { personId: ALICE, admin: "superadmin" },
        { personId: BOB, admin: null },
        { personId: "400000000000004@lid", admin: "admin" },
      ],
    }]);
    assert.equal(opsOf(ops, "linkLid").length, 2);
  });

  test("participant changes: promote sets admin, add leaves the rank alone, modify only links", () => {
    const promote = mapEvents({ "group-participants.update": { id: GROUP, author: ALICE, participants: [{ id: BOB_LID, phoneNumber: BOB }], action: "promote" } }, ctx()).ops;
    assert.deepEqual(opsOf(promote, "setParticipants")[0].participants, [{ personId: BOB, admin: "admin" }]);
    assert.equal(opsOf(promote, "setParticipants")[0].mode, "promote");
    const add = mapEvents({ "group-participants.update": { id: GROUP, author: ALICE, participants: [{ id: BOB }], action: "add" } }, ctx()).ops;
    assert.deepEqual(opsOf(add, "setParticipants")[0].participants, [{ personId: BOB, admin: null }]);
    const modify = mapEvents({ "group-participants.update": { id: GROUP, author: ALICE, participants: [{ id: BOB_LID, phoneNumber: BOB }], action: "modify" } }, ctx()).ops;
    assert.equal(opsOf(modify, "setParticipants").length, 0);
    assert.equal(opsOf(modify, "linkLid").length, 1);
  });

  test("lid-mapping.update links the LID and records the person", () => {
    const { ops } = mapEvents({ "lid-mapping.update": { lid: BOB_LID, pn: BOB } }, ctx());
    assert.deepEqual(ops, [
      { op: "linkLid", lid: BOB_LID, pnJid: BOB },
      { op: "upsertPerson", person: { id: BOB, pnJid: BOB, lid: BOB_LID } },
    ]);
  });
});

describe("mapEvents: message changes", () => {
  test("messages.update: edit, revoke and delivery status", () => {
    const { ops } = mapEvents({
      "messages.update": [
        { key: { remoteJid: ALICE, fromMe: true, id: "M1" }, update: { message: { editedMessage: { message: { conversation: "fixed" } } }, messageTimestamp: T0 + 5 } },
        { key: { remoteJid: GROUP, participant: BOB, fromMe: false, id: "M2" }, update: { message: null, messageStubType: proto.WebMessageInfo.StubType.REVOKE } },
        { key: { remoteJid: ALICE_LID, remoteJidAlt: ALICE, fromMe: true, id: "M3" }, update: { status: proto.WebMessageInfo.Status.READ } },
        // Baileys keys an edit by a group member with the member's key and the target's id.
        { key: { remoteJid: GROUP, participant: ALICE, fromMe: false, id: "M5" }, update: { message: { editedMessage: { message: { conversation: "forged" } } }, messageTimestamp: T0 + 6 } },
        // A revoke update carries the revoking message's key in update.key.
        {
          key: { remoteJid: GROUP, participant: BOB, fromMe: false, id: "M6" },
          update: { message: null, messageStubType: proto.WebMessageInfo.StubType.REVOKE, key: { remoteJid: GROUP, participant: ALICE, fromMe: false, id: "REVOKER" } },
        },
      ],
    }, ctx());
    assert.deepEqual(ops.filter((o) => o.op !== "linkLid"), [
      { op: "editMessage", chatJid: ALICE, id: "M1", text: "fixed", editedAt: (T0 + 5) * 1000, by: { fromMe: true, id: ME } },
      { op: "revokeMessage", chatJid: GROUP, id: "M2", by: { fromMe: false, id: BOB } },
      { op: "setMessageStatus", chatJid: ALICE, id: "M3", status: proto.WebMessageInfo.Status.READ },
      { op: "editMessage", chatJid: GROUP, id: "M5", text: "forged", editedAt: (T0 + 6) * 1000, by: { fromMe: false, id: ALICE } },
      { op: "revokeMessage", chatJid: GROUP, id: "M6", by: { fromMe: false, id: ALICE } },
    ]);
  });

  test("messages.reaction, message-receipt.update and messages.delete", () => {
    const { ops } = mapEvents({
      "messages.reaction": [{
        key: { remoteJid: GROUP, participant: ALICE, fromMe: false, id: "M4" },
        reaction: { key: { remoteJid: GROUP, participant: BOB_LID, participantAlt: BOB, fromMe: false, id: "R4" } as proto.IMessageKey, text: "😂", senderTimestampMs: T0 * 1000 },
      }],
      "message-receipt.update": [{ key: { remoteJid: GROUP, fromMe: true, id: "M5" }, receipt: { userJid: BOB, readTimestamp: T0 } }],
      "messages.delete": { keys: [{ remoteJid: ALICE, fromMe: false, id: "M6" }] },
    }, ctx());
    assert.deepEqual(opsOf(ops, "upsertReaction")[0].reaction, { chatJid: GROUP, messageId: "M4", reactorId: BOB, emoji: "😂", ts: T0 * 1000 });
    assert.deepEqual(opsOf(ops, "upsertReceipt")[0].receipt, { chatJid: GROUP, messageId: "M5", personId: BOB, type: "read", ts: T0 * 1000 });
    assert.deepEqual(opsOf(ops, "deleteMessage"), [{ op: "deleteMessage", chatJid: ALICE, id: "M6" }]);
  });

  test("messages.delete of a whole chat ({ jid, all }) clears the chat instead of failing", () => {
    for (const jid of [GROUP, ALICE]) {
      const r = mapEvents({ "messages.delete": { jid, all: true } }, ctx());
      assert.deepEqual(r.failures, []);
      assert.deepEqual(r.ops.filter((o) => o.op !== "linkLid"), [{ op: "clearChat", jid }]);
    }
  });

  test("one unmappable item is counted and the rest of the batch is kept", () => {
    const good = wa({ key: { remoteJid: ALICE, fromMe: false, id: "OK1" }, messageTimestamp: T0, message: { conversation: "fine" } });
    const bad = wa({ key: { remoteJid: "not-a-jid", fromMe: false, id: "BAD" }, messageTimestamp: T0, message: { conversation: "private words" } });
    const good2 = wa({ key: { remoteJid: BOB, fromMe: false, id: "OK2" }, messageTimestamp: T0, message: { conversation: "also fine" } });
    const r = mapEvents({ "messages.upsert": { messages: [good, bad, good2], type: "notify" } }, ctx());
    assert.deepEqual(opsOf(r.ops, "upsertMessage").map((o) => o.message.id), ["OK1", "OK2"]);
    assert.equal(r.failures.length, 1);
    assert.equal(r.failures[0].kind, "messages.upsert");
    assert.ok(!r.failures[0].error.includes("private"));
    assert.equal(r.items, 3);
  });
});

describe("mapEvents: history sync", () => {
  const history = (): BaileysEventMap["messaging-history.set"] => ({
    syncType: proto.HistorySync.HistorySyncType.FULL,
    progress: 40,
    isLatest: false,
    lidPnMappings: [{ lid: ALICE_LID, pn: ALICE }],
    contacts: [{ id: ALICE_LID, name: "Alice" }],
    chats: [proto.Conversation.fromObject({ id: ALICE_LID, conversationTimestamp: T0 + 10 }) as Chat],
    messages: [
      wa({ key: { remoteJid: ALICE_LID, fromMe: false, id: "H1" }, messageTimestamp: T0, message: { conversation: "first" } }),
      wa({ key: { remoteJid: ALICE_LID, fromMe: true, id: "H2" }, messageTimestamp: T0 + 10, message: { conversation: "second" } }),
    ],
  });

  test("lidPnMappings of the chunk put LID-addressed chats and messages under the phone-number JID", () => {
    const events = { "messaging-history.set": history() };
    // The sync actor first learns the chunk's pairs, then maps with them.
    const pairs = collectLidPairs(events);
    assert.deepEqual(pairs[0], { lid: ALICE_LID, pnJid: ALICE });
    const lidToPn = Object.fromEntries(pairs.map((p) => [p.lid, p.pnJid]));
    const r = mapEvents(events, ctx(lidToPn));
    assert.deepEqual(r.failures, []);
    assert.deepEqual(opsOf(r.ops, "upsertMessage").map((o) => [o.message.chatJid, o.message.id, o.message.senderId]), [
      [ALICE, "H1", ALICE],
      [ALICE, "H2", ME],
    ]);
    assert.deepEqual(opsOf(r.ops, "upsertChat").find((o) => o.chat.lastMessageAt)?.chat, { jid: ALICE, kind: "person", lastMessageAt: (T0 + 10) * 1000 });
    assert.equal(opsOf(r.ops, "upsertPerson")[0].person.id, ALICE);
    assert.deepEqual(r.history, [{ syncType: "FULL", progress: 40, messages: 2, chats: 1, contacts: 1, isLatest: false }]);
    // linkLid comes before any row that relies on it
    assert.equal(r.ops[0].op, "linkLid");
  });

  test("collectLids lists the LIDs a batch mentions so they can be looked up first", () => {
    const lids = collectLids({ "messages.upsert": { type: "notify", messages: [wa({ key: { remoteJid: GROUP, participant: "300000000000003:2@lid", fromMe: false, id: "Z" }, messageTimestamp: T0, message: { conversation: "z" } })] } });
    assert.deepEqual(lids, [BOB_LID]);
  });

  test("chunk splits 2500 ops into commits of at most 1000, in order", () => {
    const ops = Array.from({ length: 2500 }, (_, i) => i);
    const parts = chunk(ops, 1000);
    assert.deepEqual(parts.map((p) => p.length), [1000, 1000, 500]);
    assert.deepEqual(parts.flat(), ops);
  });
});

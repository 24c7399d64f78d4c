/**
 * The read tools through a real SDK Client over the in-memory transport: good and bad input,
 * the original's defects (date offsets, include_last_message=false, ids per chat, equal
 * timestamps, sender forms), untrusted markers, and answers while WhatsApp is disconnected.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Harness, startHarness, textOf, ALICE, ALICE_LID, BOB, CAROL_LID, GROUP, CLOSER } from "./harness.ts";
import { UNTRUSTED_CLOSE, UNTRUSTED_OPEN } from "../../src/mcp/untrusted.ts";

type Obj = Record<string, unknown>;
const ids = (r: { structuredContent?: Obj }) => ((r.structuredContent!.messages as Obj[]) ?? []).map((m) => m.id);

describe("read tools", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test("tools/list offers every tool with annotations and output schemas, names exactly as the original", async () => {
    const { tools } = await h.client.listTools();
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, [
      "check_bridge_status", "delete_message", "download_media", "edit_message", "forward_message", "get_chat", "get_contact_chats", "get_direct_chat_by_contact", "get_group_info", "get_last_interaction", "get_message_context", "get_poll_results", "get_send_status", "get_sync_status", "list_chats", "list_messages", "list_pending_sends", "list_unread", "mark_read", "request_chat_history", "search_contacts", "send_audio_message", "send_contact", "send_file", "send_location", "send_message", "send_poll", "send_reaction", "view_media", "wait_for_messages",
    ]);
    for (const t of tools) {
      assert.ok(t.outputSchema, `${t.name} has an output schema`);
      assert.ok(t.annotations, `${t.name} has annotations`);
      assert.ok((t.description ?? "").length > 30, `${t.name} has a description`);
    }
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const n of ["search_contacts", "list_messages", "list_chats", "get_chat", "get_message_context", "get_sync_status"]) {
      assert.equal(byName.get(n)!.annotations!.readOnlyHint, true, n);
    }
    for (const n of ["send_message", "send_file", "send_audio_message", "delete_message", "edit_message"]) {
      assert.equal(byName.get(n)!.annotations!.destructiveHint, true, n);
      assert.equal(byName.get(n)!.annotations!.openWorldHint, true, n);
      assert.equal(byName.get(n)!.annotations!.readOnlyHint, false, n);
    }
    const lm = byName.get("list_messages")!.inputSchema.properties as Obj;
    for (const p of ["after", "before", "sender_phone_number", "chat_jid", "query", "limit", "page", "include_context",
      "context_before", "context_after", "types", "has_media", "order", "cursor"]) {
      assert.ok(p in lm, `list_messages has ${p}`);
    }
    assert.deepEqual(Object.keys(byName.get("send_message")!.inputSchema.properties as Obj).sort(),
      ["mentions", "message", "recipient", "reply_to_message_id", "wait_s"]);
    assert.deepEqual(Object.keys(byName.get("download_media")!.inputSchema.properties as Obj).sort(), ["chat_jid", "include_content", "message_id"]);
  });

  test("search_contacts finds by name and by phone written with + and spaces, never groups", async () => {
    const byName = await h.call("search_contacts", { query: "alice" });
    assert.equal(byName.isError, undefined);
    const contacts = byName.structuredContent!.contacts as Obj[];
    assert.equal(contacts.length, 1);
    assert.equal(contacts[0].jid, ALICE);
    assert.equal(contacts[0].phone_number, "+491701111111");
    assert.equal(contacts[0].name, "Alice Example");
    const byPhone = await h.call("search_contacts", { query: "+49 170 111" });
    assert.deepEqual((byPhone.structuredContent!.contacts as Obj[]).map((c) => c.jid), [ALICE]);
    const group = await h.call("search_contacts", { query: "Family" });
    assert.deepEqual(group.structuredContent!.contacts, []);
    assert.match(textOf(group), /No contacts match/);
  });

  test("search_contacts with an empty query is an isError result naming the field", async () => {
    const r = await h.call("search_contacts", { query: "  " });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /query/);
    const missing = await h.call("search_contacts", {});
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /query/);
  });

  test("list_messages returns newest first with one message of context on each side by default", async () => {
    const r = await h.call("list_messages", { chat_jid: ALICE, limit: 2 });
    assert.deepEqual(ids(r), ["A4", "DUP1"]);
    const second = (r.structuredContent!.messages as Obj[])[1];
    assert.deepEqual((second.context_before as Obj[]).map((m) => m.id), ["A2"]);
    assert.deepEqual((second.context_after as Obj[]).map((m) => m.id), ["A4"]);
    assert.equal(typeof r.structuredContent!.next_cursor, "string", "more messages: a cursor");
    const last = await h.call("list_messages", { chat_jid: ALICE, limit: 2, cursor: r.structuredContent!.next_cursor });
    assert.deepEqual(ids(last), ["A2", "A1"]);
    assert.equal(last.structuredContent!.next_cursor, null);
  });

  test("list_messages include_context=false leaves context out", async () => {
    const r = await h.call("list_messages", { chat_jid: ALICE, include_context: false, limit: 1 });
    const m = (r.structuredContent!.messages as Obj[])[0];
    assert.equal(m.context_before, undefined);
    assert.equal(m.context_after, undefined);
  });

  test("list_messages compares dates as instants whatever the offset", async () => {
    // 10:30+02:00 is 08:30Z: A1 (08:00Z) and A2 (08:10Z) are before it, DUP1 (09:00Z) after.
    const r = await h.call("list_messages", { chat_jid: ALICE, after: "2025-01-15T10:30:00+02:00", include_context: false });
    assert.deepEqual(ids(r), ["A4", "DUP1"]);
    const r2 = await h.call("list_messages", {
      chat_jid: ALICE,
      after: "2025-01-15T03:05:00-05:00", // 08:05Z
      before: "2025-01-15T09:00:00+00:00",
      include_context: false,
    });
    assert.deepEqual(ids(r2), ["A2"]);
    const dateOnly = await h.call("list_messages", { chat_jid: ALICE, before: "2025-01-16", include_context: false });
    assert.deepEqual(ids(dateOnly), ["DUP1", "A2", "A1"]);
  });

  test("list_messages rejects a bad date with the expected format", async () => {
    const r = await h.call("list_messages", { after: "yesterday" });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /after/);
    assert.match(textOf(r), /ISO-8601/);
    const impossible = await h.call("list_messages", { before: "2025-02-30T10:00:00Z" });
    assert.equal(impossible.isError, true);
    assert.match(textOf(impossible), /before/);
    const reversed = await h.call("list_messages", { after: "2025-01-16", before: "2025-01-15" });
    assert.equal(reversed.isError, true);
    assert.match(textOf(reversed), /after must be earlier than before/);
  });

  test("list_messages finds a sender given as digits, +number, phone JID or LID", async () => {
    const forms = ["491701111111", "+49 170 1111111", ALICE, ALICE_LID];
    const results = [];
    for (const f of forms) {
      results.push(ids(await h.call("list_messages", { sender_phone_number: f, include_context: false, limit: 50 })));
    }
    for (const r of results) assert.deepEqual(r, results[0]);
    assert.deepEqual(results[0].sort(), ["A1", "A4", "DUP1", "DUP1", "G1", "G3"].sort());
    const carol = await h.call("list_messages", { sender_phone_number: CAROL_LID, include_context: false });
    assert.deepEqual(ids(carol), ["G6", "G5", "G2"]);
  });

  test("list_messages rejects a group as sender and a bad limit, naming the field", async () => {
    const g = await h.call("list_messages", { sender_phone_number: GROUP });
    assert.equal(g.isError, true);
    assert.match(textOf(g), /sender_phone_number/);
    const big = await h.call("list_messages", { limit: 5000 });
    assert.equal(big.isError, true);
    assert.match(textOf(big), /limit/);
    const str = await h.call("list_messages", { limit: "20" });
    assert.equal(str.isError, true);
    assert.match(textOf(str), /limit/);
    const bogus = await h.call("list_messages", { chat_jid: "not a jid" });
    assert.equal(bogus.isError, true);
    assert.match(textOf(bogus), /chat_jid/);
  });

  test("list_messages filters by query, type and media, and ranks by relevance", async () => {
    const q = await h.call("list_messages", { query: "cake", include_context: false });
    assert.deepEqual(ids(q), ["G5", "G1"]);
    const types = await h.call("list_messages", { types: ["image"], include_context: false });
    assert.deepEqual(ids(types), ["G5"]);
    const media = await h.call("list_messages", { has_media: true, include_context: false });
    assert.deepEqual(ids(media), ["G5"]);
    const m = (media.structuredContent!.messages as Obj[])[0];
    assert.deepEqual(m.media, {
      mimetype: "image/jpeg", file_name: "cake.jpg", file_length: 2048, duration_seconds: null,
      resource_uri: `whatsapp://media/${encodeURIComponent(String(m.chat_jid))}/G5`,
    });
    // The hit's media is linked as a resource for clients that read resources.
    assert.ok((media.content as Array<{ type: string; uri?: string }>).some((b) => b.type === "resource_link" && b.uri === (m.media as Obj).resource_uri));
    const rel = await h.call("list_messages", { query: "cake", order: "relevance", include_context: false });
    assert.equal(rel.isError, undefined);
    const noQuery = await h.call("list_messages", { order: "relevance" });
    assert.equal(noQuery.isError, true);
    assert.match(textOf(noQuery), /relevance/);
    const badType = await h.call("list_messages", { types: ["selfie"] });
    assert.equal(badType.isError, true);
    assert.match(textOf(badType), /types/);
  });

  test("list_messages pages by page and by cursor alike", async () => {
    const p0 = await h.call("list_messages", { limit: 3, include_context: false });
    const p1 = await h.call("list_messages", { limit: 3, page: 1, include_context: false });
    const c1 = await h.call("list_messages", { limit: 3, cursor: p0.structuredContent!.next_cursor, include_context: false });
    assert.deepEqual(ids(p1), ids(c1));
    assert.notDeepEqual(ids(p0), ids(p1));
  });

  test("message content comes inside untrusted markers and cannot close them", async () => {
    const r = await h.call("list_messages", { chat_jid: GROUP, include_context: false });
    const text = textOf(r);
    assert.equal(text.split(UNTRUSTED_OPEN).length - 1, 1, "one real opening marker");
    assert.equal(text.split(UNTRUSTED_CLOSE).length - 1, 1, "one real closing marker");
    assert.ok(text.trimEnd().endsWith(UNTRUSTED_CLOSE), "the block ends with the real marker");
    assert.ok(text.includes("&lt;/untrusted-whatsapp-content>"), "the message's marker is escaped");
    // The structured copy keeps the exact text (JSON cannot be broken out of).
    const g6 = (r.structuredContent!.messages as Obj[]).find((m) => m.id === "G6")!;
    assert.equal(g6.content, CLOSER);
  });

  test("list_chats includes the last message by default and works without it", async () => {
    const withLast = await h.call("list_chats", {});
    const chats = withLast.structuredContent!.chats as Obj[];
    assert.deepEqual(chats.map((c) => c.jid), [ALICE, GROUP, BOB]);
    assert.equal((chats[0].last_message as Obj).id, "A4");
    const without = await h.call("list_chats", { include_last_message: false });
    assert.equal(without.isError, undefined);
    for (const c of without.structuredContent!.chats as Obj[]) assert.equal("last_message" in c, false);
    const byName = await h.call("list_chats", { sort_by: "name", query: "fam" });
    assert.deepEqual((byName.structuredContent!.chats as Obj[]).map((c) => c.name), ["Family"]);
    const bad = await h.call("list_chats", { sort_by: "newest" });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /sort_by/);
  });

  test("get_chat works with include_last_message both ways and with a phone number", async () => {
    const a = await h.call("get_chat", { chat_jid: GROUP });
    assert.equal(((a.structuredContent!.chat as Obj).last_message as Obj).id, "DUP1");
    const b = await h.call("get_chat", { chat_jid: GROUP, include_last_message: false });
    assert.equal(b.isError, undefined);
    assert.equal("last_message" in (b.structuredContent!.chat as Obj), false);
    const byPhone = await h.call("get_chat", { chat_jid: "+49 170 1111111" });
    assert.equal((byPhone.structuredContent!.chat as Obj).jid, ALICE);
    const byLid = await h.call("get_chat", { chat_jid: ALICE_LID });
    assert.equal((byLid.structuredContent!.chat as Obj).jid, ALICE);
    const missing = await h.call("get_chat", { chat_jid: "120363999999999999@g.us" });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /No chat/);
  });

  test("get_direct_chat_by_contact finds the 1:1 chat from any form, refuses groups", async () => {
    for (const f of ["491701111111", ALICE_LID]) {
      const r = await h.call("get_direct_chat_by_contact", { sender_phone_number: f });
      assert.equal((r.structuredContent!.chat as Obj).jid, ALICE, f);
    }
    const g = await h.call("get_direct_chat_by_contact", { sender_phone_number: GROUP });
    assert.equal(g.isError, true);
    const none = await h.call("get_direct_chat_by_contact", { sender_phone_number: "15559999999" });
    assert.equal(none.isError, true);
    assert.match(textOf(none), /No 1:1 chat/);
  });

  test("get_contact_chats lists the 1:1 chat and groups", async () => {
    const r = await h.call("get_contact_chats", { jid: ALICE });
    assert.deepEqual((r.structuredContent!.chats as Obj[]).map((c) => c.jid).sort(), [ALICE, GROUP].sort());
    const carol = await h.call("get_contact_chats", { jid: CAROL_LID });
    assert.deepEqual((carol.structuredContent!.chats as Obj[]).map((c) => c.jid), [GROUP]);
    const bad = await h.call("get_contact_chats", { jid: "x" });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /jid/);
  });

  test("get_last_interaction returns the latest message with a person", async () => {
    const r = await h.call("get_last_interaction", { jid: "491701111111" });
    assert.equal((r.structuredContent!.message as Obj).id, "A4");
    const none = await h.call("get_last_interaction", { jid: "15559999999" });
    assert.equal(none.isError, undefined);
    assert.equal(none.structuredContent!.message, null);
  });

  test("get_message_context keeps messages that share a timestamp", async () => {
    const r = await h.call("get_message_context", { message_id: "G3", chat_jid: GROUP, before: 5, after: 5 });
    const s = r.structuredContent!;
    assert.deepEqual((s.before as Obj[]).map((m) => m.id), ["G1", "G2"]);
    assert.equal((s.message as Obj).id, "G3");
    assert.deepEqual((s.after as Obj[]).map((m) => m.id), ["G4", "G5", "G6", "DUP1"]);
  });

  test("get_message_context without chat_jid: unique ids work, ambiguous ids list the chats", async () => {
    const unique = await h.call("get_message_context", { message_id: "B1", before: 0, after: 0 });
    assert.equal((unique.structuredContent!.message as Obj).chat_jid, BOB);
    const dup = await h.call("get_message_context", { message_id: "DUP1" });
    assert.equal(dup.isError, true);
    assert.match(textOf(dup), /2 chats/);
    assert.ok(textOf(dup).includes(ALICE) && textOf(dup).includes(GROUP));
    const chosen = await h.call("get_message_context", { message_id: "DUP1", chat_jid: GROUP, before: 1, after: 0 });
    assert.equal((chosen.structuredContent!.message as Obj).content, "duplicate id in the group");
    const missing = await h.call("get_message_context", { message_id: "NOPE" });
    assert.equal(missing.isError, true);
    const badBefore = await h.call("get_message_context", { message_id: "B1", before: -1 });
    assert.equal(badBefore.isError, true);
    assert.match(textOf(badBefore), /before/);
  });

  test("get_message_context uses the store's id index when it has one", async () => {
    const calls: string[] = [];
    const h2 = await startHarness({
      wrapRepository: (r) =>
        Object.assign(Object.create(r) as typeof r, {
          findMessageChats: (id: string) => {
            calls.push(id);
            return Promise.resolve(id === "DUP1" ? [ALICE, GROUP] : []);
          },
        }),
    });
    try {
      const dup = await h2.call("get_message_context", { message_id: "DUP1" });
      assert.equal(dup.isError, true);
      assert.match(textOf(dup), /2 chats/);
      const none = await h2.call("get_message_context", { message_id: "B1" });
      assert.equal(none.isError, true, "the index said no chat has it");
      assert.deepEqual(calls, ["DUP1", "B1"]);
    } finally {
      await h2.close();
    }
  });

  test("get_group_info shows participants and admins, live when connected", async () => {
    const r = await h.call("get_group_info", { chat_jid: GROUP });
    const s = r.structuredContent!;
    assert.equal(s.source, "whatsapp");
    assert.equal(s.name, "Family (live)");
    assert.deepEqual(s.admins, ["15550000001@s.whatsapp.net", ALICE]);
    assert.equal((s.participants as Obj[]).find((p) => p.jid === ALICE)!.name, "Alice Example");
    const notGroup = await h.call("get_group_info", { chat_jid: ALICE });
    assert.equal(notGroup.isError, true);
  });

  test("get_sync_status and check_bridge_status report the link and the store, never the QR", async () => {
    h.whatsapp.setStatus({ qr: "2@SECRET-QR-STRING" });
    const s = await h.call("get_sync_status");
    assert.equal((s.structuredContent!.whatsapp as Obj).connected, true);
    assert.equal((s.structuredContent!.store as Obj).messages, 12);
    assert.ok(!JSON.stringify(s).includes("SECRET-QR"));
    const b = await h.call("check_bridge_status");
    assert.equal(b.structuredContent!.connected, true);
    h.whatsapp.setStatus({ qr: null });
  });

  test("resources whatsapp://sync-status (JSON) and whatsapp://status-ui (HTML) read", async () => {
    const { resources } = await h.client.listResources();
    const uris = resources.map((r) => r.uri);
    for (const u of ["whatsapp://status-ui", "whatsapp://sync-status"]) assert.ok(uris.includes(u), u);
    const json = await h.client.readResource({ uri: "whatsapp://sync-status" });
    const parsed = JSON.parse((json.contents[0] as { text: string }).text);
    assert.equal(parsed.store.chats, 3);
    const html = await h.client.readResource({ uri: "whatsapp://status-ui" });
    assert.equal(html.contents[0].mimeType, "text/html");
    assert.match((html.contents[0] as { text: string }).text, /<!doctype html>[\s\S]*open/);
  });
});

describe("read tools while WhatsApp is disconnected", () => {
  test("answer from the store and say WhatsApp is not linked, with the QR URL", async () => {
    const h = await startHarness();
    try {
      h.whatsapp.setStatus({ state: "qr", me: null });
      const r = await h.call("list_chats", {});
      assert.equal(r.isError, undefined);
      assert.equal((r.structuredContent!.chats as Obj[]).length, 3);
      assert.match(textOf(r), /WhatsApp is not linked yet: open http:\/\/127\.0\.0\.1:8080\/qr/);
      assert.match(String(r.structuredContent!.notice), /not linked/);
      const b = await h.call("check_bridge_status");
      assert.equal(b.structuredContent!.connected, false);
      assert.equal(b.structuredContent!.link_url, "http://127.0.0.1:8080/qr");
      const g = await h.call("get_group_info", { chat_jid: GROUP });
      assert.equal(g.structuredContent!.source, "local copy");
      assert.equal(h.whatsapp.asked.length, 0, "nothing asked of WhatsApp");
      const d = await h.call("download_media", { message_id: "G5", chat_jid: GROUP });
      assert.equal(d.isError, true);
      assert.match(textOf(d), /WhatsApp is not linked yet: open http:\/\/127\.0\.0\.1:8080\/qr/);
    } finally {
      await h.close();
    }
  });

  test("a connection actor that does not answer is reported, reads still work", async () => {
    const h = await startHarness();
    try {
      h.deps.whatsapp.status = () => Promise.reject(new Error("actor restarting"));
      const r = await h.call("search_contacts", { query: "bob" });
      assert.equal(r.isError, undefined);
      assert.equal((r.structuredContent!.contacts as Obj[])[0].jid, BOB);
      assert.match(textOf(r), /restarting/);
    } finally {
      await h.close();
    }
  });
});

describe("download_media and request_chat_history", () => {
  test("download_media saves the bytes through the downloads port and returns the path", async () => {
    const h = await startHarness();
    try {
      const r = await h.call("download_media", { message_id: "G5", chat_jid: GROUP });
      assert.equal(r.isError, undefined);
      assert.equal(r.structuredContent!.path, "/data/downloads/G5.jpg");
      assert.equal(r.structuredContent!.size, 4);
      assert.deepEqual(h.saved, [{ chatJid: GROUP, id: "G5", bytes: 4, fileName: "cake.jpg" }]);
      // A small image (typed from its bytes) also comes inline, for clients that cannot open files.
      assert.equal(r.structuredContent!.inline, true);
      assert.deepEqual(r.content.find((c) => c.type === "image"), { type: "image", data: "/9j/4A==", mimeType: "image/jpeg" });
      const pathOnly = await h.call("download_media", { message_id: "G5", chat_jid: GROUP, include_content: false });
      assert.equal(pathOnly.structuredContent!.inline, false);
      assert.equal(pathOnly.content.some((c) => c.type === "image"), false);
      const noMedia = await h.call("download_media", { message_id: "G1", chat_jid: GROUP });
      assert.equal(noMedia.isError, true);
      assert.match(textOf(noMedia), /no media/);
      const missing = await h.call("download_media", { message_id: "G5" });
      assert.equal(missing.isError, true);
      assert.match(textOf(missing), /chat_jid/);
    } finally {
      await h.close();
    }
  });

  test("request_chat_history asks WhatsApp for older messages of a known chat", async () => {
    const h = await startHarness();
    try {
      const r = await h.call("request_chat_history", { chat_jid: GROUP, count: 100 });
      assert.equal(r.structuredContent!.request_id, "history-1");
      assert.deepEqual(h.whatsapp.asked, [{ type: "fetchHistory", chatJid: GROUP, count: 100 }]);
      const bad = await h.call("request_chat_history", { chat_jid: GROUP, count: 0 });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /count/);
    } finally {
      await h.close();
    }
  });
});

/**
 * Polls, presence and people end to end: the real server process (stdio, sql.js, real Baileys)
 * against the WhatsApp simulator, every toolset on. A poll reaches the person and the group; their
 * votes (and the owner's own, cast on the phone) come back encrypted, are decrypted into the
 * mirror and counted; a changed vote replaces the earlier one. Presence reaches the chat; profiles
 * and the block list are WhatsApp's. Then, from a client that cannot show a dialog (Claude
 * Desktop), group changes and blocks are held and approved on the local approval page.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { FakeContact, FakeGroup, SimPoll } from "../sim/index.ts";
import { assertOnlyJsonRpc, assertStderrFree, decideOnPage, makePng, type ServerRun, startWorld, textOf, until, type World } from "./harness.ts";

const ALICE = "15551230001";
const BOB = "15551230002";
const CAROL = "15551230003";
const DAVE = "15551230004";
const ACCOUNT = "15550000001";
const jidOf = (pn: string) => `${pn}@s.whatsapp.net`;

type PollOut = { question: string; multiple: boolean; voters: number; options: Array<{ name: string; votes: number; voters: Array<{ jid: string; is_me: boolean }> }> };

describe("polls, presence and people against the WhatsApp simulator", () => {
  let w: World;
  let run: ServerRun;
  let alice: FakeContact;
  let bob: FakeContact;
  let carol: FakeContact;
  let dave: FakeContact;
  let hiking: FakeGroup;
  const asked: string[] = [];
  let answer: "accept" | "decline" = "accept";

  const results = (chat: string, id: string) => run.call<PollOut>("get_poll_results", { chat_jid: chat, message_id: id });
  const counts = (p: PollOut) => Object.fromEntries(p.options.map((o) => [o.name, o.votes]));
  const waitCounts = (chat: string, id: string, want: Record<string, number>) =>
    until(`votes ${JSON.stringify(want)}`, async () => {
      const p = await results(chat, id);
      return JSON.stringify(counts(p)) === JSON.stringify(want) ? p : null;
    });

  before(async () => {
    w = await startWorld();
    alice = w.sim.contact(ALICE, { name: "Alice Archer" });
    bob = w.sim.contact(BOB, { name: "Bob Baker" });
    carol = w.sim.contact(CAROL, { name: "Carol Cooper" });
    dave = w.sim.contact(DAVE, { name: "Dave Dunn" });
    hiking = w.sim.group("Hiking club", [alice, carol]);
    run = await w.startServer({ env: { WHATSAPP_MCP_TOOLSETS: "all", WHATSAPP_MCP_SENDS_PER_MINUTE: "100" }, clientCapabilities: { elicitation: {} } });
    run.server.client.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: "decline" };
    });
    const qr = await until("a QR on /api/status", async () => (await run.apiStatus()).link?.qr);
    await w.sim.phone.scanQr(qr);
    await until("connected", async () => (await run.call("check_bridge_status")).connected);
    // Established chats: each person wrote first, so sends to them need no confirmation.
    for (const c of [alice, bob, carol]) await c.sendText(`hello from ${c.name}`);
    await until("the chats stored", async () => (await run.call("list_chats", { limit: 50 })).chats.length >= 3);
  });

  after(async () => {
    await w?.close();
  });

  test("send_poll: the person decrypts the question and options; wrong options are refused with what is wrong", async () => {
    assert.match(await run.fail("send_poll", { recipient: ALICE, question: "Lunch?", options: ["Pizza"] }), /at least 2 options/);
    assert.match(await run.fail("send_poll", { recipient: ALICE, question: "Lunch?", options: ["Pizza", "pizza"] }), /different/);
    assert.match(await run.fail("send_poll", { recipient: ALICE, question: "Lunch?", options: ["Pizza", " "] }), /cannot be empty/);
    const many = Array.from({ length: 13 }, (_, i) => `option ${i}`);
    assert.match(await run.fail("send_poll", { recipient: ALICE, question: "Lunch?", options: many }), /at most 12/);
    const sent = await run.call("send_poll", { recipient: ALICE, question: "Lunch on Friday?", options: ["Pizza", "Sushi", "Salad"] });
    assert.equal(sent.status, "sent");
    const got = await alice.waitForMessage((m) => m.id === sent.message_id);
    const poll = got.message.pollCreationMessage ?? got.message.pollCreationMessageV3;
    assert.equal(poll?.name, "Lunch on Friday?");
    assert.deepEqual(poll?.options?.map((o) => o.optionName), ["Pizza", "Sushi", "Salad"]);
    assert.equal(poll?.selectableOptionsCount, 1);
    assert.equal(got.message.messageContextInfo?.messageSecret?.length, 32);
  });

  test("a person's vote on the owner's poll is decrypted and counted; a changed vote replaces the first; list_messages shows the counts", async () => {
    const sent = await run.call("send_poll", { recipient: ALICE, question: "Movie night?", options: ["Yes", "No"], multiple: true });
    const got = await alice.waitForMessage((m) => m.id === sent.message_id);
    const poll: SimPoll = { id: sent.message_id, creatorJid: w.sim.jid, secret: got.message.messageContextInfo!.messageSecret!, options: ["Yes", "No"] };
    const chat = jidOf(ALICE);
    await alice.vote(poll, ["Yes", "No"]);
    const first = await waitCounts(chat, sent.message_id, { Yes: 1, No: 1 });
    assert.equal(first.multiple, true);
    assert.deepEqual(first.options[0].voters.map((v) => v.jid), [chat]);
    await alice.vote(poll, ["No"]);
    const changed = await waitCounts(chat, sent.message_id, { Yes: 0, No: 1 });
    assert.equal(changed.voters, 1);
    const listed = (await run.call("list_messages", { chat_jid: ALICE, types: ["poll"], include_context: false })).messages;
    const m = listed.find((x: { id: string }) => x.id === sent.message_id);
    assert.deepEqual(m.poll.options, [{ name: "Yes", votes: 0 }, { name: "No", votes: 1 }]);
    const text = textOf(await run.server.client.callTool({ name: "list_messages", arguments: { chat_jid: ALICE, types: ["poll"], include_context: false } }));
    assert.match(text, /- No: 1 vote\b/);
    await alice.vote(poll, []);
    const withdrawn = await waitCounts(chat, sent.message_id, { Yes: 0, No: 0 });
    assert.equal(withdrawn.voters, 0);
  });

  test("a person's own poll: their vote and the owner's vote from the phone are both decrypted", async () => {
    const sent = await alice.sendPoll("Where to meet?", ["Station", "Café"]);
    const chat = jidOf(ALICE);
    await until("Alice's poll stored", async () => (await run.call("list_messages", { chat_jid: ALICE, types: ["poll"], include_context: false })).messages.find((x: { id: string }) => x.id === sent.id));
    await alice.vote(sent.poll, ["Café"]);
    await w.sim.phone.vote(chat, sent.poll, ["Station"]);
    const p = await waitCounts(chat, sent.id, { Station: 1, "Café": 1 });
    assert.equal(p.question, "Where to meet?");
    assert.deepEqual(p.options[0].voters.map((v) => [v.jid, v.is_me]), [[jidOf(ACCOUNT), true]]);
    assert.deepEqual(p.options[1].voters.map((v) => [v.jid, v.is_me]), [[chat, false]]);
  });

  test("a group poll: the members decrypt it, and a member's vote is counted", async () => {
    const sent = await run.call("send_poll", { recipient: hiking.jid, question: "Next hike?", options: ["Alps", "Coast"] });
    const got = await hiking.waitForMessage((m) => m.id === sent.message_id);
    const poll: SimPoll = { id: sent.message_id, creatorJid: w.sim.jid, secret: got.message.messageContextInfo!.messageSecret!, options: ["Alps", "Coast"] };
    await hiking.vote(carol, poll, ["Coast"]);
    const p = await waitCounts(hiking.jid, sent.message_id, { Alps: 0, Coast: 1 });
    assert.deepEqual(p.options[1].voters.map((v) => v.jid), [jidOf(CAROL)]);
    // And a member's poll, voted on by another member.
    const theirs = await hiking.sendPoll(alice, "Bring snacks?", ["Yes", "No"]);
    await until("the member's poll stored", async () => (await run.call("list_messages", { chat_jid: hiking.jid, types: ["poll"], include_context: false })).messages.find((x: { id: string }) => x.id === theirs.id));
    await hiking.vote(carol, theirs.poll, ["Yes"]);
    await waitCounts(hiking.jid, theirs.id, { Yes: 1, No: 0 });
    const text = await alice.sendText("not a poll");
    await until("the text stored", async () => (await run.call("list_messages", { chat_jid: ALICE, include_context: false })).messages.find((x: { id: string }) => x.id === text.id));
    assert.match(await run.fail("get_poll_results", { chat_jid: ALICE, message_id: text.id }), /is a text message, not a poll/);
  });

  test("send_presence: typing reaches the chat, availability the server; only chats in the local copy", async () => {
    const before = asked.length;
    const r = await run.call("send_presence", { chat_jid: ALICE, state: "composing" });
    assert.equal(r.status, "done");
    await run.call("send_presence", { chat_jid: ALICE, state: "recording" });
    await run.call("send_presence", { chat_jid: ALICE, state: "paused" });
    await until("the chat states at the server", () => {
      const s = w.sim.chatStatesTo(jidOf(ALICE));
      return s.includes("composing") && s.includes("recording") && s.includes("paused") ? s : null;
    });
    // The account's name reaches this device with the first message from the phone; until then
    // WhatsApp could not be told about online/offline, and the tool says so.
    await w.sim.phone.sendText(jidOf(BOB), "typed on the phone");
    await until("the phone's message stored", async () => (await run.call("list_messages", { chat_jid: BOB, include_context: false })).messages.some((m: { content: string }) => m.content === "typed on the phone"));
    await run.call("send_presence", { chat_jid: ALICE, state: "unavailable" });
    await until("the account offline", () => w.sim.availability().at(-1) === "unavailable");
    assert.equal(asked.length, before, "presence needs no confirmation");
    assert.match(await run.fail("send_presence", { chat_jid: "15559998888", state: "composing" }), /only to existing chats/);
    assert.match(await run.fail("send_presence", { chat_jid: ALICE, state: "dancing" }), /expected "composing"/);
  });

  test("get_presence: online, offline with last seen, last seen hidden, and no answer at all", async () => {
    alice.account.profile.presence = { state: "available" };
    const lastSeen = Date.UTC(2026, 0, 2, 3, 4, 5);
    bob.account.profile.presence = { state: "unavailable", lastSeen };
    carol.account.profile.presence = { state: "unavailable", hideLastSeen: true };
    assert.equal((await run.call("get_presence", { jid: ALICE })).state, "online");
    const b = await run.call("get_presence", { jid: BOB });
    assert.deepEqual([b.state, b.last_seen], ["offline", new Date(lastSeen).toISOString()]);
    const c = await run.call("get_presence", { jid: CAROL });
    assert.deepEqual([c.state, c.last_seen], ["offline", null]);
    assert.match(c.note, /hidden/);
    const d = await run.call("get_presence", { jid: DAVE });
    assert.equal(d.state, "unknown");
    assert.match(d.note, /hides|did not answer/);
    assert.match(await run.fail("get_presence", { jid: hiking.jid }), /groups have no presence/);
  });

  test("get_profile: about, business profile and the picture inline; cached; hidden parts are null", async () => {
    const png = makePng(48, 48);
    alice.account.profile.about = "Out hiking";
    alice.account.profile.picture = png;
    alice.account.profile.business = { description: "Mountain guide", category: "Travel", email: "alice@example.org", website: "https://example.org" };
    const r = await run.server.client.callTool({ name: "get_profile", arguments: { jid: ALICE } });
    assert.notEqual(r.isError, true, textOf(r));
    const p = r.structuredContent as Record<string, any>;
    assert.equal(p.about, "Out hiking");
    assert.equal(p.business.category, "Travel");
    assert.equal(p.business.description, "Mountain guide");
    assert.equal(p.has_picture, true);
    const image = (r.content as Array<{ type: string; data?: string; mimeType?: string }>).find((c) => c.type === "image");
    assert.equal(image?.mimeType, "image/png");
    assert.deepEqual(Buffer.from(image!.data!, "base64"), png);
    const picQueries = () => w.sim.clientStanzas().filter((s) => s.node.attrs.xmlns === "w:profile:picture").length;
    const n = picQueries();
    await run.call("get_profile", { jid: ALICE });
    assert.equal(picQueries(), n, "the second look comes from the cache");
    bob.account.profile.hideAbout = true;
    const b = await run.call("get_profile", { jid: BOB });
    assert.deepEqual([b.about, b.business, b.has_picture], [null, null, false]);
  });

  test("block_contact / unblock_contact: always confirmed; WhatsApp's block list follows; get_blocklist names the person", async () => {
    const n = asked.length;
    const r = await run.call("block_contact", { contact: BOB });
    assert.equal(r.blocked, true);
    assert.equal(asked.length, n + 1, "the user was asked");
    assert.match(asked.at(-1)!, /Block this person on WhatsApp\?/);
    assert.deepEqual(w.sim.blocklist(), [BOB]);
    const list = await run.call("get_blocklist");
    assert.deepEqual(list.blocked.map((b: { jid: string }) => b.jid), [jidOf(BOB)]);
    answer = "decline";
    assert.match(await run.fail("unblock_contact", { contact: BOB }), /declined/);
    assert.deepEqual(w.sim.blocklist(), [BOB]);
    answer = "accept";
    await run.call("unblock_contact", { contact: BOB });
    assert.deepEqual(w.sim.blocklist(), []);
    assert.match(await run.fail("block_contact", { contact: hiking.jid }), /groups cannot be blocked/);
  });

  test("stdout carried only JSON-RPC; stderr holds no phone digits or poll texts", () => {
    assertOnlyJsonRpc(run);
    assertStderrFree(run, [ALICE, BOB, CAROL, "Lunch on Friday", "Movie night", "Out hiking"]);
    assert.deepEqual(w.sim.errors, []);
  });
});

describe("group changes and blocks held for the approval page (a client without dialogs)", () => {
  let w: World;
  let run: ServerRun;
  let alice: FakeContact;
  let group: FakeGroup;

  before(async () => {
    w = await startWorld();
    alice = w.sim.contact(ALICE, { name: "Alice Archer" });
    group = w.sim.group("Garden club", [alice]);
    run = await w.startServer({ env: { WHATSAPP_MCP_TOOLSETS: "all" } }); // no elicitation, like Claude Desktop
    const qr = await until("a QR on /api/status", async () => (await run.apiStatus()).link?.qr);
    await w.sim.phone.scanQr(qr);
    await until("connected", async () => (await run.call("check_bridge_status")).connected);
    await group.sendText(alice, "welcome");
    await until("the group stored", async () => (await run.call("list_messages", { chat_jid: group.jid, include_context: false })).messages.length === 1);
  });

  after(async () => {
    await w?.close();
  });

  test("update_group is held with the change shown; approving it on the page renames the group on WhatsApp", async () => {
    const held = await run.call("update_group", { chat_jid: group.jid, subject: "Garden club 2026" });
    assert.equal(held.status, "awaiting_approval");
    assert.match(held.approval_url, /\/approve\//);
    assert.equal(w.sim.groupState(group.jid)!.subject, "Garden club", "nothing changed before approval");
    const page = await fetch(held.approval_url).then((r) => r.text());
    assert.match(page, /New name: Garden club 2026/);
    assert.match(page, />Approve</);
    const done = await decideOnPage(run, held.approval_id, "approve");
    assert.equal(done.status, 200);
    assert.equal(w.sim.groupState(group.jid)!.subject, "Garden club 2026");
    const status = await run.call("get_send_status", { approval_id: held.approval_id });
    assert.equal(status.status, "sent");
    assert.match(textOf(await run.server.client.callTool({ name: "get_send_status", arguments: { approval_id: held.approval_id } })), /Done after the user approved it/);
  });

  test("block_contact is held; declined on the page, nobody is blocked; approved, WhatsApp blocks", async () => {
    const first = await run.call("block_contact", { contact: ALICE });
    assert.equal(first.status, "awaiting_approval");
    await decideOnPage(run, first.approval_id, "decline");
    assert.deepEqual(w.sim.blocklist(), []);
    const second = await run.call("block_contact", { contact: ALICE });
    await decideOnPage(run, second.approval_id, "approve");
    assert.deepEqual(w.sim.blocklist(), [ALICE]);
  });

  test("account state that needs nobody (archive) is still done at once", async () => {
    await w.sim.phone.shareAppStateKey();
    const r = await until("archive_chat accepted", async () => {
      const x = await run.server.client.callTool({ name: "archive_chat", arguments: { chat_jid: group.jid } });
      return x.isError ? null : x;
    });
    assert.equal((r.structuredContent as { status: string }).status, "done");
  });
});

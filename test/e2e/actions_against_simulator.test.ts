/**
 * The action tools end to end: the real server process (stdio, sql.js, real Baileys) against the
 * WhatsApp Web simulator, every toolset on. Each action is checked where it lands: in the
 * simulator's group state, in what the simulated people decrypt, and in the server's own history.
 * Group changes go through the send guard's confirmation (the client accepts or declines).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { FakeContact, FakeGroup } from "../sim/index.ts";
import { assertOnlyJsonRpc, assertStderrFree, type ServerRun, startWorld, until, type World } from "./harness.ts";

const ALICE = "15551230001";
const BOB = "15551230002";
const CAROL = "15551230003";
const ACCOUNT = "15550000001";

type Msg = { id: string; sender: string | null; is_from_me: boolean; content: string | null; type: string };

describe("action tools against the WhatsApp simulator", () => {
  let w: World;
  let run: ServerRun;
  let alice: FakeContact;
  let bob: FakeContact;
  let carol: FakeContact;
  let hiking: FakeGroup;
  let bookClub = "";
  const asked: string[] = [];
  let answer: "accept" | "decline" = "accept";

  const history = async (chat: string): Promise<Msg[]> =>
    (await run.call("list_messages", { chat_jid: chat, limit: 50, include_context: false })).messages;
  const systemLine = (chat: string, pred: (m: Msg) => boolean) =>
    until("a group event in the history", async () => (await history(chat)).find((m) => m.type === "system" && pred(m)));

  before(async () => {
    w = await startWorld();
    alice = w.sim.contact(ALICE, { name: "Alice Archer" });
    bob = w.sim.contact(BOB, { name: "Bob Baker" });
    carol = w.sim.contact(CAROL, { name: "Carol Cooper" });
    hiking = w.sim.group("Hiking club", [alice, carol]);
    // Many actions in a row: a send budget above the default 10 per minute.
    run = await w.startServer({ env: { WHATSAPP_MCP_TOOLSETS: "all", WHATSAPP_MCP_SENDS_PER_MINUTE: "100" }, clientCapabilities: { elicitation: {} } });
    run.server.client.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: "decline" };
    });
    const qr = await until("a QR on /api/status", async () => (await run.apiStatus()).link?.qr);
    await w.sim.phone.scanQr(qr);
    await until("connected", async () => (await run.call("check_bridge_status")).connected);
  });

  after(async () => {
    await w?.close();
  });

  test("create_group: confirmed with the members named; WhatsApp holds the group; a message to it reaches the members", async () => {
    const made = await run.call("create_group", { name: "Book club", participants: [ALICE, `${BOB}@s.whatsapp.net`] });
    assert.equal(made.confirmed_by_user, true);
    assert.match(asked.at(-1)!, /Create this WhatsApp group\?/);
    assert.match(asked.at(-1)!, /Members: .*\+15551230001.*\+15551230002/);
    bookClub = made.chat_jid;
    const state = w.sim.groupState(bookClub)!;
    assert.equal(state.subject, "Book club");
    assert.deepEqual(state.participants.map((a) => a.pn).sort(), [ALICE, BOB, ACCOUNT].sort());
    assert.equal(state.creator.pn, ACCOUNT);
    const listed = await until("the new group in list_chats", async () =>
      (await run.call("list_chats", { query: "Book club" })).chats.find((c: { jid: string }) => c.jid === bookClub));
    assert.equal(listed.kind, "group");

    const sent = await run.call("send_message", { recipient: bookClub, message: "First meeting on Monday" });
    const got = await alice.waitForMessage((m) => m.id === sent.message_id);
    assert.equal(got.group, bookClub);
    assert.equal(got.text, "First meeting on Monday");
  });

  test("update_group: the name and description change on WhatsApp and the change shows in the history", async () => {
    const r = await run.call("update_group", { chat_jid: bookClub, subject: "Book club 2025", description: "Monthly, first Monday" });
    assert.equal(r.confirmed_by_user, true);
    const state = w.sim.groupState(bookClub)!;
    assert.equal(state.subject, "Book club 2025");
    assert.equal(state.description, "Monthly, first Monday");
    const line = await systemLine(bookClub, (m) => m.content === 'changed the group name to "Book club 2025"');
    assert.equal(line.is_from_me, true);
    const info = await run.call("get_group_info", { chat_jid: bookClub });
    assert.equal(info.name, "Book club 2025");
    assert.equal(info.description, "Monthly, first Monday");
  });

  test("group_participants: add, already a member, promote, remove; per-person results match WhatsApp's state", async () => {
    const added = await run.call("group_participants", { chat_jid: bookClub, action: "add", participants: [CAROL, ALICE] });
    assert.deepEqual(added.results.map((x: { ok: boolean; status: string }) => [x.ok, x.status]), [[true, "200"], [false, "409"]]);
    assert.match(asked.at(-1)!, /Add: .*\+15551230003/);
    const promoted = await run.call("group_participants", { chat_jid: bookClub, action: "promote", participants: [ALICE] });
    assert.equal(promoted.results[0].ok, true);
    const removed = await run.call("group_participants", { chat_jid: bookClub, action: "remove", participants: [BOB] });
    assert.equal(removed.results[0].ok, true);
    const state = w.sim.groupState(bookClub)!;
    assert.deepEqual(state.participants.map((a) => a.pn).sort(), [ALICE, CAROL, ACCOUNT].sort());
    assert.deepEqual([...state.admins ?? []].map((a) => a.pn), [ALICE]);
    await systemLine(bookClub, (m) => m.content === `removed +${BOB}`);
    const info = await run.call("get_group_info", { chat_jid: bookClub });
    assert.deepEqual(info.admins.sort(), [`${ALICE}@s.whatsapp.net`, `${ACCOUNT}@s.whatsapp.net`].sort());
  });

  test("group_invite_link: the link WhatsApp made; get_group_info shows it to the admin; revoke makes a new one", async () => {
    const first = await run.call("group_invite_link", { chat_jid: bookClub });
    assert.equal(first.invite_link, `https://chat.whatsapp.com/${w.sim.groupState(bookClub)!.inviteCode}`);
    assert.equal((await run.call("get_group_info", { chat_jid: bookClub })).invite_link, first.invite_link);
    const second = await run.call("group_invite_link", { chat_jid: bookClub, revoke: true });
    assert.notEqual(second.invite_link, first.invite_link);
    assert.equal(second.invite_link, `https://chat.whatsapp.com/${w.sim.groupState(bookClub)!.inviteCode}`);
    assert.match(asked.at(-1)!, /Reset this group's invite link/);
    // Not an admin there: no link, and asking for one fails with WhatsApp's refusal.
    assert.equal((await run.call("get_group_info", { chat_jid: hiking.jid })).invite_link, null);
    assert.match(await run.fail("group_invite_link", { chat_jid: hiking.jid }), /failed|not-authorized|401/i);
  });

  test("group events by others (rename, add, leave) are stored and shown in the history, and the members follow", async () => {
    hiking.setSubject(alice, "Hiking club 2025");
    hiking.add(alice, bob);
    hiking.leave(carol);
    const renamed = await systemLine(hiking.jid, (m) => m.content === 'changed the group name to "Hiking club 2025"');
    assert.equal(renamed.sender, `${ALICE}@s.whatsapp.net`);
    await systemLine(hiking.jid, (m) => m.content === `added +${BOB}` && m.sender === `${ALICE}@s.whatsapp.net`);
    await systemLine(hiking.jid, (m) => m.content === "left" && m.sender === `${CAROL}@s.whatsapp.net`);
    const chats = (await run.call("list_chats", { query: "Hiking" })).chats;
    assert.equal(chats[0].name, "Hiking club 2025");
  });

  test("join_group: always asks, even in an established setting; a decline joins nothing; the group is named in the dialog", async () => {
    const chess = w.sim.group("Chess evenings", [bob], { withAccount: false });
    const link = `https://chat.whatsapp.com/${chess.inviteCode()}`;
    answer = "decline";
    assert.match(await run.fail("join_group", { invite: link }), /declined/);
    assert.match(asked.at(-1)!, /Join this WhatsApp group\?/);
    assert.match(asked.at(-1)!, /Chess evenings/);
    assert.match(asked.at(-1)!, /always needs the user's confirmation/);
    assert.ok(!w.sim.groupState(chess.jid)!.participants.some((a) => a.pn === ACCOUNT));
    answer = "accept";
    const joined = await run.call("join_group", { invite: link });
    assert.equal(joined.chat_jid, chess.jid);
    assert.ok(w.sim.groupState(chess.jid)!.participants.some((a) => a.pn === ACCOUNT));
    assert.match(await run.fail("join_group", { invite: "https://chat.whatsapp.com/NoSuchInviteCode1" }), /does not work/);
    assert.match(await run.fail("join_group", { invite: "hello" }), /expected a link/);
  });

  test("leave_group: WhatsApp drops the account; the history stays", async () => {
    const r = await run.call("leave_group", { chat_jid: bookClub });
    assert.equal(r.left, true);
    assert.ok(!w.sim.groupState(bookClub)!.participants.some((a) => a.pn === ACCOUNT));
    assert.ok((await history(bookClub)).length > 0);
    assert.match(await run.fail("leave_group", { chat_jid: ALICE }), /must be a group/);
  });

  test("send_location and send_contact: the person decrypts a map pin and a contact card with the shared number", async () => {
    const loc = await run.call("send_location", { recipient: ALICE, latitude: 52.52, longitude: 13.405, name: "Brandenburg Gate" });
    const pin = await alice.waitForMessage((m) => m.id === loc.message_id);
    assert.equal(pin.message.locationMessage?.degreesLatitude, 52.52);
    assert.equal(pin.message.locationMessage?.degreesLongitude, 13.405);
    assert.equal(pin.message.locationMessage?.name, "Brandenburg Gate");
    // No name of Carol's is known here (she never wrote): the card carries the one given.
    const card = await run.call("send_contact", { recipient: ALICE, contact: CAROL, name: "Carol; from hiking\nclub" });
    const got = await alice.waitForMessage((m) => m.id === card.message_id);
    assert.equal(got.message.contactMessage?.displayName, "Carol; from hiking club");
    assert.match(got.message.contactMessage?.vcard ?? "", /\nFN:Carol\\; from hiking club\n/);
    assert.match(got.message.contactMessage?.vcard ?? "", new RegExp(`waid=${CAROL}:\\+${CAROL}`));
    const mine = await until("the sent location in the history", async () => (await history(`${ALICE}@s.whatsapp.net`)).find((m) => m.id === loc.message_id));
    assert.equal(mine.type, "location");
  });

  test("forward_message: always confirmed with the forwarded text shown; the other person receives it marked forwarded", async () => {
    const incoming = await alice.sendText("The code for the gate is 4711");
    await until("Alice's message stored", async () => (await history(`${ALICE}@s.whatsapp.net`)).find((m) => m.id === incoming.id));
    answer = "decline";
    assert.match(await run.fail("forward_message", { chat_jid: ALICE, message_id: incoming.id, to: BOB }), /declined/);
    assert.match(asked.at(-1)!, /Forward this message\?/);
    assert.match(asked.at(-1)!, /The code for the gate is 4711/);
    answer = "accept";
    const fwd = await run.call("forward_message", { chat_jid: ALICE, message_id: incoming.id, to: BOB });
    assert.equal(fwd.confirmed_by_user, true);
    const got = await bob.waitForMessage((m) => m.id === fwd.message_id);
    assert.equal(got.text, "The code for the gate is 4711");
    assert.equal(got.message.extendedTextMessage?.contextInfo?.isForwarded, true);
    assert.ok(!bob.received().some((m) => m.text === "The code for the gate is 4711" && m.id !== fwd.message_id), "the declined forward arrived");
  });

  test("chat state: archive, pin, mute and mark unread reach the phone as app-state changes; list_chats follows", async () => {
    await w.sim.phone.shareAppStateKey();
    const aliceChat = `${ALICE}@s.whatsapp.net`;
    const chat = async () => (await run.call("list_chats", { query: ALICE })).chats.find((c: { jid: string }) => c.jid === aliceChat);
    const archivedNoConfirm = asked.length;
    // The key share is processed asynchronously: retry until the server holds it.
    await until("archive_chat accepted", async () => {
      const r = await run.server.client.callTool({ name: "archive_chat", arguments: { chat_jid: ALICE } });
      return r.isError ? null : r;
    });
    assert.equal(asked.length, archivedNoConfirm, "account state needs no confirmation");
    assert.equal((await run.call("pin_chat", { chat_jid: ALICE })).pinned, true);
    const muted = await run.call("mute_chat", { chat_jid: ALICE, until: "2099-01-01T00:00:00Z" });
    assert.equal(muted.muted_until, "2099-01-01T00:00:00.000Z");
    assert.equal((await run.call("mark_unread", { chat_jid: ALICE })).unread, true);

    const actions = await w.sim.phone.appStateActions();
    const byType = new Map(actions.map((x) => [x.index[0], x]));
    assert.equal(byType.get("archive")?.index[1], aliceChat);
    assert.equal(byType.get("archive")?.value.archiveChatAction?.archived, true);
    assert.equal(byType.get("pin_v1")?.value.pinAction?.pinned, true);
    assert.equal(Number(byType.get("mute")?.value.muteAction?.muteEndTimestamp), Date.UTC(2099, 0, 1));
    assert.equal(byType.get("markChatAsRead")?.value.markChatAsReadAction?.read, false);

    // The last row seen goes into a timeout's message: which of the three states never arrived.
    let seen: unknown = null;
    const shown = await until("list_chats shows the state", async () => {
      const c = await chat();
      seen = c && { archived: c.archived, pinned: c.pinned, muted_until: c.muted_until };
      return c?.archived && c.pinned && c.muted_until ? c : null;
    }).catch((err: Error) => {
      throw new Error(`${err.message}; last seen: ${JSON.stringify(seen)}`);
    });
    assert.equal(shown.muted_until, "2099-01-01T00:00:00.000Z");
    await run.call("archive_chat", { chat_jid: ALICE, archived: false });
    await run.call("mute_chat", { chat_jid: ALICE, muted: false });
    await until("list_chats shows it unarchived and unmuted", async () => {
      const c = await chat();
      return c && c.archived === false && c.muted_until === null;
    });
    assert.match(await run.fail("mute_chat", { chat_jid: ALICE, until: "2001-01-01T00:00:00Z" }), /in the past/);
  });

  test("check_on_whatsapp: numbers with an account get their JID; others are reported as not on WhatsApp", async () => {
    const r = await run.call("check_on_whatsapp", { phone_numbers: [`+1 555 123 0001`, "15559990000", "12"] });
    assert.deepEqual(r.results.map((x: { on_whatsapp: boolean | null; jid: string | null }) => [x.on_whatsapp, x.jid]), [
      [true, `${ALICE}@s.whatsapp.net`],
      [false, null],
      [null, null],
    ]);
    assert.match(r.results[2].error, /international format/);
  });

  test("stdout carried only JSON-RPC; stderr holds no phone digits", () => {
    assertOnlyJsonRpc(run);
    assertStderrFree(run, [ALICE, BOB, CAROL, "Book club", "First meeting"]);
    assert.deepEqual(w.sim.errors, []);
  });
});

/**
 * Poll votes: decrypted with the poll's secret (from the same batch or the store) whichever JID
 * form the voter bound into the key, mapped to option names, and stored as the voter's choice;
 * a vote that cannot be opened is counted, never guessed. History-synced polls carry their votes
 * already decrypted.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sha256 } from "@whiskeysockets/baileys";
import type { WAMessage } from "@whiskeysockets/baileys";
import { mapEvents } from "../../src/whatsapp/mapping/events.ts";
import { decryptVotes } from "../../src/whatsapp/poll_votes.ts";
import { encryptPollVote, pollCreation, type SimPoll } from "../sim/poll.ts";
import { ALICE, ALICE_LID, ctx, GROUP, ME, T0, wa } from "./fixtures.ts";

const OPTIONS = ["Pizza", "Sushi", "Salad"];

function ownPoll(id = "P1"): { msg: WAMessage; poll: SimPoll } {
  const { message, secret } = pollCreation("Lunch?", OPTIONS, 1);
  return { msg: wa({ key: { remoteJid: ALICE, fromMe: true, id }, messageTimestamp: T0, message }), poll: { id, creatorJid: ME, secret, options: OPTIONS } };
}

function voteMsg(poll: SimPoll, voterJid: string, chosen: string[], id = "V1", chat = ALICE, participant?: string): WAMessage {
  return wa({
    key: { remoteJid: chat, fromMe: false, id, participant },
    messageTimestamp: T0 + 60,
    message: { pollUpdateMessage: { pollCreationMessageKey: { remoteJid: chat, fromMe: poll.creatorJid === ME, id: poll.id }, vote: encryptPollVote(poll, voterJid, chosen), senderTimestampMs: (T0 + 60) * 1000 } },
  });
}

const votesOf = (ops: ReturnType<typeof mapEvents>["ops"]) => ops.filter((o) => o.op === "upsertPollVote").map((o) => o.op === "upsertPollVote" && [o.vote.messageId, o.vote.voterId, o.vote.options]);

describe("poll votes", () => {
  test("a vote on a poll of the same batch is decrypted, mapped to option names and stored as the voter's", async () => {
    const { msg, poll } = ownPoll();
    const events = { "messages.upsert": { type: "notify" as const, messages: [msg, voteMsg(poll, ALICE, ["Sushi", "Salad"])] } };
    const c = ctx();
    const { votes, failed } = await decryptVotes(events, c, () => Promise.resolve(null));
    assert.equal(failed, 0);
    const mapped = mapEvents(events, { ...c, votes });
    assert.deepEqual(votesOf(mapped.ops), [["P1", ALICE, ["Sushi", "Salad"]]]);
    const stored = mapped.ops.find((o) => o.op === "upsertPoll");
    assert.ok(stored && stored.op === "upsertPoll");
    assert.deepEqual([stored.poll.options, stored.poll.selectableCount, stored.poll.secret], [OPTIONS, 1, poll.secret]);
  });

  test("a vote bound to the voter's LID opens with the poll from the store; a wrong secret opens nothing", async () => {
    const { poll } = ownPoll();
    const events = { "messages.upsert": { type: "notify" as const, messages: [voteMsg(poll, ALICE_LID, ["Pizza"])] } };
    const c = ctx({ [ALICE_LID]: ALICE });
    const asked: string[] = [];
    const lookup = (chat: string, id: string) => {
      asked.push(`${chat}/${id}`);
      return Promise.resolve({ options: OPTIONS, secret: poll.secret });
    };
    const ok = await decryptVotes(events, c, lookup);
    assert.deepEqual(asked, [`${ALICE}/P1`]);
    assert.deepEqual(votesOf(mapEvents(events, { ...c, votes: ok.votes }).ops), [["P1", ALICE, ["Pizza"]]]);
    const wrong = await decryptVotes(events, c, () => Promise.resolve({ options: OPTIONS, secret: new Uint8Array(32) }));
    assert.equal(wrong.failed, 1);
    assert.deepEqual(votesOf(mapEvents(events, { ...c, votes: wrong.votes }).ops), [], "nothing stored for a vote nobody could read");
    const unknown = await decryptVotes(events, c, () => Promise.resolve(null));
    assert.equal(unknown.failed, 1);
  });

  test("a group member's vote and a history-synced poll with its decrypted votes", async () => {
    const { message, secret } = pollCreation("Hike?", ["Alps", "Coast"], 0);
    const poll: SimPoll = { id: "G1", creatorJid: ME, secret, options: ["Alps", "Coast"] };
    const pollMsg = wa({ key: { remoteJid: GROUP, fromMe: true, id: "G1" }, messageTimestamp: T0, message });
    const vote = voteMsg(poll, ALICE, ["Coast"], "V2", GROUP, ALICE);
    const events = { "messages.upsert": { type: "notify" as const, messages: [pollMsg, vote] } };
    const { votes } = await decryptVotes(events, ctx(), () => Promise.resolve(null));
    assert.deepEqual(votesOf(mapEvents(events, { ...ctx(), votes }).ops), [["G1", ALICE, ["Coast"]]]);

    const synced = wa({
      key: { remoteJid: GROUP, fromMe: true, id: "G2" },
      messageTimestamp: T0,
      message,
      pollUpdates: [{ pollUpdateMessageKey: { remoteJid: GROUP, participant: ALICE, fromMe: false, id: "V9" }, vote: { selectedOptions: [sha256(Buffer.from("Alps"))] }, senderTimestampMs: 5 }],
    });
    const history = { "messaging-history.set": { chats: [], contacts: [], messages: [synced], isLatest: false, syncType: 2 } } as never;
    assert.deepEqual(votesOf(mapEvents(history, ctx()).ops), [["G2", ALICE, ["Alps"]]]);
  });
});

/**
 * The send guard's pure parts, given/when/then: the data-flow memory (what content the model was
 * shown from which chat, and whether an outgoing text carries it elsewhere), the decision with
 * its reasons, and the held-send status the model reads.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  createFlowMemory,
  flowSources,
  MATCH_CHARS,
  MAX_PENDING_RESULTS,
  MIN_MATCH_CHARS,
  normalizeForFlow,
  rememberContent,
  rememberLater,
  rememberResult,
  settleFlow,
  textPrints,
} from "../../src/mcp/policy/data_flow.ts";
import { decideSend, type RecipientFacts } from "../../src/mcp/policy/decide.ts";
import { heldSentence, heldState, heldStatusOut } from "../../src/mcp/held/request.ts";
import type { HeldSendRow } from "../../src/store/types.ts";

const ALICE = "491701111111@s.whatsapp.net";
const BANK = "491709999999@s.whatsapp.net";
const STRANGER = "15559990000@s.whatsapp.net";
const SECRET = "My bank PIN is 4921 / door code 7781";

describe("data flow: what the model was shown, and where it goes", () => {
  test("given a PIN shown from the bank's chat, when it is sent to a stranger, then the bank's chat is the source", () => {
    const mem = createFlowMemory();
    rememberContent(mem, BANK, SECRET);
    assert.deepEqual(flowSources(mem, `Here you go: ${SECRET}`, [STRANGER]), [BANK]);
  });

  test("given the same content, when it goes back to the chat it came from, then it is no flow", () => {
    const mem = createFlowMemory();
    rememberContent(mem, BANK, SECRET);
    assert.deepEqual(flowSources(mem, SECRET, [BANK]), []);
  });

  test("given content shown from two chats, when it goes to one of them, then it is no flow (that chat has it already)", () => {
    const mem = createFlowMemory();
    rememberContent(mem, BANK, SECRET);
    rememberContent(mem, ALICE, SECRET);
    assert.deepEqual(flowSources(mem, SECRET, [ALICE]), []);
    assert.deepEqual(flowSources(mem, SECRET, [STRANGER]).sort(), [ALICE, BANK].sort());
  });

  test("when spacing, case, punctuation, fullwidth forms, zero-width or tag characters differ, then it still matches", () => {
    const mem = createFlowMemory();
    rememberContent(mem, BANK, SECRET);
    const disguised = "mY  BANK\u200bpin-is ４９２１\n\ndoor\u{E0020}code: 7781!!";
    assert.equal(normalizeForFlow(disguised), normalizeForFlow(SECRET));
    // Every BMP code unit (lone surrogates too) and a spread of astral code points fold as the
    // rule says (the code-unit filter against the regexp it replaces).
    const rule = (t: string) => t.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
    for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x10000 ? 1 : 61) {
      const t = `Ab-${String.fromCodePoint(cp)}9z ${String.fromCodePoint(cp)}`;
      assert.equal(normalizeForFlow(t), rule(t), `U+${cp.toString(16)}`);
    }
    assert.equal(normalizeForFlow("x\ud800y\udc00\u{1d7d8}\u{10400}"), rule("x\ud800y\udc00\u{1d7d8}\u{10400}"));
    assert.deepEqual(flowSources(mem, disguised, [STRANGER]), [BANK]);
  });

  test("a shared run of 24 letters and digits matches wherever it starts; a run shorter than 21 never does", () => {
    const source = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".toLowerCase();
    const mem = createFlowMemory();
    rememberContent(mem, BANK, source);
    for (let start = 0; start + MATCH_CHARS <= source.length; start++) {
      const piece = source.slice(start, start + MATCH_CHARS);
      assert.deepEqual(flowSources(mem, `éé ${piece} éé`, [STRANGER]), [BANK], `24 from ${start}`);
      assert.deepEqual(flowSources(mem, `éé ${piece.slice(0, MIN_MATCH_CHARS - 1)} éé`, [STRANGER]), [], `20 from ${start}`);
    }
  });

  test("everyday phrases shorter than the rule do not tie chats together", () => {
    const mem = createFlowMemory();
    rememberContent(mem, ALICE, "Thank you so much, see you tomorrow!");
    assert.deepEqual(flowSources(mem, "Thank you so much!", [STRANGER]), []);
  });

  test("memory is bounded: the oldest fingerprints are dropped first", () => {
    const mem = createFlowMemory(50);
    rememberContent(mem, BANK, SECRET);
    for (let i = 0; i < 40; i++) rememberContent(mem, ALICE, `filler message number ${i} with enough letters to count ${i * 7919}`);
    assert.ok(mem.prints.size <= 50);
    assert.deepEqual(flowSources(mem, SECRET, [STRANGER]), [], "the oldest content is forgotten");
  });

  test("a full memory keeps exactly the newest fingerprints, in the order they were last remembered", () => {
    // Unbounded, the map's order is the order of last remembering: a bounded memory that drops
    // the oldest first must hold the last `max` of those keys, after every step.
    const mem = createFlowMemory(300);
    const unbounded = createFlowMemory(Infinity);
    const chats = [ALICE, BANK, STRANGER];
    let seed = 7; // Park-Miller: exact in doubles
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 3000; i++) {
      // Repeats move fingerprints to the newest end; new texts push the oldest out.
      const text = `message ${Math.floor(rnd() * 400)} with words enough to be remembered ${Math.floor(rnd() * 40)}`;
      const chat = chats[Math.floor(rnd() * 3)]!;
      rememberContent(mem, chat, text);
      rememberContent(unbounded, chat, text);
      if (i % 50 === 0 || i > 2990) assert.deepEqual([...mem.prints.keys()], [...unbounded.prints.keys()].slice(-300), `step ${i}`);
      if (i === 1500) {
        mem.prints.clear(); // a cleared memory starts over
        unbounded.prints.clear();
      }
    }
    assert.equal(mem.prints.size, 300);
  });

  test("a text's fingerprints are its windows at every 4th position and its last, whether remembered first or again", () => {
    // The plain rule: windows of MIN_MATCH_CHARS normalised units from 0, 4, 8, ... and the last one.
    const plain = (text: string): number[] => {
      const s = normalizeForFlow(text);
      if (s.length < MIN_MATCH_CHARS) return [];
      const starts: number[] = [];
      for (let i = 0; i + MIN_MATCH_CHARS <= s.length; i += 4) starts.push(i);
      if (starts[starts.length - 1] !== s.length - MIN_MATCH_CHARS) starts.push(s.length - MIN_MATCH_CHARS);
      const one = createFlowMemory(Infinity);
      const keys: number[] = [];
      for (const i of starts) {
        one.prints.clear();
        rememberContent(one, ALICE, `${s.slice(i, i + MIN_MATCH_CHARS)}`);
        keys.push([...one.prints.keys()][0]!);
      }
      return keys;
    };
    for (let len = 0; len < 60; len++) {
      const text = Array.from({ length: len }, (_, i) => "abcdéfghij klmnöp".charAt((i * 7) % 17)).join("");
      assert.deepEqual([...textPrints(text)], plain(text), `length ${len}`);
      // Remembered twice (the second time from the cache), the memory holds each window once, in order.
      const mem = createFlowMemory(Infinity);
      rememberContent(mem, ALICE, text);
      rememberContent(mem, BANK, text);
      const keys = plain(text);
      assert.deepEqual([...mem.prints.keys()], keys.filter((k, i) => keys.lastIndexOf(k) === i), `length ${len}`);
    }
  });

  test("a tool result is walked: message texts, original texts, file names and chat descriptions are remembered", () => {
    const mem = createFlowMemory();
    rememberResult(mem, {
      messages: [
        { chat_jid: BANK, content: SECRET, original_content: null, media: null },
        { chat_jid: ALICE, content: "x", original_content: "the original text before the edit happened", media: { file_name: "passport-scan-of-alice-2025.pdf" } },
      ],
      chat: { jid: STRANGER, description: "the group description written by a stranger" },
    });
    assert.deepEqual(flowSources(mem, SECRET, [STRANGER]), [BANK]);
    assert.deepEqual(flowSources(mem, "the original text before the edit", [STRANGER]), [ALICE]);
    assert.deepEqual(flowSources(mem, "passport-scan-of-alice-2025.pdf", [BANK]), [ALICE]);
    assert.deepEqual(flowSources(mem, "the group description written by", [ALICE]), [STRANGER]);
  });
});

describe("data flow: results remembered after the answer", () => {
  const page = (i: number) => ({
    messages: [
      { chat_jid: [ALICE, BANK, STRANGER][i % 3], content: `message ${i} of a page with words enough to count ${i * 31}`, original_content: null, media: null },
      { chat_jid: BANK, content: `${SECRET} (${i % 7})`, original_content: null, media: null },
    ],
  });

  test("given a result queued to be remembered, when the guard reads before it was settled, then it sees it", () => {
    const mem = createFlowMemory();
    assert.equal(rememberLater(mem, page(1)), true, "the first queued result asks for a settle");
    assert.equal(rememberLater(mem, page(2)), false, "one settle is asked for already");
    assert.equal(mem.prints.size, 0, "nothing remembered before the settle");
    assert.deepEqual(flowSources(mem, `Here you go: ${SECRET} (1)`, [STRANGER]), [BANK]);
    assert.equal(mem.pending.length, 0);
  });

  test("queued results fill the memory exactly as remembering each at once does, in the same order", () => {
    const now = createFlowMemory(400);
    const later = createFlowMemory(400);
    for (let i = 0; i < 3 * MAX_PENDING_RESULTS; i++) {
      rememberResult(now, page(i));
      if (rememberLater(later, page(i)) && i % 5 === 0) settleFlow(later); // settles at odd times too
      assert.ok(later.pending.length <= MAX_PENDING_RESULTS, "the queue is bounded");
    }
    settleFlow(later);
    assert.deepEqual([...later.prints.keys()], [...now.prints.keys()]);
    assert.deepEqual([...later.prints.keys()].map((k) => later.prints.get(k)), [...now.prints.keys()].map((k) => now.prints.get(k)));
  });
});

describe("decideSend: when a human is asked, and why", () => {
  const given = (o: Partial<RecipientFacts> = {}): RecipientFacts => ({
    kind: "person",
    established: true,
    chatExists: true,
    allowListed: null,
    ...o,
  });

  test("given an established chat and no flow, then the send is allowed", () => {
    assert.deepEqual(decideSend(given(), "first_contact"), { action: "allow" });
  });

  test("given content from Alice's chat, when sent to an established chat, then it asks and names Alice", () => {
    const d = decideSend(given({ flowFrom: ["Alice"] }), "first_contact");
    assert.equal(d.action, "confirm");
    assert.ok(d.action === "confirm" && d.code === "data_flow");
    assert.ok(d.action === "confirm" && d.reason === "it contains text from your chat with Alice");
  });

  test("given content from two chats to a first contact, then every reason is given", () => {
    const d = decideSend(given({ flowFrom: ["Alice", "Bank"], established: false, chatExists: false }), "first_contact");
    assert.ok(d.action === "confirm");
    assert.deepEqual(d.codes, ["data_flow", "first_contact"]);
    assert.match(d.reason, /your chats with Alice and Bank; and there is no chat with this recipient yet \(first contact\)/);
  });

  test("given a group the user wrote in with members never written to, then it asks (group strangers)", () => {
    const d = decideSend(given({ kind: "group", groupStrangers: 3 }), "first_contact");
    assert.ok(d.action === "confirm" && d.code === "group_strangers");
    assert.ok(d.action === "confirm" && /a group with 3 people you have not written to/.test(d.reason));
  });

  test("given a group whose members are not known, then it asks (fail closed)", () => {
    const d = decideSend(given({ kind: "group", groupStrangers: -1 }), "first_contact");
    assert.ok(d.action === "confirm" && d.code === "group_strangers" && /members are not known/.test(d.reason));
  });

  test("given an allow-listed recipient, then first contact and group strangers are skipped, the data flow is not", () => {
    assert.deepEqual(decideSend(given({ allowListed: true, established: false }), "first_contact"), { action: "allow" });
    assert.deepEqual(decideSend(given({ allowListed: true, kind: "group", groupStrangers: 4 }), "first_contact"), { action: "allow" });
    const d = decideSend(given({ allowListed: true, established: false, flowFrom: ["Bank"] }), "first_contact");
    assert.ok(d.action === "confirm" && d.code === "data_flow" && d.codes.length === 1);
  });

  test("given a recipient off the allow-list, then it is blocked whatever else holds", () => {
    assert.equal(decideSend(given({ allowListed: false, flowFrom: ["Alice"] }), "always").action, "block");
  });

  test("given confirm=never, then nothing asks (the operator opted out of every prompt)", () => {
    assert.deepEqual(decideSend(given({ flowFrom: ["Alice"], established: false, kind: "group", groupStrangers: 2 }), "never"), {
      action: "allow",
    });
  });
});

describe("held send status for the model", () => {
  const row = (o: Partial<HeldSendRow> = {}): HeldSendRow => ({
    id: "abcdefghijklmnop",
    createdAt: 1_000_000,
    expiresAt: 1_600_000,
    session: "test-client 1.0",
    contentHash: "x",
    request: JSON.stringify({
      v: 1,
      tool: "send_message",
      action: "Send this WhatsApp message",
      recipient: { kind: "person", jid: STRANGER, name: "Eve", nameSource: "profile", phone: "+15559990000" },
      text: "hi",
      mentions: [],
      quotedId: null,
      attachments: [],
      op: { type: "text", jid: STRANGER, text: "hi" },
      reason: "there is no chat with this recipient yet (first contact)",
      codes: ["first_contact"],
    }),
    status: "waiting",
    claim: null,
    settledAt: null,
    messageId: null,
    detail: null,
    ...o,
  });

  test("a waiting send past its expiry reads as expired, even before that is recorded", () => {
    assert.equal(heldState(row(), 1_599_999), "waiting");
    assert.equal(heldState(row(), 1_600_000), "expired");
    assert.equal(heldState(row({ status: "sent" }), 9_999_999), "sent");
  });

  test("the model is told where the user approves, and that it cannot", () => {
    const out = heldStatusOut(row(), 1_300_000, "http://127.0.0.1:8080");
    assert.equal(out.approval_url, "http://127.0.0.1:8080/approve/abcdefghijklmnop");
    assert.equal(out.seconds_left, 300);
    assert.match(heldSentence(out), /Ask the user to open http:\/\/127\.0\.0\.1:8080\/approve\/abcdefghijklmnop .*no tool can approve it/);
    const sent = heldStatusOut(row({ status: "sent", messageId: "M1" }), 1_300_000, null);
    assert.equal(heldSentence(sent), "Sent after the user approved it (message id M1).");
    assert.match(heldSentence(heldStatusOut(row(), 2_000_000, null)), /expired/);
  });
});

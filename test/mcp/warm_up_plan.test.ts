/**
 * The idle warm-up's plan (src/mcp/warm_up_plan.ts), pure: which read calls it makes, on which
 * inputs learned from the answers, and that an empty store gets one call.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createWarmUpPlan, namePrefix, searchWords, type WarmUpCall } from "../../src/mcp/warm_up_plan.ts";

const CHATS = {
  chats: [
    { jid: "a@s.whatsapp.net", name: "Alice Example", last_message: { id: "M1", chat_jid: "a@s.whatsapp.net", content: "Lunch tomorrow at the pizzeria?" } },
    { jid: "g@g.us", name: "Family", last_message: null },
  ],
};

/** Runs the plan `n` calls, answering each with `answer(call)`. */
function drive(n: number, answer: (c: WarmUpCall) => unknown, ms = () => 1): WarmUpCall[] {
  const plan = createWarmUpPlan();
  const calls: WarmUpCall[] = [];
  for (let i = 0; i < n; i++) {
    const c = plan.next();
    if (!c) break;
    calls.push(c);
    plan.learn(c, answer(c), ms());
  }
  return calls;
}

describe("warm-up plan", () => {
  test("given an empty store, when list_chats finds no chat, then the plan ends after that one call", () => {
    const calls = drive(10, () => ({ chats: [] }));
    assert.deepEqual(calls.map((c) => c.name), ["list_chats"]);
  });

  test("given an error answer to the first call, then the plan ends", () => {
    assert.equal(drive(10, () => undefined).length, 1);
  });

  test("given chats and messages, then every read kind is made, on the store's own chats, ids and words", () => {
    const calls = drive(40, (c) => (c.name === "list_chats" ? CHATS : c.name === "list_messages" ? { messages: [] } : {}));
    const kinds = new Set(calls.map((c) => `${c.name}:${Object.keys(c.arguments).sort().join(",")}`));
    assert.ok(kinds.has("list_chats:include_last_message,limit,page"));
    assert.ok(kinds.has("list_messages:chat_jid,include_context,limit"), "a chat's newest");
    assert.ok(kinds.has("list_messages:include_context,limit,query"), "a word");
    assert.ok(kinds.has("list_messages:limit,query"), "a word with the default context");
    assert.ok(kinds.has("list_messages:include_context,limit,order,query"), "by relevance");
    assert.ok(kinds.has("list_messages:chat_jid,include_context,limit,query"), "a word in a chat");
    assert.ok(kinds.has("get_message_context:after,before,chat_jid,message_id"));
    assert.ok(kinds.has("search_contacts:query"));
    const args = calls.map((c) => c.arguments);
    assert.ok(args.some((a) => a.chat_jid === "g@g.us"));
    assert.ok(args.some((a) => a.message_id === "M1" && a.chat_jid === "a@s.whatsapp.net"));
    assert.ok(args.some((a) => a.query === "pizzeria"));
    assert.ok(args.some((a) => a.query === '"lunch tomorrow"'), "a phrase");
    assert.ok(args.some((a) => a.query === "tomorrow pizzeria lunch" && a.order === "relevance"), "the three longest words, ranked");
    assert.ok(args.some((a) => a.query === "al"), "a name's first letters");
    // Every word searched alone found fewer than a page: ranked alone too.
    assert.ok(args.some((a) => a.query === "lunch" && a.order === "relevance"));
  });

  test("a word found on a full page is not ranked alone (ranking scores every hit)", () => {
    const page = { messages: Array.from({ length: 20 }, (_, i) => ({ id: `X${i}`, chat_jid: "a@s.whatsapp.net", content: null })) };
    const calls = drive(60, (c) => (c.name === "list_chats" ? CHATS : c.name === "list_messages" ? page : {}));
    assert.ok(!calls.some((c) => c.arguments.order === "relevance" && !String(c.arguments.query).includes(" ")));
  });

  test("after the first round, a word whose call was slow is not used again", () => {
    let n = 0;
    const calls = drive(80, (c) => (c.name === "list_chats" ? CHATS : { messages: [] }), () => (++n > 12 ? 80 : 1));
    const late = calls.slice(20).map((c) => String(c.arguments.query ?? ""));
    assert.ok(!late.some((q) => q.includes("pizzeria")), "slow words dropped");
  });

  test("search words are plain ASCII words of 4-20 letters, lower case, once each; name prefixes two letters", () => {
    assert.deepEqual(searchWords('Hi Ana! "NEAR" the café OR Lunch lunch a1b2c3 supercalifragilisticexpialidocious'), ["lunch"]);
    assert.equal(namePrefix("  Élise Ma"), "li");
    assert.equal(namePrefix("+49 170"), undefined);
  });
});

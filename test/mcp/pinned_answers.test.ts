/**
 * The read tools' answers pinned byte for byte: each call's whole JSON-RPC result (text blocks,
 * structuredContent, resource links, key order) as the server sends it, against
 * fixtures/pinned_answers.json. Work on result shaping, validation or output must leave these
 * bytes unchanged; a deliberate change of an answer rewrites the fixture
 * (WA_MCP_PIN_UPDATE=1, then review the diff).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { z } from "zod";
import { ALICE, GROUP, type Harness, startHarness } from "./harness.ts";
import { repoRoot } from "../helpers/paths.ts";

const FIXTURE = join(repoRoot(), "test", "mcp", "fixtures", "pinned_answers.json");

/** The result as it came, unparsed (the SDK client's own parse would copy it). */
const AS_SENT = z.custom<unknown>(() => true);

/** The calls pinned: every read tool of the stdio bench, with and without context, search and lists. */
const CALLS: Array<[string, Record<string, unknown>]> = [
  ["list_messages", {}],
  ["list_messages", { limit: 3 }],
  ["list_messages", { query: "cake" }],
  ["list_messages", { query: "lunch", context_before: 2, context_after: 0 }],
  ["list_messages", { chat_jid: GROUP, include_context: false, limit: 20 }],
  ["list_messages", { query: "cake", order: "relevance", include_context: false }],
  ["list_messages", { query: "nothing-matches-this" }],
  ["get_message_context", { chat_jid: GROUP, message_id: "G3", before: 5, after: 5 }],
  ["list_chats", { limit: 20, include_last_message: true }],
  ["list_chats", { limit: 20, include_last_message: false }],
  ["get_chat", { chat_jid: GROUP }],
  ["search_contacts", { query: "a" }],
  ["search_contacts", { query: "ali" }],
  ["search_contacts", { query: "+49 170" }],
  ["search_contacts", { query: "zzz" }],
  ["get_last_interaction", { jid: ALICE }],
  ["get_contact_chats", { jid: ALICE }],
];

describe("read tools' answers, byte for byte", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test("each pinned call answers exactly as pinned", async () => {
    const got: Record<string, string> = {};
    for (const [name, args] of CALLS) {
      const r = await h.client.request({ method: "tools/call", params: { name, arguments: args } }, AS_SENT);
      got[`${name} ${JSON.stringify(args)}`] = JSON.stringify(r);
    }
    if (process.env.WA_MCP_PIN_UPDATE === "1") {
      writeFileSync(FIXTURE, JSON.stringify(got, null, 1) + "\n");
    }
    const want = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, string>;
    assert.deepEqual(Object.keys(got), Object.keys(want), "the same calls");
    for (const k of Object.keys(want)) assert.equal(got[k], want[k], k);
  });
});

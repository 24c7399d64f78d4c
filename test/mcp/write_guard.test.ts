/** The one guard for every write: the decision per kind (pure), and the send path applying it. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ConfirmMode } from "../../src/mcp/policy/decide.ts";
import { decideWrite, rateBudget, stateLimits, WRITE_KINDS, type WriteFacts, type WriteKind } from "../../src/mcp/policy/write_kind.ts";
import { ALL_TOOLS } from "../../src/mcp/tools/index.ts";
import { type Harness, startHarness, textOf } from "./harness.ts";

const fresh: WriteFacts = { kind: "person", established: false, chatExists: false, allowListed: null };
const known: WriteFacts = { kind: "person", established: true, chatExists: true, allowListed: null };
const outside: WriteFacts = { ...known, allowListed: false };

/** [kind, mode, facts, expected action and code]. */
const TABLE: Array<[WriteKind, ConfirmMode, WriteFacts, string]> = [
  ["message", "first_contact", known, "allow"],
  ["message", "first_contact", fresh, "confirm first_contact"],
  ["message", "always", known, "confirm always"],
  ["message", "never", fresh, "allow"],
  ["message", "never", outside, "block not_allow_listed"],
  ["message", "first_contact", { ...known, alwaysConfirm: true }, "confirm always_for_action"],
  ["group_admin", "first_contact", known, "confirm group_admin"],
  ["group_admin", "always", known, "confirm always"],
  ["group_admin", "never", known, "allow"],
  ["group_admin", "never", fresh, "allow"],
  ["group_admin", "never", outside, "block not_allow_listed"],
  ["group_admin", "never", { ...known, alwaysConfirm: true }, "confirm always_for_action"],
  ["account_state", "always", fresh, "allow"],
  ["account_state", "first_contact", outside, "allow"],
  ["account_state", "never", { ...fresh, alwaysConfirm: true }, "confirm always_for_action"],
  ["read_receipt", "always", fresh, "allow"],
  ["read_receipt", "first_contact", outside, "allow"],
];

describe("decideWrite", () => {
  for (const [kind, mode, facts, want] of TABLE) {
    test(`${kind}, confirm=${mode}, ${JSON.stringify(facts)} -> ${want}`, () => {
      const d = decideWrite(kind, facts, mode);
      assert.equal(d.action === "allow" ? "allow" : `${d.action} ${d.code}`, want);
    });
  }
  test("an always-confirmed action keeps the policy's own reasons (data flow) beside its own", () => {
    const d = decideWrite("message", { ...known, flowFrom: ["Alice"], alwaysConfirm: true }, "first_contact");
    assert.equal(d.action, "confirm");
    if (d.action !== "confirm") return;
    assert.deepEqual(d.codes, ["always_for_action", "data_flow"]);
    assert.match(d.reason, /Alice/);
    assert.match(d.reason, /always needs the user's confirmation/);
  });
  test("the table covers every kind", () => {
    assert.deepEqual([...new Set(TABLE.map((r) => r[0]))].sort(), [...WRITE_KINDS].sort());
  });
  test("messages and group changes spend the send budget; state changes a looser one of their own", () => {
    assert.deepEqual(WRITE_KINDS.map(rateBudget), ["send", "send", "state", "state"]);
    assert.deepEqual(stateLimits({ perMinute: 10, perHour: 0, perDay: 300, perRecipientPerHour: 20 }), {
      perMinute: 60,
      perHour: 0,
      perDay: 1800,
      perRecipientPerHour: 120,
    });
  });
  test("every write tool declares a kind the guard knows; read tools declare none", () => {
    for (const t of ALL_TOOLS) {
      if (t.access === "read") assert.equal(t.kind, undefined, t.name);
      else assert.ok(t.kind === undefined || (WRITE_KINDS as readonly string[]).includes(t.kind), t.name);
    }
  });
});

describe("the send path decides by kind", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ policy: { allowedRecipients: ["491701111111"], perMinute: 1 } });
  });
  after(async () => {
    await h.close();
  });

  test("a read receipt is not held by the allow-list or the send budget, and is audited with its kind", async () => {
    // Bob is not on the allow-list and the send budget is one per minute.
    assert.equal((await h.call("send_message", { recipient: "491701111111", message: "hello" })).isError, undefined);
    const r = await h.call("mark_read", { chat_jid: "441234567890" });
    assert.equal(r.isError, undefined, textOf(r));
    assert.ok(h.whatsapp.asked.some((m) => m.type === "markRead"));
    const line = h.audit.records.at(-1)!;
    assert.equal(line.fields?.tool, "mark_read");
    assert.equal(line.fields?.kind, "read_receipt");
    assert.equal(line.fields?.outcome, "sent");
    const blocked = await h.call("send_message", { recipient: "441234567890", message: "hello" });
    assert.match(textOf(blocked), /allow-list/);
  });
});

describe("read-only mode", () => {
  test("refuses a read receipt at call time too", async () => {
    const h = await startHarness({ readOnly: true });
    try {
      const names = (await h.client.listTools()).tools.map((t) => t.name);
      assert.ok(!names.includes("mark_read"));
      const r = await h.call("mark_read", { chat_jid: "441234567890" });
      assert.equal(r.isError, true);
      assert.equal(h.whatsapp.asked.length, 0);
    } finally {
      await h.close();
    }
  });
});

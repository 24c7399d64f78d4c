import { describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { CallToolResultSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { MessageRow, WriteOp } from "../../src/store/types.ts";
import { ALICE, BOB, GROUP, ME, startHarness, T0, textOf } from "./harness.ts";

const DAY = 86_400_000;

function arrives(chatJid: string, id: string, ts: number, extra: Partial<MessageRow> = {}): WriteOp {
  return {
    op: "upsertMessage",
    live: true,
    message: {
      chatJid, id, senderId: chatJid, fromMe: false, ts, type: "text", text: `text ${id}`, quotedId: null, editedText: null,
      editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw: null, ...extra,
    },
  };
}

type Out = { messages: Array<{ id: string; chat_jid: string }>; cursor: string; timed_out: boolean };
const later = (ms: number, fn: () => Promise<unknown>) => new Promise((r) => setTimeout(() => void fn().then(r), ms));

describe("wait_for_messages", () => {
  test("returns as soon as a matching message arrives, skipping others; the cursor gives every later message once", async () => {
    const h = await startHarness();
    try {
      const started = Date.now();
      const waiting = h.call("wait_for_messages", { chat_jid: ALICE, timeout_s: 20 });
      await later(150, () =>
        h.repository.commit([
          arrives(BOB, "OTHER", T0 + 3 * DAY), // another chat
          arrives(ALICE, "MINE", T0 + 3 * DAY, { fromMe: true, senderId: ME }), // our own
        ]));
      await later(150, () => h.repository.commit([arrives(ALICE, "W1", T0 + 3 * DAY + 1)]));
      const r = await waiting;
      assert.equal(r.isError, undefined, textOf(r));
      const out = r.structuredContent as Out;
      assert.deepEqual(out.messages.map((m) => m.id), ["W1"]);
      assert.equal(out.timed_out, false);
      assert.ok(Date.now() - started < 1500, `returned after ${Date.now() - started} ms`);
      assert.match(out.cursor, /^feed:\d+$/);
      assert.match(textOf(r), /untrusted/);

      // While nobody waits: a late message with an old timestamp (the offline queue) and a new one.
      await h.repository.commit([arrives(ALICE, "LATE", T0 - DAY), arrives(GROUP, "G-NEW", T0 + 3 * DAY, { senderId: ALICE })]);
      const next = (await h.call("wait_for_messages", { since: out.cursor, timeout_s: 1 })).structuredContent as Out;
      assert.deepEqual(next.messages.map((m) => m.id), ["LATE", "G-NEW"]);
      const again = (await h.call("wait_for_messages", { since: next.cursor, timeout_s: 1 })).structuredContent as Out;
      assert.deepEqual(again.messages, [], "nothing twice");
      assert.equal(again.timed_out, true);
      assert.equal(again.cursor, next.cursor);

      const typed = h.call("wait_for_messages", { since: again.cursor, types: ["image"], timeout_s: 5 });
      await later(100, () => h.repository.commit([arrives(BOB, "TXT", T0 + 4 * DAY), arrives(BOB, "IMG", T0 + 4 * DAY + 1, { type: "image" })]));
      assert.deepEqual(((await typed).structuredContent as Out).messages.map((m) => m.id), ["IMG"]);
    } finally {
      await h.close();
    }
  });

  test("an instant as since returns stored messages from then on; bad input says what is wrong", async () => {
    const h = await startHarness();
    try {
      const r = (await h.call("wait_for_messages", { chat_jid: ALICE, since: new Date(T0 + DAY - 1000).toISOString(), timeout_s: 1 })).structuredContent as Out;
      assert.deepEqual(r.messages.map((m) => m.id), ["A4"]);
      const bad = await h.call("wait_for_messages", { since: "yesterday" });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /since/);
      const tooLong = await h.call("wait_for_messages", { timeout_s: 61 });
      assert.equal(tooLong.isError, true);
      assert.match(textOf(tooLong), /60/);
    } finally {
      await h.close();
    }
  });

  test("is bounded per session and cancellable by the client", async () => {
    const h = await startHarness();
    try {
      const c1 = new AbortController();
      const c2 = new AbortController();
      const opts = (c: AbortController) => ({ signal: c.signal, timeout: 120_000 });
      const w1 = h.client.callTool({ name: "wait_for_messages", arguments: { timeout_s: 60 } }, CallToolResultSchema, opts(c1)).catch((e: Error) => e);
      const w2 = h.client.callTool({ name: "wait_for_messages", arguments: { timeout_s: 60 } }, CallToolResultSchema, opts(c2)).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 100));
      const third = await h.call("wait_for_messages", { timeout_s: 1 });
      assert.equal(third.isError, true);
      assert.match(textOf(third), /Too many wait_for_messages/);
      const t = Date.now();
      c1.abort("enough");
      c2.abort("enough");
      assert.ok((await w1) instanceof Error && (await w2) instanceof Error);
      // The server let go of both: a new wait is accepted at once.
      await new Promise((r) => setTimeout(r, 50));
      const fresh = (await h.call("wait_for_messages", { timeout_s: 1 })) as CallToolResult;
      assert.equal(fresh.isError, undefined, textOf(fresh));
      assert.ok(Date.now() - t < 3000);
      assert.equal(h.live.size(), 0, "no waiter left subscribed");
    } finally {
      await h.close();
    }
  });
});

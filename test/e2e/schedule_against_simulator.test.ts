/**
 * Scheduled sends end to end: the real server process (stdio, sql.js, real Baileys, the scheduler
 * actor in the tree) against the WhatsApp Web simulator, on the real clock. A message scheduled a
 * few seconds ahead reaches the simulated person once, with the id chosen when it was scheduled;
 * the guard asks at schedule time (first contact, data flow); cancel; a send due while the server
 * was stopped goes out flagged late at the next start; one due after a restart into read-only
 * mode is refused then, with the reason recorded. The servers run with the test hook
 * WHATSAPP_MCP_TEST_LATE_AFTER_MS (the `late` threshold, 10 s for users) at 1 s, so the late
 * send waits seconds, not ten.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { FakeContact } from "../sim/index.ts";
import { assertOnlyJsonRpc, assertStderrFree, type ServerRun, startWorld, until, type World } from "./harness.ts";

const FRAN = "15551238001";
const GUS = "15551238002";
/** The `late` threshold of the servers under test (the test hook; LATE_AFTER_MS otherwise). */
const LATE_AFTER_MS = 1_000;
const TEXT = {
  soon: "Scheduled hello, Fran",
  leak: "the door code is 4921 and the alarm code is 7781 for tonight",
  late: "Fran, this one waited for the server",
  readOnly: "Gus, this one must not go out",
};

type Item = { schedule_id: string; status: string; late: boolean; late_by_s: number | null; message_id: string | null; detail: string | null };

describe("scheduled sends against the WhatsApp simulator", () => {
  let w: World;
  let run: ServerRun;
  let fran: FakeContact;
  let gus: FakeContact;
  const asked: string[] = [];
  let answer: "accept" | "decline" = "accept";

  const start = async (env: Record<string, string> = {}) => {
    run = await w.startServer({ env: { WHATSAPP_MCP_TOOLSETS: "default,schedule", WHATSAPP_MCP_TEST_LATE_AFTER_MS: String(LATE_AFTER_MS), ...env }, clientCapabilities: { elicitation: {} } });
    run.server.client.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: "decline" };
    });
  };
  const connected = () => until("connected", async () => ((await run.call("check_bridge_status")).connected ? true : null), 60_000);
  const item = async (id: string): Promise<Item> => (await run.call("list_scheduled")).scheduled.find((s: Item) => s.schedule_id === id);
  const settled = (id: string, timeoutMs = 30_000) =>
    until("the scheduled send settled", async () => {
      const s = await item(id);
      return s && s.status !== "pending" && s.status !== "sending" ? s : null;
    }, timeoutMs);
  const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  before(async () => {
    w = await startWorld({ initialHistory: { conversations: [] } });
    fran = w.sim.contact(FRAN, { name: "Fran Fisher" });
    gus = w.sim.contact(GUS, { name: "Gus Green" });
    await start();
    const qr = await until("a QR on /api/status", async () => (await run.apiStatus()).link?.qr);
    await w.sim.phone.scanQr(qr);
    await connected();
  });

  after(async () => {
    await w?.close();
  });

  test("a first contact asks now, naming the time; scheduled 3 s ahead, the person receives it once, under the chosen id", async () => {
    const s = await run.call("schedule_message", { recipient: FRAN, message: TEXT.soon, at: isoIn(3_000) });
    assert.equal(s.status, "scheduled");
    assert.equal(s.confirmed_by_user, true);
    assert.match(asked.at(-1)!, /Schedule this WhatsApp message for .*Z\?/);
    assert.match(asked.at(-1)!, /first contact/);
    assert.deepEqual(fran.received(), [], "nothing before its time");
    const done = await settled(s.schedule_id);
    assert.equal(done.status, "sent", done.detail ?? "");
    assert.equal(done.late, false);
    const got = await fran.waitForMessage((m) => m.id === done.message_id);
    assert.equal(got.text, TEXT.soon);
    await sleep(1_500);
    assert.equal(fran.received().filter((m) => m.text === TEXT.soon).length, 1, "received exactly once");
  });

  test("text read from one chat scheduled to another asks the user (data flow); declined, nothing is scheduled", async () => {
    await fran.sendText(`remember: ${TEXT.leak}`);
    await until("Fran's message in the store", async () =>
      (await run.call("list_messages", { chat_jid: FRAN, include_context: false })).messages.some((m: { content: string | null }) => m.content?.includes("door code")));
    answer = "decline";
    try {
      const text = await run.fail("schedule_message", { recipient: GUS, message: `FYI ${TEXT.leak}`, at: "in 1h" });
      assert.match(text, /^Not scheduled: the user declined/);
      assert.match(asked.at(-1)!, /text from your chat with/);
      assert.equal((await run.call("list_scheduled", { status: ["pending"] })).waiting, 0);
    } finally {
      answer = "accept";
    }
  });

  test("cancel_scheduled: a cancelled send is never sent", async () => {
    const s = await run.call("schedule_message", { recipient: FRAN, message: "cancel me", at: isoIn(2_000) });
    assert.deepEqual(await run.call("cancel_scheduled", { schedule_id: s.schedule_id }), { schedule_id: s.schedule_id, status: "cancelled" });
    // A send due just after it: sends go out in time order, so once this one arrived the
    // cancelled one would have too (instead of sleeping past its time).
    const next = await run.call("schedule_message", { recipient: FRAN, message: "after the cancelled one", at: isoIn(2_500) });
    const done = await settled(next.schedule_id);
    assert.equal(done.status, "sent", done.detail ?? "");
    await fran.waitForMessage((m) => m.id === done.message_id);
    assert.equal((await item(s.schedule_id)).status, "cancelled");
    assert.equal(fran.received().filter((m) => m.text === "cancel me").length, 0);
  });

  test("due while the server was stopped: sent at the next start, flagged late, once", async () => {
    const dueIn = 4_000; // time enough to stop the server first
    const s = await run.call("schedule_message", { recipient: FRAN, message: TEXT.late, at: isoIn(dueIn) });
    const due = Date.now() + dueIn;
    assert.equal(await run.stop(), 0);
    await sleep(Math.max(0, due + LATE_AFTER_MS + 500 - Date.now())); // past its time, beyond the late threshold
    assert.equal(fran.received().filter((m) => m.text === TEXT.late).length, 0, "not sent while the server was off");
    await start();
    await connected();
    const done = await settled(s.schedule_id, 60_000);
    assert.equal(done.status, "sent", done.detail ?? "");
    assert.equal(done.late, true);
    assert.ok(done.late_by_s! * 1000 >= LATE_AFTER_MS, `late by ${done.late_by_s} s`);
    const got = await fran.waitForMessage((m) => m.id === done.message_id);
    assert.equal(got.text, TEXT.late);
    await sleep(1_500);
    assert.equal(fran.received().filter((m) => m.text === TEXT.late).length, 1);
  });

  test("read-only mode set before its time (by a restart) refuses it then, with the reason recorded", async () => {
    // Gus is a first contact: confirmed now, so only read-only mode can stop it.
    const s = await run.call("schedule_message", { recipient: GUS, message: TEXT.readOnly, at: isoIn(5_000) });
    assert.equal(s.confirmed_by_user, true);
    assert.equal(await run.stop(), 0);
    await start({ WHATSAPP_MCP_READ_ONLY: "true" });
    const names = (await run.server.client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes("list_scheduled") && !names.includes("schedule_message"));
    const done = await settled(s.schedule_id, 60_000);
    assert.equal(done.status, "failed");
    assert.match(done.detail!, /read-only mode/);
    await sleep(1_500);
    assert.deepEqual(gus.received().filter((m) => m.text === TEXT.readOnly), []);
  });

  test("stdout carried only JSON-RPC; stderr holds no message text or phone digits", () => {
    for (const r of w.runs) {
      assertOnlyJsonRpc(r);
      assertStderrFree(r, [...Object.values(TEXT), FRAN, GUS]);
    }
  });
});

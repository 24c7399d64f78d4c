/**
 * Scheduled sends through a real MCP client (in-memory pair), the real sql.js store and the real
 * scheduler actor in a supervision tree on a manual clock; fakes only at our seams (the WhatsApp
 * connection records what it would send, media, the attachment-copy folder). The guard at schedule
 * time (first contact, data flow, approval page) and at send time (read-only mode, allow-list,
 * link), missed sends (late within the grace, expired after it), cancel, and a crash in flight.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { type CallToolResult, ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { createManualClock, createRegistry, startTree, type Tree, worker } from "../../supervisors/mod.ts";
import { createApprovals } from "../../src/mcp/held/approvals.ts";
import { createRateLimiter } from "../../src/mcp/policy/rate_limit.ts";
import { createMcpServer } from "../../src/mcp/server.ts";
import { schedulerBehavior } from "../../src/schedule/actor.ts";
import { SCHEDULER } from "../../src/schedule/client.ts";
import { createScheduleService } from "../../src/schedule/service.ts";
import type { ScheduledFiles } from "../../src/schedule/types.ts";
import type { Repository } from "../../src/store/types.ts";
import { ALICE, BOB, buildDeps, INJECTION, ME, textOf } from "../mcp/harness.ts";

const S = 1_000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

type Out = Record<string, any>;

function memoryFiles(): ScheduledFiles & { copies: Map<string, Uint8Array> } {
  const copies = new Map<string, Uint8Array>();
  return {
    copies,
    put: (id, bytes) => Promise.resolve(void copies.set(id, bytes.slice())),
    get: (id) => Promise.resolve(copies.get(id) ?? null),
    remove: (id) => Promise.resolve(void copies.delete(id)),
    list: () => Promise.resolve([...copies.keys()].map((id) => ({ id, writtenAt: 0 }))),
  } as ScheduledFiles & { copies: Map<string, Uint8Array> };
}

/** The world of one test: MCP client ↔ server, store, scheduler tree, manual clock. */
async function setup(
  o: { elicit?: (m: string) => ElicitResult; graceMs?: number; policy?: Record<string, unknown>; wrapRepository?: (r: Repository) => Repository } = {},
) {
  const built = await buildDeps({ policy: o.policy, toolsets: ["all"], wrapRepository: o.wrapRepository });
  const clock = createManualClock(built.clock.now());
  const files = memoryFiles();
  const registry = createRegistry();
  const deps = built.deps;
  deps.clock = clock;
  deps.rateLimiter = createRateLimiter(deps.config.sendPolicy, clock);
  deps.schedule = createScheduleService({
    repository: deps.repository,
    media: deps.media,
    clock,
    files,
    wake: () => registry.tell(SCHEDULER, { type: "wake" }),
  });
  const schedulerDeps = { ...deps, audit: built.audit, files };
  let tree: Tree | null = null;
  // Moves time, then waits for a full round at the new time: the store does real I/O, which the
  // manual clock's one-turn flush does not wait for; an ask is answered after the rounds queued before it.
  const step = async (ms: number) => {
    await clock.advance(ms);
    if (tree) await registry.ask(SCHEDULER, { type: "wake" }, { timeoutMs: Infinity });
  };
  const startScheduler = async () => {
    tree = await startTree(
      { strategy: "one_for_one", intensity: 3, periodMs: 60_000, children: [worker(SCHEDULER, () => schedulerBehavior({ deps: schedulerDeps, log: built.log, graceMs: o.graceMs }))] },
      { registry, clock },
    );
    await step(0);
  };
  const stopScheduler = async () => {
    await tree?.stop();
    tree = null;
  };
  await startScheduler();

  const server = createMcpServer(deps);
  const elicitations: string[] = [];
  const client = new Client({ name: "test-client", version: "1.0.0" }, { capabilities: o.elicit ? { elicitation: {} } : {} });
  if (o.elicit) {
    const answer = o.elicit;
    client.setRequestHandler(ElicitRequestSchema, (req) => {
      elicitations.push(req.params.message);
      return answer(req.params.message);
    });
  }
  const [ct, st] = InMemoryTransport.createLinkedPair();
  await server.connect(st);
  await client.connect(ct);
  const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await call(name, args);
    assert.notEqual(r.isError, true, `${name}: ${textOf(r)}`);
    return r.structuredContent as Out;
  };
  const list = async () => (await ok("list_scheduled")).scheduled as Out[];
  const one = async (id: string) => (await list()).find((s) => s.schedule_id === id)!;
  return {
    ...built,
    deps,
    clock,
    step,
    files,
    elicitations,
    call,
    ok,
    list,
    one,
    startScheduler,
    stopScheduler,
    iso: (msFromNow: number) => new Date(clock.now() + msFromNow).toISOString(),
    close: async () => {
      await stopScheduler();
      await client.close();
      await server.close();
      await built.dispose();
    },
  };
}

const texts = (sent: unknown[]) => sent.map((m) => (m as { text?: string }).text);

describe("schedule_message: validation", () => {
  test("at must be readable, have an offset, lie in the future and within 90 days; message or media_path is needed", async () => {
    const w = await setup();
    try {
      const bad = async (args: Record<string, unknown>, re: RegExp) => {
        const r = await w.call("schedule_message", { recipient: ALICE, message: "hi", ...args });
        assert.equal(r.isError, true, JSON.stringify(args));
        assert.match(textOf(r), re);
      };
      await bad({ at: "tomorrow morning" }, /at: cannot read "tomorrow morning": expected an ISO-8601 date-time with its UTC offset/);
      await bad({ at: "2030-01-01T09:00:00" }, /no UTC offset/);
      await bad({ at: w.iso(-MIN) }, /not in the future \(the server's time is/);
      await bad({ at: w.iso(91 * 24 * HOUR) }, /at most 90 d ahead/);
      await bad({ at: "in 2h", message: undefined }, /message or media_path/);
      await bad({ at: "in 2h", voice_note: true }, /voice_note: needs media_path/);
      await bad({ at: "in 2h", recipient: "status@broadcast" }, /broadcast lists, status or channels/);
      assert.deepEqual(await w.list(), []);
    } finally {
      await w.close();
    }
  });
});

describe("the scheduler sends at the time", () => {
  test("a message scheduled 2 min ahead is sent once at its time, under the id chosen when scheduled, not late", async () => {
    const w = await setup();
    try {
      const s = await w.ok("schedule_message", { recipient: ALICE, message: "Happy birthday!", at: "in 2 minutes" });
      assert.equal(s.status, "scheduled");
      assert.equal(s.confirmed_by_user, false, "an established chat needs no confirmation");
      assert.equal(s.at, w.iso(2 * MIN));
      await w.step(2 * MIN - S);
      assert.deepEqual(w.whatsapp.sent(), [], "nothing before its time");
      assert.equal((await w.one(s.schedule_id)).status, "pending");
      await w.step(S);
      const row = (await w.repository.getScheduled(s.schedule_id))!;
      assert.deepEqual(w.whatsapp.sent(), [{ type: "sendText", jid: ALICE, text: "Happy birthday!", messageId: row.messageId }]);
      await w.step(10 * MIN);
      assert.equal(w.whatsapp.sent().length, 1, "sent exactly once");
      const out = await w.one(s.schedule_id);
      assert.equal(out.status, "sent");
      assert.equal(out.late, false);
      assert.equal(out.late_by_s, 0);
      assert.equal(out.message_id, row.messageId);
      assert.match(row.messageId, /^3EB0[0-9A-F]{18}$/);
      assert.deepEqual(w.audit.records.map((r) => r.fields!.outcome), ["scheduled", "sent"]);
      assert.equal(w.audit.records[1]!.fields!.tool, "schedule_message");
    } finally {
      await w.close();
    }
  });

  test("several due at once go out in time order; a file goes out from the copy made when it was scheduled", async () => {
    const w = await setup();
    try {
      let bytes = new Uint8Array(1500).fill(1);
      w.media.prepareFile = () => Promise.resolve({ bytes, mimetype: "application/pdf", kind: "document" as const, fileName: "report.pdf" });
      const b = await w.ok("schedule_message", { recipient: ALICE, message: "second", at: w.iso(90 * S) });
      const f = await w.ok("schedule_message", { recipient: ALICE, media_path: "/data/outbox/report.pdf", message: "the report", at: w.iso(60 * S) });
      assert.equal(w.files.copies.size, 1, "the attachment is copied when it is scheduled");
      bytes = new Uint8Array(1500).fill(2); // the original changes afterwards
      await w.step(2 * MIN);
      const sent = w.whatsapp.sent() as Array<Record<string, any>>;
      assert.deepEqual(sent.map((m) => m.type), ["sendMedia", "sendText"]);
      assert.equal(sent[0]!.media.fileName, "report.pdf");
      assert.equal(sent[0]!.media.caption, "the report");
      assert.equal(sent[0]!.media.bytes[0], 1, "what was confirmed is what is sent");
      assert.equal(w.files.copies.size, 0, "the copy is removed once sent");
      assert.equal((await w.one(f.schedule_id)).attachment.name, "report.pdf");
      assert.equal((await w.one(b.schedule_id)).status, "sent");
    } finally {
      await w.close();
    }
  });

  test("a copy that changed in the data folder is refused at send time, with the reason recorded", async () => {
    const w = await setup();
    try {
      const s = await w.ok("schedule_message", { recipient: ALICE, media_path: "/data/outbox/report.pdf", at: "in 1m" });
      w.files.copies.set(s.schedule_id, new Uint8Array(3));
      await w.step(MIN);
      assert.deepEqual(w.whatsapp.sent(), []);
      const out = await w.one(s.schedule_id);
      assert.equal(out.status, "failed");
      assert.match(out.detail, /copy of report\.pdf made when it was scheduled changed; it was not sent/);
    } finally {
      await w.close();
    }
  });
});

describe("cancel_scheduled", () => {
  test("cancelled before its time: never sent; cancelling again or an unknown id says why", async () => {
    const w = await setup();
    try {
      const s = await w.ok("schedule_message", { recipient: ALICE, message: "maybe not", at: "in 5m" });
      assert.deepEqual(await w.ok("cancel_scheduled", { schedule_id: s.schedule_id }), { schedule_id: s.schedule_id, status: "cancelled" });
      await w.step(10 * MIN);
      assert.deepEqual(w.whatsapp.sent(), []);
      assert.equal((await w.one(s.schedule_id)).status, "cancelled");
      const again = await w.call("cancel_scheduled", { schedule_id: s.schedule_id });
      assert.equal(again.isError, true);
      assert.match(textOf(again), /already cancelled/);
      const none = await w.call("cancel_scheduled", { schedule_id: "nope" });
      assert.match(textOf(none), /no scheduled send with id "nope"/);
      const sent = await w.ok("schedule_message", { recipient: ALICE, message: "this one goes", at: "in 1m" });
      await w.step(MIN);
      assert.match(textOf(await w.call("cancel_scheduled", { schedule_id: sent.schedule_id })), /already sent/);
    } finally {
      await w.close();
    }
  });
});

describe("the guard at schedule time", () => {
  test("a first contact asks the user now, naming the time; declined: nothing is scheduled; accepted: scheduled as confirmed", async () => {
    let answer: ElicitResult = { action: "decline" };
    const w = await setup({ elicit: () => answer });
    try {
      const r = await w.call("schedule_message", { recipient: BOB, message: "Hello Bob", at: "in 1h" });
      assert.equal(r.isError, true);
      assert.match(textOf(r), /^Not scheduled: the user declined/);
      assert.match(w.elicitations[0]!, /Schedule this WhatsApp message for .*Z\?/);
      assert.match(w.elicitations[0]!, /first contact/);
      assert.match(w.elicitations[0]!, /To be sent at .* \(in 1 h\)/);
      assert.deepEqual(await w.list(), []);
      answer = { action: "accept", content: { confirm: true } };
      const s = await w.ok("schedule_message", { recipient: BOB, message: "Hello Bob", at: "in 1h" });
      assert.equal(s.confirmed_by_user, true);
      await w.step(HOUR);
      assert.deepEqual(texts(w.whatsapp.sent()), ["Hello Bob"], "a confirmed first contact goes out at its time");
    } finally {
      await w.close();
    }
  });

  test("text read from another chat (data flow) is held for the approval page; approved, it is scheduled and sent at its time", async () => {
    const w = await setup();
    try {
      await w.ok("list_messages", { chat_jid: BOB, include_context: false });
      const held = await w.ok("schedule_message", { recipient: ALICE, message: `FYI: ${INJECTION}`, at: "in 30m" });
      assert.equal(held.status, "awaiting_approval");
      assert.equal(held.schedule_id, null);
      assert.match(held.reason, /text from your chat with/);
      assert.deepEqual(await w.list(), [], "nothing is scheduled before the user approves");
      const approvals = createApprovals({ ...w.deps, audit: w.audit } as never);
      const view = await approvals.get(held.approval_id);
      assert.equal(view!.approveLabel, "Approve and schedule");
      assert.match(view!.action, /^Schedule this WhatsApp message for /);
      const done = await approvals.approve(held.approval_id);
      assert.equal(done.ok, true);
      assert.ok(done.ok && done.scheduledFor === w.iso(30 * MIN) && done.messageId);
      const status = await w.call("get_send_status", { approval_id: held.approval_id });
      assert.match(textOf(status), /Scheduled after the user approved it \(schedule id /);
      const [item] = await w.list();
      assert.equal(item!.confirmed_by_user, true);
      assert.equal(item!.schedule_id, done.ok ? done.messageId : "");
      assert.deepEqual(w.whatsapp.sent(), [], "approving schedules; it does not send now");
      await w.step(30 * MIN);
      assert.deepEqual(texts(w.whatsapp.sent()), [`FYI: ${INJECTION}`]);
    } finally {
      await w.close();
    }
  });

  test("read-only mode hides the schedule tools", async () => {
    const built = await buildDeps({ readOnly: true, toolsets: ["all"] });
    try {
      const server = createMcpServer(built.deps);
      const client = new Client({ name: "c", version: "1" });
      const [ct, st] = InMemoryTransport.createLinkedPair();
      await server.connect(st);
      await client.connect(ct);
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes("list_scheduled"));
      assert.ok(!names.includes("schedule_message") && !names.includes("cancel_scheduled"));
      await client.close();
      await server.close();
    } finally {
      await built.dispose();
    }
  });
});

describe("the guard at send time", () => {
  test("read-only mode set after scheduling refuses it at its time, with the reason recorded and audited", async () => {
    const w = await setup();
    try {
      const s = await w.ok("schedule_message", { recipient: ALICE, message: "goes nowhere", at: "in 1m" });
      w.deps.config.readOnly = true;
      await w.step(MIN);
      assert.deepEqual(w.whatsapp.sent(), []);
      const [row] = await w.repository.listScheduled({ limit: 5 });
      assert.equal(row!.status, "failed");
      assert.match(row!.detail!, /read-only mode \(WHATSAPP_MCP_READ_ONLY\); it was not sent/);
      assert.equal(row!.id, s.schedule_id);
      const audit = w.audit.records.at(-1)!.fields!;
      assert.deepEqual([audit.outcome, audit.reason], ["blocked", "read_only"]);
    } finally {
      await w.close();
    }
  });

  test("a recipient taken off the allow-list before the time is refused then", async () => {
    const w = await setup();
    try {
      const s = await w.ok("schedule_message", { recipient: ALICE, message: "still allowed?", at: "in 1m" });
      w.deps.config.sendPolicy.allowedRecipients = [BOB];
      await w.step(MIN);
      assert.deepEqual(w.whatsapp.sent(), []);
      assert.match((await w.one(s.schedule_id)).detail, /not on the configured allow-list.*it was not sent/);
    } finally {
      await w.close();
    }
  });

  test("WhatsApp disconnected at the time: it waits (and says so), and goes out late once connected within the grace", async () => {
    const w = await setup();
    try {
      const s = await w.ok("schedule_message", { recipient: ALICE, message: "when you are back", at: "in 1m" });
      w.whatsapp.setStatus({ state: "reconnecting" });
      await w.step(MIN + 30 * S);
      assert.deepEqual(w.whatsapp.sent(), []);
      const waiting = await w.one(s.schedule_id);
      assert.equal(waiting.status, "pending");
      assert.match(waiting.detail, /waiting for WhatsApp to connect/);
      w.whatsapp.setStatus({ state: "open" });
      await w.step(5 * S);
      assert.deepEqual(texts(w.whatsapp.sent()), ["when you are back"]);
      const out = await w.one(s.schedule_id);
      assert.equal(out.late, true);
      assert.ok(out.late_by_s >= 30);
      assert.equal(out.detail, null);
    } finally {
      await w.close();
    }
  });

  test("the rate limit at send time makes it wait until the budget frees up", async () => {
    const w = await setup({ policy: { perMinute: 1 } });
    try {
      await w.ok("send_message", { recipient: ALICE, message: "now" });
      const s = await w.ok("schedule_message", { recipient: ALICE, message: "later", at: "in 10s" });
      await w.step(10 * S);
      assert.deepEqual(texts(w.whatsapp.sent()), ["now"]);
      assert.match((await w.one(s.schedule_id)).detail, /waiting: the rate limit of 1 sends per minute/);
      await w.step(MIN);
      assert.deepEqual(texts(w.whatsapp.sent()), ["now", "later"]);
    } finally {
      await w.close();
    }
  });
});

describe("missed while the server was off, and a crash in flight", () => {
  test("the store failing during a round does not crash the scheduler: it tries again and sends once the store answers", async () => {
    let failing = false;
    const w = await setup({
      wrapRepository: (r) =>
        new Proxy(r, {
          get(t, p) {
            const v = Reflect.get(t, p);
            if (p === "listScheduled") return (...a: unknown[]) => (failing ? Promise.reject(new Error("store restarting")) : (v as (...x: unknown[]) => unknown).apply(t, a));
            return typeof v === "function" ? v.bind(t) : v;
          },
        }),
    });
    try {
      const s = await w.ok("schedule_message", { recipient: ALICE, message: "despite the store", at: "in 1m" });
      failing = true;
      await w.step(MIN);
      assert.deepEqual(w.whatsapp.sent(), []);
      assert.ok(w.log.records.some((r) => r.msg === "scheduler round failed; retrying"));
      failing = false;
      await w.step(5 * S);
      assert.deepEqual(texts(w.whatsapp.sent()), ["despite the store"]);
      assert.equal((await w.one(s.schedule_id)).status, "sent");
    } finally {
      await w.close();
    }
  });

  test("on start: a send missed within the grace goes out flagged late; one missed by more expires unsent", async () => {
    const w = await setup({ graceMs: HOUR });
    try {
      const soon = await w.ok("schedule_message", { recipient: ALICE, message: "late but fine", at: "in 2h" });
      const early = await w.ok("schedule_message", { recipient: ALICE, message: "too late", at: "in 10m" });
      await w.stopScheduler();
      await w.step(2 * HOUR + 20 * MIN); // the server is off
      assert.deepEqual(w.whatsapp.sent(), []);
      await w.startScheduler();
      await w.step(0);
      assert.deepEqual(texts(w.whatsapp.sent()), ["late but fine"]);
      const a = await w.one(soon.schedule_id);
      assert.deepEqual([a.status, a.late, a.late_by_s], ["sent", true, 20 * 60]);
      const b = await w.one(early.schedule_id);
      assert.equal(b.status, "expired");
      assert.match(b.detail, /missed its time by 2 h 10 min .* more than the grace of 1 h/);
      const listed = textOf(await w.call("list_scheduled"));
      assert.match(listed, /\[sent, late\] was sent to .* LATE by 1200 s/);
    } finally {
      await w.close();
    }
  });

  test("in flight at a crash: found in the store → sent; not found → unknown and never resent", async () => {
    const w = await setup();
    try {
      const a = await w.ok("schedule_message", { recipient: ALICE, message: "did it go?", at: "in 1m" });
      const b = await w.ok("schedule_message", { recipient: ALICE, message: "did this one go?", at: "in 1m" });
      await w.stopScheduler();
      // The previous run marked both in flight, then died; WhatsApp's echo of the first was stored.
      const rowA = (await w.repository.getScheduled(a.schedule_id))!;
      const rowB = (await w.repository.getScheduled(b.schedule_id))!;
      await w.repository.commit([
        { op: "moveScheduled", id: rowA.id, from: "pending", to: "sending", claim: "dead-run", at: w.clock.now() },
        { op: "moveScheduled", id: rowB.id, from: "pending", to: "sending", claim: "dead-run", at: w.clock.now() },
        {
          op: "upsertMessage",
          message: {
            chatJid: ALICE, id: rowA.messageId, senderId: ME, fromMe: true, ts: w.clock.now(), type: "text", text: "did it go?",
            quotedId: null, editedText: null, editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw: null,
          },
        },
      ]);
      await w.files.put("orphan1", new Uint8Array(2)); // a copy whose schedule never got committed
      await w.step(5 * MIN);
      await w.startScheduler();
      await w.step(MIN);
      assert.deepEqual(w.whatsapp.sent(), [], "nothing is sent again");
      assert.deepEqual([...w.files.copies.keys()], [], "the orphan copy is swept");
      assert.equal((await w.one(a.schedule_id)).status, "sent");
      const u = await w.one(b.schedule_id);
      assert.equal(u.status, "unknown");
      assert.match(u.detail, /may or may not have reached the recipient, so it was NOT sent again/);
      assert.equal(u.message_id, rowB.messageId);
    } finally {
      await w.close();
    }
  });
});

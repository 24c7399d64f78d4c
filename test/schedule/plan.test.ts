/** The scheduler's pure parts: what is due (given / when / then, an injected clock), `at`, durations. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LATE_AFTER_MS, MAX_SLEEP_MS, planRound, RETRY_MS } from "../../src/schedule/plan.ts";
import { MAX_SCHEDULE_AHEAD_MS, parseAt } from "../../src/schedule/at.ts";
import { scheduledOut } from "../../src/schedule/request.ts";
import type { ScheduledSendRow } from "../../src/store/types.ts";
import { describeDuration, parseDuration } from "../../src/schedule/duration.ts";

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const S = 1_000;
const MIN = 60 * S;
const GRACE = 60 * MIN;

describe("planRound: what is due", () => {
  test("given nothing pending, when planning, then nothing happens and it looks again within a minute", () => {
    const p = planRound({ now: NOW, items: [], linkOpen: true, graceMs: GRACE });
    assert.deepEqual(p, { actions: [], wakeAt: NOW + MAX_SLEEP_MS, waiting: [] });
  });

  test("given a send due in 2 s, when planning, then nothing is sent and it wakes exactly at its time", () => {
    const p = planRound({ now: NOW, items: [{ id: "a", dueAt: NOW + 2 * S }], linkOpen: true, graceMs: GRACE });
    assert.deepEqual(p.actions, []);
    assert.equal(p.wakeAt, NOW + 2 * S);
  });

  test("given a send due days ahead, when planning, then it still looks again within a minute (store changes, clock jumps)", () => {
    const p = planRound({ now: NOW, items: [{ id: "a", dueAt: NOW + 3 * 86_400_000 }], linkOpen: true, graceMs: GRACE });
    assert.equal(p.wakeAt, NOW + MAX_SLEEP_MS);
  });

  test("given two sends due now, when planning, then both go out in their time order, on time (not late)", () => {
    const p = planRound({ now: NOW, items: [{ id: "b", dueAt: NOW }, { id: "a", dueAt: NOW - 200 }], linkOpen: true, graceMs: GRACE });
    assert.deepEqual(p.actions, [
      { type: "send", id: "a", lateMs: 200, late: false },
      { type: "send", id: "b", lateMs: 0, late: false },
    ]);
  });

  test("given a send missed while the server was off but within the grace, when the server starts, then it is sent flagged late", () => {
    const p = planRound({ now: NOW, items: [{ id: "a", dueAt: NOW - 20 * MIN }], linkOpen: true, graceMs: GRACE });
    assert.deepEqual(p.actions, [{ type: "send", id: "a", lateMs: 20 * MIN, late: true }]);
  });

  test("the late flag starts just after LATE_AFTER_MS", () => {
    const at = (late: number) => planRound({ now: NOW, items: [{ id: "a", dueAt: NOW - late }], linkOpen: true, graceMs: GRACE }).actions[0];
    assert.equal((at(LATE_AFTER_MS) as { late: boolean }).late, false);
    assert.equal((at(LATE_AFTER_MS + 1) as { late: boolean }).late, true);
  });

  test("an injected late threshold moves the flag (the end-to-end test's hook); the view follows it", () => {
    const at = (late: number) => planRound({ now: NOW, items: [{ id: "a", dueAt: NOW - late }], linkOpen: true, graceMs: GRACE, lateAfterMs: S }).actions[0];
    assert.equal((at(S) as { late: boolean }).late, false);
    assert.equal((at(S + 1) as { late: boolean }).late, true);
    const row = { id: "a", status: "sent", createdAt: NOW - 9 * S, dueAt: NOW - 2 * S, request: JSON.stringify({ v: 1, tool: "schedule_message", recipient: { jid: "15551230000@s.whatsapp.net", name: null, kind: "person" }, text: "hi", attachment: null }), lateMs: 2 * S, settledAt: NOW } as unknown as ScheduledSendRow;
    assert.equal(scheduledOut(row).late, false);
    assert.equal(scheduledOut(row, S).late, true);
  });

  test("given a send missed by more than the grace, when planning, then it expires with the reason and is not sent", () => {
    const p = planRound({ now: NOW, items: [{ id: "a", dueAt: NOW - GRACE - 1 }], linkOpen: true, graceMs: GRACE });
    assert.equal(p.actions.length, 1);
    const a = p.actions[0]!;
    assert.equal(a.type, "expire");
    assert.match((a as { reason: string }).reason, /missed its time by 1 h.*grace of 1 h.*not sent/);
  });

  test("exactly at the end of the grace it is still sent", () => {
    const p = planRound({ now: NOW, items: [{ id: "a", dueAt: NOW - GRACE }], linkOpen: true, graceMs: GRACE });
    assert.equal(p.actions[0]!.type, "send");
  });

  test("given WhatsApp disconnected at the time, when planning, then it waits and looks again in RETRY_MS", () => {
    const p = planRound({ now: NOW, items: [{ id: "a", dueAt: NOW - 1 }], linkOpen: false, graceMs: GRACE });
    assert.deepEqual(p.actions, []);
    assert.deepEqual(p.waiting, [{ id: "a", why: "link" }]);
    assert.equal(p.wakeAt, NOW + RETRY_MS);
  });

  test("given WhatsApp still disconnected near the end of the grace, then it wakes just after the grace to expire it", () => {
    const due = NOW - GRACE + 2 * S;
    const p = planRound({ now: NOW, items: [{ id: "a", dueAt: due }], linkOpen: false, graceMs: GRACE });
    assert.equal(p.wakeAt, due + GRACE + 1);
    const later = planRound({ now: p.wakeAt, items: [{ id: "a", dueAt: due }], linkOpen: false, graceMs: GRACE });
    assert.equal(later.actions[0]!.type, "expire");
  });

  test("given WhatsApp back within the grace, when planning, then the waiting send goes out late", () => {
    const p = planRound({ now: NOW, items: [{ id: "a", dueAt: NOW - 5 * MIN }], linkOpen: true, graceMs: GRACE });
    assert.deepEqual(p.actions, [{ type: "send", id: "a", lateMs: 5 * MIN, late: true }]);
  });

  test("given a rate limit that frees up in 30 s, then the send waits until then and is not sent before", () => {
    const items = [{ id: "a", dueAt: NOW - S, notBefore: NOW + 30 * S }];
    const p = planRound({ now: NOW, items, linkOpen: true, graceMs: GRACE });
    assert.deepEqual(p.actions, []);
    assert.deepEqual(p.waiting, [{ id: "a", why: "not_before" }]);
    assert.equal(p.wakeAt, NOW + 30 * S);
    assert.equal(planRound({ now: NOW + 30 * S, items, linkOpen: true, graceMs: GRACE }).actions[0]!.type, "send");
  });

  test("a mix: one expired, one sent, one waiting for its time; wake at the future one", () => {
    const p = planRound({
      now: NOW,
      items: [{ id: "old", dueAt: NOW - 2 * GRACE }, { id: "due", dueAt: NOW - S }, { id: "soon", dueAt: NOW + 10 * S }],
      linkOpen: true,
      graceMs: GRACE,
    });
    assert.deepEqual(p.actions.map((a) => `${a.type} ${a.id}`), ["expire old", "send due"]);
    assert.equal(p.wakeAt, NOW + 10 * S);
  });
});

describe("parseAt", () => {
  test("an ISO instant with an offset is that instant", () => {
    assert.deepEqual(parseAt("2026-12-06T14:30:00+01:00", NOW), { ok: true, at: Date.UTC(2026, 11, 6, 13, 30), relative: false });
    assert.deepEqual(parseAt("2026-12-06T13:30:00Z", NOW), { ok: true, at: Date.UTC(2026, 11, 6, 13, 30), relative: false });
  });
  test("a time from now: 'in 2h', 'in 90 minutes', 'in 1 day 3 hours', 'in 1h30m', 'in 45s'", () => {
    const rel = (s: string) => {
      const r = parseAt(s, NOW);
      return r.ok ? r.at - NOW : r.error;
    };
    assert.equal(rel("in 2h"), 2 * 60 * MIN);
    assert.equal(rel("in 90 minutes"), 90 * MIN);
    assert.equal(rel("In 1 day 3 hours"), 27 * 60 * MIN);
    assert.equal(rel("in 1h30m"), 90 * MIN);
    assert.equal(rel("in 45s"), 45 * S);
    assert.equal(rel("in 10"), 10 * MIN, "a bare number is minutes");
  });
  test("a local time without an offset is refused, saying how to write it", () => {
    const r = parseAt("2026-12-06T18:00:00", NOW);
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /no UTC offset.*\+01:00/);
  });
  test("a time in the past or now is refused, naming the server's time", () => {
    const r = parseAt("2026-12-06T11:59:00Z", NOW);
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /not in the future \(the server's time is 2026-12-06T12:00:00.000Z\)/);
    assert.equal(parseAt("2026-12-06T12:00:00Z", NOW).ok, false);
  });
  test("beyond the horizon is refused; just inside it is fine", () => {
    assert.equal(parseAt(new Date(NOW + MAX_SCHEDULE_AHEAD_MS).toISOString(), NOW).ok, true);
    const r = parseAt(new Date(NOW + MAX_SCHEDULE_AHEAD_MS + S).toISOString(), NOW);
    assert.match((r as { error: string }).error, /at most 90 d ahead/);
  });
  test("nonsense is refused with the expected format", () => {
    for (const s of ["tomorrow", "in two hours", "in 2 fortnights", "", "in"]) {
      const r = parseAt(s, NOW);
      assert.equal(r.ok, false, s);
      assert.match((r as { error: string }).error, /expected an ISO-8601 date-time with its UTC offset/, s);
    }
  });
});

describe("durations", () => {
  test("parseDuration reads units and a bare number in the given unit", () => {
    assert.equal(parseDuration("30m"), 30 * MIN);
    assert.equal(parseDuration("2 hours, 5 minutes"), 125 * MIN);
    assert.equal(parseDuration("1 day and 2 h"), 26 * 60 * MIN);
    assert.equal(parseDuration("15", "s"), 15 * S);
    assert.equal(parseDuration("90"), 90 * MIN);
    assert.equal(parseDuration("2x"), null);
    assert.equal(parseDuration("soon"), null);
  });
  test("describeDuration uses at most two units", () => {
    assert.deepEqual([45 * S, 5 * MIN, 125 * MIN, 120 * MIN, 50 * 60 * MIN].map(describeDuration), ["45 s", "5 min", "2 h 5 min", "2 h", "2 d 2 h"]);
  });
});

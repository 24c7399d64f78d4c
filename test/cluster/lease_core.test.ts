import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  checkTiming,
  DEFAULT_LEASE_TIMING,
  initialLeaseState,
  type LeaseEffect,
  type LeaseObservation,
  type LeaseState,
  leaseStep,
  type LeaseTiming,
} from "../../src/cluster/lease_core.ts";

const T: LeaseTiming = DEFAULT_LEASE_TIMING;
/** An observation without its instant (the member's clock supplies it). */
type Seen = LeaseObservation extends infer O ? O extends LeaseObservation ? Omit<O, "now"> & { now?: number } : never : never;

/** A member driven by observations against an injected clock; effects are collected. */
function member(start: LeaseState = initialLeaseState()) {
  let state = start;
  let now = 0;
  const effects: LeaseEffect[] = [];
  return {
    get state() {
      return state;
    },
    get now() {
      return now;
    },
    at(ms: number) {
      now = ms;
      return this;
    },
    see(o: Seen) {
      const r = leaseStep(state, { ...o, now: o.now ?? now } as LeaseObservation, T);
      state = r.state;
      effects.push(...r.effects);
      return r.effects;
    },
    effects,
  };
}

/** Given a leader that acquired token 7 at t=0. */
function leader() {
  const m = member();
  m.at(0).see({ type: "tick" });
  m.see({ type: "acquired", token: 7, sentAt: 0 });
  m.effects.length = 0;
  return m;
}

describe("lease timing", () => {
  test("the defaults keep the socket closed at least the margin before the lease can expire", () => {
    assert.equal(checkTiming(T), null);
    assert.ok(T.renewDeadlineMs + T.closeBoundMs + T.marginMs <= T.ttlMs);
  });

  test("a ttl shorter than renew deadline + close bound + margin is refused", () => {
    assert.match(checkTiming({ ...T, ttlMs: 5_500 }) ?? "", /ttl 5500 ms must be at least/);
  });

  test("renewing too rarely for two attempts before the deadline is refused", () => {
    assert.match(checkTiming({ ...T, renewEveryMs: 2_000 }) ?? "", /fewer than two attempts/);
  });
});

describe("lease: a follower", () => {
  test("given a follower, when it ticks, then it tries to acquire once until the answer comes", () => {
    const m = member();
    assert.deepEqual(m.at(0).see({ type: "tick" }), [{ type: "try_acquire", sentAt: 0 }]);
    assert.deepEqual(m.at(1_000).see({ type: "tick" }), [], "no second attempt while one is in flight");
  });

  test("given an attempt in flight, when the lease is held by another member, then it follows that leader", () => {
    const m = member();
    m.at(0).see({ type: "tick" });
    assert.deepEqual(m.see({ type: "held_by", holder: "b" }), []);
    assert.deepEqual(m.state, { role: "follower", leaderId: "b", busy: false });
    assert.deepEqual(m.at(1_000).see({ type: "tick" }), [{ type: "try_acquire", sentAt: 1_000 }]);
  });

  test("given an attempt in flight, when the database grants the lease, then it opens the socket with the new token", () => {
    const m = member();
    m.at(0).see({ type: "tick" });
    assert.deepEqual(m.at(40).see({ type: "acquired", token: 3, sentAt: 0 }), [{ type: "open_socket", token: 3 }]);
    assert.deepEqual(m.state, { role: "leader", token: 3, validUntil: T.renewDeadlineMs, busy: false });
  });

  test("given an attempt in flight, when the grant arrives after the renew deadline, then no socket is opened", () => {
    const m = member();
    m.at(0).see({ type: "tick" });
    assert.deepEqual(m.at(T.renewDeadlineMs).see({ type: "acquired", token: 3, sentAt: 0 }), []);
    assert.equal(m.state.role, "follower");
  });

  test("given a database error, then the follower tries again at the next tick", () => {
    const m = member();
    m.at(0).see({ type: "tick" });
    m.see({ type: "db_error" });
    assert.deepEqual(m.at(1_000).see({ type: "tick" }), [{ type: "try_acquire", sentAt: 1_000 }]);
  });

  test("given a follower, when the process stops, then it stops with nothing to close", () => {
    const m = member();
    assert.deepEqual(m.see({ type: "stop" }), []);
    assert.deepEqual(m.state, { role: "stopped" });
  });
});

describe("lease: a leader", () => {
  test("given a leader, when it ticks, then it renews with its token and the send time", () => {
    const m = leader();
    assert.deepEqual(m.at(1_000).see({ type: "tick" }), [{ type: "renew", token: 7, sentAt: 1_000 }]);
  });

  test("given a renewal sent at t=1000, when it succeeds at t=2500, then validity counts from the send time", () => {
    const m = leader();
    m.at(1_000).see({ type: "tick" });
    m.at(2_500).see({ type: "renewed", token: 7, sentAt: 1_000 });
    assert.deepEqual(m.state, { role: "leader", token: 7, validUntil: 1_000 + T.renewDeadlineMs, busy: false });
  });

  test("given renewals that fail, when the renew deadline passes, then it closes the socket before the lease can expire", () => {
    const m = leader();
    m.at(1_000).see({ type: "tick" });
    m.see({ type: "db_error" });
    m.at(2_000).see({ type: "tick" });
    m.see({ type: "db_error" });
    assert.deepEqual(m.at(T.renewDeadlineMs).see({ type: "tick" }), [{ type: "close_socket", token: 7 }]);
    assert.equal(m.state.role, "stepping_down");
    // The socket closes by renewDeadline + closeBound at the latest, the margin before ttl.
    const closeBy = (m.state as { closeBy: number }).closeBy;
    assert.ok(closeBy + T.marginMs <= T.ttlMs, `closes by ${closeBy}, lease valid until ${T.ttlMs}`);
  });

  test("given a renewal that hangs, when the deadline passes, then it steps down without waiting for the answer", () => {
    const m = leader();
    m.at(1_000).see({ type: "tick" });
    assert.deepEqual(m.at(2_000).see({ type: "tick" }), [], "one renewal at a time");
    assert.deepEqual(m.at(3_000).see({ type: "tick" }), [{ type: "close_socket", token: 7 }]);
    assert.deepEqual(m.at(3_100).see({ type: "renewed", token: 7, sentAt: 1_000 }), [], "a late answer changes nothing");
    assert.equal(m.state.role, "stepping_down");
  });

  test("given a leader, when its renewal matches no row (another member took over), then it closes the socket at once", () => {
    const m = leader();
    m.at(1_000).see({ type: "tick" });
    assert.deepEqual(m.see({ type: "lost" }), [{ type: "close_socket", token: 7 }]);
  });

  test("given a stepping-down leader, when the socket closes, then it is a follower with no known leader", () => {
    const m = leader();
    m.at(1_000).see({ type: "tick" });
    m.see({ type: "lost" });
    assert.deepEqual(m.see({ type: "socket_closed", token: 7 }), []);
    assert.deepEqual(m.state, { role: "follower", leaderId: null, busy: false });
  });

  test("given a stepping-down leader, when the socket is not closed within the bound, then the process exits", () => {
    const m = leader();
    m.at(1_000).see({ type: "tick" });
    m.see({ type: "lost" });
    assert.deepEqual(m.at(1_000 + T.closeBoundMs - 1).see({ type: "tick" }), []);
    const effects = m.at(1_000 + T.closeBoundMs).see({ type: "tick" });
    assert.equal(effects[0]?.type, "exit");
  });

  test("given a leader, when the process stops, then it closes the socket first and releases the lease after", () => {
    const m = leader();
    assert.deepEqual(m.at(500).see({ type: "stop" }), [{ type: "close_socket", token: 7 }]);
    assert.deepEqual(m.see({ type: "socket_closed", token: 7 }), [{ type: "release", token: 7 }]);
    assert.deepEqual(m.state, { role: "stopped" });
  });

  test("given a leader that lost the lease and closed, when it acquires again, then it uses the new token", () => {
    const m = leader();
    m.at(1_000).see({ type: "tick" });
    m.see({ type: "lost" });
    m.see({ type: "socket_closed", token: 7 });
    m.at(2_000).see({ type: "tick" });
    assert.deepEqual(m.see({ type: "acquired", token: 9, sentAt: 2_000 }), [{ type: "open_socket", token: 9 }]);
  });
});

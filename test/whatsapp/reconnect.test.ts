import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  backoffDelay,
  DEFAULT_RECONNECT_POLICY,
  initialLinkState,
  type LinkEvent,
  type LinkState,
  transition,
} from "../../src/whatsapp/reconnect.ts";
import { notReadyReason } from "../../src/whatsapp/link_status.ts";

const env = (now = 1000, r = 0.5) => ({ now, random: () => r });
const run = (s: LinkState, ...events: LinkEvent[]) => {
  let state = s;
  const effects = [];
  for (const e of events) {
    const t = transition(state, e, env());
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects };
};
const opened = () => run(initialLinkState(0), { type: "start", linked: true }, { type: "open" }).state;
const closed = (statusCode: number | null, reason = "x"): LinkEvent => ({ type: "closed", statusCode, reason });

describe("reconnect policy", () => {
  test("start connects; open resets the attempt counter", () => {
    const t = transition(initialLinkState(0), { type: "start", linked: false }, env());
    assert.equal(t.state.phase, "connecting");
    assert.deepEqual(t.effects, [{ type: "connect" }]);
    const failed = run(t.state, closed(428), { type: "retryDue" }, closed(408)).state;
    assert.equal(failed.attempt, 2);
    const back = transition(failed, { type: "retryDue" }, env()).state;
    const open = transition(back, { type: "open" }, env()).state;
    assert.equal(open.phase, "open");
    assert.equal(open.attempt, 0);
    assert.equal(open.nextRetryAt, null);
  });

  test("a transient close backs off exponentially with jitter, capped", () => {
    const zero = () => 0, one = () => 0.999999;
    assert.equal(backoffDelay(1, zero), 500); // 1000 with half of it random
    assert.equal(backoffDelay(1, one), 1000);
    assert.equal(backoffDelay(3, zero), 2000); // 4000 · [0.5, 1]
    assert.equal(backoffDelay(20, one), DEFAULT_RECONNECT_POLICY.maxDelayMs);
    assert.equal(backoffDelay(20, zero), DEFAULT_RECONNECT_POLICY.maxDelayMs / 2);
    const t = transition(opened(), closed(428, "Connection Terminated"), env(5000, 0.5));
    assert.equal(t.state.phase, "reconnecting");
    assert.equal(t.state.attempt, 1);
    assert.deepEqual(t.effects, [{ type: "scheduleRetry", delayMs: 750 }]);
    assert.equal(t.state.nextRetryAt, 5750);
    assert.equal(t.state.lastError, "Connection Terminated (428)");
  });

  test("a close with no status code at all (\"invalid wire type\") is retryable", () => {
    const t = transition(opened(), closed(null, "invalid wire type"), env());
    assert.equal(t.state.phase, "reconnecting");
    assert.equal(t.effects[0].type, "scheduleRetry");
    assert.equal(t.state.lastError, "invalid wire type (no status code)");
  });

  test("the retry timer reconnects; a stale timer does nothing", () => {
    const waiting = transition(opened(), closed(503), env()).state;
    assert.deepEqual(transition(waiting, { type: "retryDue" }, env()).effects, [{ type: "connect" }]);
    assert.deepEqual(transition(opened(), { type: "retryDue" }, env()).effects, []);
  });

  test("440 connectionReplaced stops without reconnecting, and later closes do not restart a fight", () => {
    const t = transition(opened(), closed(440, "Stream Errored (conflict)"), env());
    assert.equal(t.state.phase, "replaced");
    assert.deepEqual(t.effects, [{ type: "cancelRetry" }]);
    assert.match(t.state.lastError!, /440/);
    assert.deepEqual(transition(t.state, closed(428), env()).effects, []);
    assert.deepEqual(transition(t.state, { type: "retryDue" }, env()).effects, []);
    // the user may reconnect on purpose
    assert.deepEqual(transition(t.state, { type: "reconnect" }, env()).effects.at(-1), { type: "connect" });
  });

  test("401 loggedOut clears the session and waits for a relink", () => {
    const t = transition(opened(), closed(401, "Connection Failure"), env());
    assert.equal(t.state.phase, "logged_out");
    assert.equal(t.state.linked, false);
    assert.deepEqual(t.effects, [{ type: "cancelRetry" }, { type: "clearSession" }]);
    assert.equal(transition(t.state, { type: "reconnect" }, env()).refused, "WhatsApp logged this device out: link it again (relink)");
    const relink = transition(t.state, { type: "relink" }, env());
    assert.equal(relink.state.phase, "connecting");
    assert.deepEqual(relink.effects.map((e) => e.type), ["cancelRetry", "closeSocket", "clearSession", "connect"]);
  });

  test("515 restartRequired reconnects at once, without backoff", () => {
    const pairing = run(initialLinkState(0), { type: "start", linked: false }, { type: "qr" }).state;
    const t = transition(pairing, closed(515, "Stream Errored (restart required)"), env());
    assert.equal(t.state.phase, "connecting");
    assert.deepEqual(t.effects, [{ type: "connect" }]);
    assert.equal(t.state.attempt, 0);
  });

  test("403 forbidden and 411 multidevice mismatch stop with a clear error", () => {
    const f = transition(opened(), closed(403), env());
    assert.equal(f.state.phase, "stopped");
    assert.match(f.state.lastError!, /403 forbidden/);
    assert.ok(!f.effects.some((e) => e.type === "connect" || e.type === "scheduleRetry"));
    const m = transition(opened(), closed(411), env());
    assert.equal(m.state.phase, "stopped");
    assert.match(m.state.lastError!, /411/);
  });

  test("an unscanned QR that expires (408) fetches a new one after the base delay without growing the backoff", () => {
    const qr = run(initialLinkState(0), { type: "start", linked: false }, { type: "qr" }).state;
    const t = transition(qr, closed(408, "QR refs attempts ended"), env());
    assert.equal(t.state.attempt, 0);
    assert.deepEqual(t.effects, [{ type: "scheduleRetry", delayMs: DEFAULT_RECONNECT_POLICY.baseDelayMs }]);
  });

  test("a pairing code phase survives QR refreshes", () => {
    const s = run(initialLinkState(0), { type: "start", linked: false }, { type: "qr" }, { type: "pairingCode" }, { type: "qr" }).state;
    assert.equal(s.phase, "pairing_code");
  });

  test("relink is refused while linked and open", () => {
    assert.match(transition(opened(), { type: "relink" }, env()).refused!, /log out first/);
  });

  test("stop ends the socket and ignores its close", () => {
    const t = transition(opened(), { type: "stop" }, env());
    assert.equal(t.state.phase, "stopped");
    assert.deepEqual(t.effects, [{ type: "cancelRetry" }, { type: "closeSocket" }]);
    assert.deepEqual(transition(t.state, closed(428), env()).effects, []);
  });
});

describe("not-ready answers", () => {
  test("say what to do in each state", () => {
    const base = "http://127.0.0.1:8080";
    const qr = run(initialLinkState(0), { type: "start", linked: false }, { type: "qr" }).state;
    assert.equal(notReadyReason(qr, 0, base), "WhatsApp is not linked yet: open http://127.0.0.1:8080/qr to link this device");
    let s = opened();
    for (let i = 0; i < 3; i++) s = run(s, closed(428), { type: "retryDue" }).state;
    s = transition(s, closed(428), env(1000, 0.5)).state; // attempt 4 → 8000·0.75 = 6000 ms
    assert.equal(notReadyReason(s, 1000, base), "WhatsApp is reconnecting (attempt 4), try again in 6 s");
    assert.equal(notReadyReason(opened(), 0, base), null);
    const out = transition(opened(), closed(401), env()).state;
    assert.match(notReadyReason(out, 0, base)!, /logged this device out: open http:\/\/127\.0\.0\.1:8080\/qr/);
  });
});

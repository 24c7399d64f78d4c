/**
 * The leader lease, as a pure decision: `(state, observation) → (state, effects)`. The shell
 * (src/cluster/cluster_actor.ts) turns effects into SQL on the `cluster_lease` row and into
 * opening/closing the WhatsApp socket, and feeds back what it saw. No clock, no I/O here: every
 * observation carries `now` (milliseconds of a local monotonic-enough clock).
 *
 * Timing argument (why two sockets are never open at once):
 * - The database records `expires_at = db_now + ttl` when it grants or renews the lease, and only
 *   lets another member take it once `db_now > expires_at` (all expiry is judged on ONE clock,
 *   the database's). A grant or renewal that succeeded was executed after the leader sent it, so
 *   the lease is valid at least until `sentAt + ttl` in real time.
 * - The leader counts itself leader only until `sentAt + renewDeadline` of its last successful
 *   renewal (measured from when it SENT the request, never from the answer). At that instant it
 *   starts closing the socket, and if the socket is not closed within `closeBound` the process
 *   exits (the operating system then closes it).
 * - So the socket is closed by `sentAt + renewDeadline + closeBound`, which `checkTiming`
 *   requires to be at least `margin` before `sentAt + ttl`: the margin absorbs clock-rate drift
 *   between this host and the database (not offsets: none of these instants are compared across
 *   machines) and timer lateness.
 * - A takeover increments the fencing token; every leader write (mirror, session keys, outbox
 *   claims and results) checks the token inside its own transaction, so even a leader that missed
 *   all of the above (a paused VM) cannot write after another member took over.
 */

/** The lease's timing (milliseconds). */
export interface LeaseTiming {
  /** Lease duration recorded by the database at each grant/renewal. */
  ttlMs: number;
  /** How often the shell ticks (renews as leader, tries to acquire as follower). */
  renewEveryMs: number;
  /** The leader's own validity after the send time of its last successful renewal. */
  renewDeadlineMs: number;
  /** Longest a socket close may take before the process exits instead. */
  closeBoundMs: number;
  /** Safety margin kept between the socket's latest close and the lease's expiry. */
  marginMs: number;
}

/** Defaults: a dead leader is replaced within ttl + renewEvery = 7 s. */
export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  ttlMs: 6_000,
  renewEveryMs: 1_000,
  renewDeadlineMs: 3_000,
  closeBoundMs: 2_000,
  marginMs: 1_000,
};

/** What is wrong with a timing, or null when it keeps the argument in the module doc. */
export function checkTiming(t: LeaseTiming): string | null {
  if (t.renewDeadlineMs + t.closeBoundMs + t.marginMs > t.ttlMs) {
    return `lease ttl ${t.ttlMs} ms must be at least renew deadline ${t.renewDeadlineMs} + close bound ${t.closeBoundMs} + margin ${t.marginMs} ms`;
  }
  if (t.renewEveryMs * 2 > t.renewDeadlineMs) {
    return `renewing every ${t.renewEveryMs} ms leaves fewer than two attempts within the renew deadline of ${t.renewDeadlineMs} ms`;
  }
  return null;
}

/** Where this member stands. `busy`: a database call of the lease is in flight (one at a time). */
export type LeaseState =
  | { role: "follower"; leaderId: string | null; busy: boolean }
  | { role: "leader"; token: number; validUntil: number; busy: boolean }
  /** Closing the socket after losing (or giving up) the lease; `release` when stopping for good. */
  | { role: "stepping_down"; token: number; closeBy: number; release: boolean }
  | { role: "stopped" };

/** What the shell saw. */
export type LeaseObservation =
  | { type: "tick"; now: number }
  /** The database granted the lease with this (new) token; `sentAt`: when the request was sent. */
  | { type: "acquired"; token: number; sentAt: number; now: number }
  /** The lease is held by someone else (or by nobody answerable: null). */
  | { type: "held_by"; holder: string | null; now: number }
  | { type: "renewed"; token: number; sentAt: number; now: number }
  /** The renewal matched no row: the token moved on (another member took over). */
  | { type: "lost"; now: number }
  /** The database did not answer (timeout, connection lost). */
  | { type: "db_error"; now: number }
  | { type: "socket_closed"; token: number; now: number }
  /** The process is shutting down. */
  | { type: "stop"; now: number };

/** What the shell must do, in order. */
export type LeaseEffect =
  | { type: "try_acquire"; sentAt: number }
  | { type: "renew"; token: number; sentAt: number }
  | { type: "open_socket"; token: number }
  | { type: "close_socket"; token: number }
  /** Hand the lease back at once (clean shutdown), so a follower need not wait for expiry. */
  | { type: "release"; token: number }
  | { type: "exit"; reason: string };

/** The state a member starts in. */
export function initialLeaseState(): LeaseState {
  return { role: "follower", leaderId: null, busy: false };
}

/** One step. Observations that do not apply to the current state change nothing. */
export function leaseStep(
  s: LeaseState,
  o: LeaseObservation,
  t: LeaseTiming,
): { state: LeaseState; effects: LeaseEffect[] } {
  const same = { state: s, effects: [] as LeaseEffect[] };
  const stepDown = (token: number, now: number, release: boolean) => ({
    state: { role: "stepping_down" as const, token, closeBy: now + t.closeBoundMs, release },
    effects: [{ type: "close_socket" as const, token }],
  });
  switch (s.role) {
    case "stopped":
      return same;
    case "follower":
      switch (o.type) {
        case "tick":
          return s.busy ? same : { state: { ...s, busy: true }, effects: [{ type: "try_acquire", sentAt: o.now }] };
        case "acquired": {
          const validUntil = o.sentAt + t.renewDeadlineMs;
          // Granted too late to be used safely: let it lapse into a fresh takeover at the next tick.
          if (o.now >= validUntil) return { state: { ...s, busy: false }, effects: [] };
          return { state: { role: "leader", token: o.token, validUntil, busy: false }, effects: [{ type: "open_socket", token: o.token }] };
        }
        case "held_by":
          return { state: { role: "follower", leaderId: o.holder, busy: false }, effects: [] };
        case "db_error":
          return { state: { ...s, busy: false }, effects: [] };
        case "stop":
          return { state: { role: "stopped" }, effects: [] };
        default:
          return same;
      }
    case "leader":
      switch (o.type) {
        case "tick":
          if (o.now >= s.validUntil) return stepDown(s.token, o.now, false);
          return s.busy ? same : { state: { ...s, busy: true }, effects: [{ type: "renew", token: s.token, sentAt: o.now }] };
        case "renewed":
          if (o.token !== s.token) return same;
          if (o.now >= s.validUntil) return stepDown(s.token, o.now, false); // answered after the deadline: too late
          return { state: { ...s, validUntil: Math.max(s.validUntil, o.sentAt + t.renewDeadlineMs), busy: false }, effects: [] };
        case "lost":
          return stepDown(s.token, o.now, false);
        case "db_error":
          return { state: { ...s, busy: false }, effects: [] };
        case "stop":
          return stepDown(s.token, o.now, true);
        default:
          return same;
      }
    case "stepping_down":
      switch (o.type) {
        case "socket_closed":
          if (o.token !== s.token) return same;
          if (s.release) return { state: { role: "stopped" }, effects: [{ type: "release", token: s.token }] };
          return { state: { role: "follower", leaderId: null, busy: false }, effects: [] };
        case "tick":
          if (o.now >= s.closeBy) {
            return { state: s, effects: [{ type: "exit", reason: `the WhatsApp socket did not close within ${t.closeBoundMs} ms of losing the lease` }] };
          }
          return same;
        case "stop":
          return { state: { ...s, release: true }, effects: [] };
        default:
          return same;
      }
  }
}

/** The role as status shows it (a member stepping down is no longer the leader). */
export function roleOf(s: LeaseState): "leader" | "follower" {
  return s.role === "leader" ? "leader" : "follower";
}

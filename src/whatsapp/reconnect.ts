/**
 * The link's lifecycle and reconnect policy as a pure state machine:
 * `transition(state, event, env) → { state, effects }`. The connection actor performs the
 * effects (open a socket, arm a timer, clear the session) and feeds socket events back in.
 *
 * Policy (WhatsApp's DisconnectReason codes):
 * - 515 restartRequired (after pairing, or asked by the server): reconnect at once.
 * - 440 connectionReplaced: another client took the session; stop, report "replaced", no fight.
 * - 401 loggedOut: clear the session; "logged_out" until a `relink` asks for a fresh login.
 * - 403 forbidden, 411 multideviceMismatch: stop with a clear error.
 * - 405 client outdated: reconnect at once if the connection obtained a newer WhatsApp Web
 *   version for it (once), else stop with what to do.
 * - anything else, including a close with no status code at all ("invalid wire type"):
 *   transient; exponential backoff with jitter, capped. A successful open resets the backoff.
 * - a QR round that expires unscanned (408 while showing a QR) reconnects after the base delay
 *   without growing the backoff, so the QR page keeps offering fresh codes.
 */
import type { ConnectionState } from "../status/types.ts";

/** Backoff parameters. */
export interface ReconnectPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Fraction of the delay that is randomized (0 = none, 1 = "full jitter"). */
  jitter: number;
}

/** Defaults: 1 s, doubling, capped at 60 s, half of it random. */
export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.5 };

/** The machine's state. */
export interface LinkState {
  phase: ConnectionState;
  /** When `phase` last changed. */
  since: number;
  /** Consecutive failed connects since the last successful open. */
  attempt: number;
  nextRetryAt: number | null;
  lastError: string | null;
  lastStatusCode: number | null;
  /** We hold credentials of a linked device (decides "not linked yet" vs "reconnecting"). */
  linked: boolean;
}

/** What happened. */
export type LinkEvent =
  | { type: "start"; linked: boolean }
  | { type: "connecting" }
  | { type: "qr" }
  | { type: "pairingCode" }
  | { type: "open" }
  /** `versionRefreshed`: after a 405, a newer WhatsApp Web version was obtained (retry once with it). */
  | { type: "closed"; statusCode: number | null; reason: string; versionRefreshed?: boolean }
  | { type: "retryDue" }
  /** The user asks for a fresh link (new QR / pairing code). */
  | { type: "relink" }
  /** The user asks to reconnect now with the saved session. */
  | { type: "reconnect" }
  /** The user logged out while no socket was open: forget the session locally. */
  | { type: "forget" }
  | { type: "stop" };

/** What the actor must do. */
export type LinkEffect =
  | { type: "connect" }
  | { type: "scheduleRetry"; delayMs: number }
  | { type: "cancelRetry" }
  | { type: "clearSession" }
  | { type: "closeSocket" };

/** The result of a transition; `refused` explains a user request that does not apply now. */
export interface Transition {
  state: LinkState;
  effects: LinkEffect[];
  refused?: string;
}

/** Injected time and randomness. */
export interface LinkEnv {
  now: number;
  /** Uniform in [0, 1). */
  random: () => number;
  policy?: ReconnectPolicy;
}

/** WhatsApp's close codes we act on (Baileys' `DisconnectReason`). */
export const CLOSE = {
  loggedOut: 401,
  forbidden: 403,
  timedOut: 408,
  multideviceMismatch: 411,
  clientOutdated: 405,
  connectionReplaced: 440,
  restartRequired: 515,
} as const;

/** What a user reads after a 405 that a fresh version did not cure. */
export const CLIENT_OUTDATED_ADVICE =
  "WhatsApp says this client is outdated (405 client outdated): it no longer accepts the WhatsApp Web version " +
  "presented (see web_version) and no newer one could be fetched (offline, or the fetch was blocked). To fix: " +
  "set WHATSAPP_MCP_WA_VERSION to the current version (2.3000.<the client_revision number in " +
  "https://web.whatsapp.com/sw.js>) or to \"auto\" with network access, or update whatsapp-mcp; then reconnect or restart.";

/**
 * A close caused by a failed signature check (Baileys' messages, made meaningful by the strict
 * `Curve.verify` of strict_curve.ts), in words a user can act on; null for any other close.
 */
export function signatureProblem(reason: string, describe: string): string | null {
  if (/noise (intermediate )?certificate signature invalid|certification match failed/i.test(reason)) {
    return `The server did not prove it is WhatsApp: its noise certificate failed the signature check (${describe}). ` +
      "Nothing was sent to it. A proxy or network that intercepts connections can cause this; retrying.";
  }
  if (/account signature/i.test(reason)) {
    return `Linking failed: the phone's account signature did not verify (${describe}). Nothing was saved; retrying.`;
  }
  return null;
}

/** The state before `start`. */
export function initialLinkState(now: number): LinkState {
  return { phase: "starting", since: now, attempt: 0, nextRetryAt: null, lastError: null, lastStatusCode: null, linked: false };
}

/** Delay before reconnect attempt `attempt` (1-based): base·2^(attempt-1), capped, jittered. */
export function backoffDelay(attempt: number, random: () => number, policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const spread = exp * policy.jitter;
  return Math.round(exp - spread + spread * random());
}

/** Applies one event. */
export function transition(s: LinkState, e: LinkEvent, env: LinkEnv): Transition {
  const policy = env.policy ?? DEFAULT_RECONNECT_POLICY;
  const to = (phase: ConnectionState, patch: Partial<LinkState> = {}): LinkState => ({
    ...s,
    ...patch,
    phase,
    since: phase === s.phase ? s.since : env.now,
  });
  const terminal = s.phase === "stopped" || s.phase === "replaced" || s.phase === "logged_out";

  switch (e.type) {
    case "start":
      return { state: to("connecting", { linked: e.linked, attempt: 0, nextRetryAt: null }), effects: [{ type: "connect" }] };

    case "connecting":
      if (terminal || s.phase === "pairing_code" || s.phase === "qr") return { state: s, effects: [] };
      return { state: to("connecting", { nextRetryAt: null }), effects: [] };

    case "qr":
      if (terminal || s.phase === "pairing_code") return { state: s, effects: [] };
      return { state: to("qr", { linked: false }), effects: [] };

    case "pairingCode":
      if (terminal) return { state: s, effects: [] };
      return { state: to("pairing_code", { linked: false }), effects: [] };

    case "open":
      if (terminal) return { state: s, effects: [] };
      return { state: to("open", { attempt: 0, nextRetryAt: null, linked: true }), effects: [{ type: "cancelRetry" }] };

    case "closed":
      return onClose(s, e, env, policy, to);

    case "retryDue":
      if (s.phase !== "reconnecting") return { state: s, effects: [] };
      return { state: to("connecting", { nextRetryAt: null }), effects: [{ type: "connect" }] };

    case "relink":
      if (s.phase === "open") {
        return { state: s, effects: [], refused: "WhatsApp is linked and connected: log out first to link another account" };
      }
      return {
        state: to("connecting", { attempt: 0, nextRetryAt: null, linked: false, lastError: null, lastStatusCode: null }),
        effects: [{ type: "cancelRetry" }, { type: "closeSocket" }, { type: "clearSession" }, { type: "connect" }],
      };

    case "reconnect":
      if (s.phase === "logged_out") {
        return { state: s, effects: [], refused: "WhatsApp logged this device out: link it again (relink)" };
      }
      if (s.phase === "open" || s.phase === "connecting" || s.phase === "qr" || s.phase === "pairing_code") {
        return { state: s, effects: [] };
      }
      return {
        state: to("connecting", { nextRetryAt: null }),
        effects: [{ type: "cancelRetry" }, { type: "closeSocket" }, { type: "connect" }],
      };

    case "forget":
      return {
        state: to("logged_out", { linked: false, attempt: 0, nextRetryAt: null, lastError: "Logged out on request" }),
        effects: [{ type: "cancelRetry" }, { type: "closeSocket" }, { type: "clearSession" }],
      };

    case "stop":
      return { state: to("stopped", { nextRetryAt: null }), effects: [{ type: "cancelRetry" }, { type: "closeSocket" }] };
  }
}

function onClose(
  s: LinkState,
  e: Extract<LinkEvent, { type: "closed" }>,
  env: LinkEnv,
  policy: ReconnectPolicy,
  to: (phase: ConnectionState, patch?: Partial<LinkState>) => LinkState,
): Transition {
  // A socket we ended ourselves (stop, relink, replaced...) reports its close too: ignore it.
  if (s.phase === "stopped" || s.phase === "replaced" || s.phase === "logged_out") return { state: s, effects: [] };
  const code = e.statusCode;
  const reason = e.reason || "connection closed";
  const describe = `${reason} (${code === null ? "no status code" : code})`;
  switch (code) {
    case CLOSE.restartRequired:
      return { state: to("connecting", { lastStatusCode: code, nextRetryAt: null }), effects: [{ type: "connect" }] };
    case CLOSE.connectionReplaced:
      return {
        state: to("replaced", {
          lastStatusCode: code,
          nextRetryAt: null,
          lastError: "Another WhatsApp Web session with these credentials replaced this one (440); not reconnecting. " +
            "Stop the other instance, then reconnect.",
        }),
        effects: [{ type: "cancelRetry" }],
      };
    case CLOSE.loggedOut:
      return {
        state: to("logged_out", {
          lastStatusCode: code,
          linked: false,
          attempt: 0,
          nextRetryAt: null,
          lastError: "WhatsApp logged this device out (401): the session was cleared; link again to continue.",
        }),
        effects: [{ type: "cancelRetry" }, { type: "clearSession" }],
      };
    case CLOSE.forbidden:
      return {
        state: to("stopped", {
          lastStatusCode: code,
          nextRetryAt: null,
          lastError: "WhatsApp refused this device (403 forbidden): the account may be banned or restricted; not reconnecting.",
        }),
        effects: [{ type: "cancelRetry" }],
      };
    case CLOSE.clientOutdated:
      if (e.versionRefreshed) {
        return { state: to("connecting", { lastStatusCode: code, nextRetryAt: null }), effects: [{ type: "connect" }] };
      }
      return {
        state: to("stopped", {
          lastStatusCode: code,
          nextRetryAt: null,
          lastError: CLIENT_OUTDATED_ADVICE,
        }),
        effects: [{ type: "cancelRetry" }],
      };
    case CLOSE.multideviceMismatch:
      return {
        state: to("stopped", {
          lastStatusCode: code,
          nextRetryAt: null,
          lastError: "WhatsApp reports a multi-device mismatch (411): update the phone's WhatsApp and link again; not reconnecting.",
        }),
        effects: [{ type: "cancelRetry" }],
      };
  }
  if (code === CLOSE.timedOut && (s.phase === "qr" || s.phase === "pairing_code")) {
    const delayMs = policy.baseDelayMs;
    return {
      state: to("reconnecting", { lastStatusCode: code, nextRetryAt: env.now + delayMs, lastError: "The QR code expired unscanned; fetching a new one." }),
      effects: [{ type: "scheduleRetry", delayMs }],
    };
  }
  const attempt = s.attempt + 1;
  const delayMs = backoffDelay(attempt, env.random, policy);
  return {
    state: to("reconnecting", { attempt, lastStatusCode: code, lastError: signatureProblem(reason, describe) ?? describe, nextRetryAt: env.now + delayMs }),
    effects: [{ type: "scheduleRetry", delayMs }],
  };
}

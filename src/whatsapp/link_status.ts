/**
 * The published `LinkStatus` and the "WhatsApp is not ready" answers, derived from the link
 * state machine plus what the actor knows besides (QR, pairing code, who we are, history progress).
 */
import type { LinkStatus } from "../status/types.ts";
import type { LinkState } from "./reconnect.ts";

/** What the connection actor tracks next to the machine's state. */
export interface LinkExtras {
  me: LinkStatus["me"];
  qr: string | null;
  pairingCode: string | null;
  lastEventAt: number | null;
  history: LinkStatus["history"];
  webVersion?: LinkStatus["webVersion"];
}

/** Empty history counters. */
export function emptyHistory(): LinkStatus["history"] {
  return { syncs: 0, messages: 0, chats: 0, lastSyncAt: null, progress: null, inProgress: false };
}

/** The status snapshot. The QR and pairing code are shown only while they are usable. */
export function buildLinkStatus(s: LinkState, x: LinkExtras): LinkStatus {
  return {
    state: s.phase,
    since: s.since,
    me: x.me,
    qr: s.phase === "qr" ? x.qr : null,
    pairingCode: s.phase === "pairing_code" ? x.pairingCode : null,
    lastEventAt: x.lastEventAt,
    lastError: s.lastError,
    reconnectAttempt: s.attempt,
    nextRetryAt: s.nextRetryAt,
    history: { ...x.history },
    ...(x.webVersion ? { webVersion: x.webVersion } : {}),
  };
}

/**
 * Why a request needing an open socket cannot run now, in words a user can act on; null when open.
 * `baseUrl` is where the status page lives (e.g. `http://127.0.0.1:8080`).
 */
export function notReadyReason(s: LinkState, now: number, baseUrl: string): string | null {
  const qrUrl = `${baseUrl}/qr`;
  switch (s.phase) {
    case "open":
      return null;
    case "reconnecting": {
      const secs = s.nextRetryAt === null ? 0 : Math.max(1, Math.ceil((s.nextRetryAt - now) / 1000));
      return `WhatsApp is reconnecting (attempt ${s.attempt}), try again in ${secs} s`;
    }
    case "logged_out":
      return `WhatsApp logged this device out: open ${qrUrl} to link it again`;
    case "replaced":
      return `WhatsApp is disconnected: ${s.lastError ?? "another session replaced this one (440)"}`;
    case "stopped":
      return `WhatsApp is stopped: ${s.lastError ?? "the link was stopped"}`;
    case "qr":
    case "pairing_code":
      return `WhatsApp is not linked yet: open ${qrUrl} to link this device`;
    case "starting":
    case "connecting":
      return s.linked
        ? "WhatsApp is connecting, try again in a few seconds"
        : `WhatsApp is not linked yet: open ${qrUrl} to link this device`;
  }
}

/** Folds a history chunk report from the sync actor into the counters. */
export function applyHistoryProgress(
  h: LinkStatus["history"],
  p: { progress: number | null; messages: number; chats: number; complete?: boolean },
  now: number,
): LinkStatus["history"] {
  const progress = p.complete ? 100 : p.progress ?? h.progress;
  const counted = p.messages > 0 || p.chats > 0;
  return {
    syncs: h.syncs + (counted ? 1 : 0),
    messages: h.messages + p.messages,
    chats: h.chats + p.chats,
    lastSyncAt: counted ? now : h.lastSyncAt,
    progress,
    inProgress: !p.complete && progress !== null && progress < 100,
  };
}

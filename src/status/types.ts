/**
 * What the connection and sync actors publish about the WhatsApp link, read by the status
 * page, `/api/status` and the get_sync_status / check_bridge_status tools.
 */

/** The link's state, as a user would name it. */
export type ConnectionState =
  | "starting"
  | "connecting"
  | "qr" // waiting for the QR code to be scanned
  | "pairing_code" // waiting for the code to be entered on the phone
  | "open"
  | "reconnecting"
  | "logged_out" // needs a new link
  | "replaced" // another client took over the session (440): we stopped
  | "stopped";

/** Told to each link watcher (`ConnectionOptions.linkWatchers`, e.g. the webhook actor) when the link state changes. */
export interface LinkChangeMsg {
  type: "link";
  state: string;
  previous: string | null;
  error: string | null;
  at: number;
}

/** A snapshot of the link. `qr` and `pairingCode` are secrets: shown only on loopback pages. */
export interface LinkStatus {
  state: ConnectionState;
  since: number;
  me: { id: string; pushName: string | null } | null;
  qr: string | null;
  pairingCode: string | null;
  lastEventAt: number | null;
  lastError: string | null;
  reconnectAttempt: number;
  nextRetryAt: number | null;
  /** The WhatsApp Web version presented, and where it came from (setting, fetched, cached, bundled). */
  webVersion?: { version: string; origin: string };
  history: {
    syncs: number;
    messages: number;
    chats: number;
    lastSyncAt: number | null;
    /** Percent 0-100 of the initial history sync, when WhatsApp reports it. */
    progress: number | null;
    inProgress: boolean;
  };
}

/** The initial value before the connection actor reports anything. */
export function initialLinkStatus(now: number): LinkStatus {
  return {
    state: "starting",
    since: now,
    me: null,
    qr: null,
    pairingCode: null,
    lastEventAt: null,
    lastError: null,
    reconnectAttempt: 0,
    nextRetryAt: null,
    history: { syncs: 0, messages: 0, chats: 0, lastSyncAt: null, progress: null, inProgress: false },
  };
}

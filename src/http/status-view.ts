/**
 * Turns the link status and store counters into the strings the dashboard shows. Pure (the
 * instant is passed in), used both for the server-rendered page and the `view` part of
 * `/api/status` that the page's script applies every few seconds, so formatting lives in one place.
 */
import type { ConnectionState, LinkStatus } from "../status/types.ts";
import type { StoreStats } from "../store/types.ts";
import type { StoreLocation } from "../config/store_location.ts";
import { type WebhooksView, webhooksSummary } from "../webhooks/status.ts";

/** Colour family of a badge. */
export type Tone = "ok" | "warn" | "info" | "bad" | "idle";

/** A state badge. */
export interface Badge {
  state: ConnectionState | "unavailable";
  label: string;
  tone: Tone;
}

/** Which backends hold messages and the WhatsApp session. */
export interface SessionBackend {
  messages: "sqljs" | "postgres";
  session: "sqljs" | "postgres";
}

/** Everything the dashboard renders; `fields` keys match `data-k` attributes in the page. */
export interface StatusView {
  badge: Badge;
  fields: Record<string, string>;
  /** Initial history sync percentage while it runs, else null. */
  progress: number | null;
  /** True while the account still has to be linked (the page then points to /qr). */
  linking: boolean;
  linked: boolean;
}

/** What `statusView` reads; a part that could not be fetched is null with its error. */
export interface StatusInput {
  link: LinkStatus | null;
  linkError: string | null;
  stats: StoreStats | null;
  statsError: string | null;
  backend: SessionBackend;
  /** Webhook delivery; null or absent: off (or not known). */
  webhooks?: WebhooksView | null;
  /** Where the data is kept; null: not known (tests). */
  location?: StoreLocation | null;
  now: number;
}

const BADGES: Record<ConnectionState, { label: string; tone: Tone }> = {
  starting: { label: "Starting", tone: "info" },
  connecting: { label: "Connecting", tone: "info" },
  qr: { label: "Waiting for QR scan", tone: "warn" },
  pairing_code: { label: "Waiting for pairing code", tone: "warn" },
  open: { label: "Connected", tone: "ok" },
  reconnecting: { label: "Reconnecting", tone: "warn" },
  logged_out: { label: "Logged out: link again", tone: "bad" },
  replaced: { label: "Replaced by another session", tone: "bad" },
  stopped: { label: "Stopped", tone: "idle" },
};

/** The badge for a state (or for a connection actor that did not answer). */
export function badgeFor(link: LinkStatus | null): Badge {
  if (!link) return { state: "unavailable", label: "Unavailable", tone: "bad" };
  return { state: link.state, ...BADGES[link.state] };
}

/** True for states where the user should scan a QR code or type a pairing code. */
export function isLinking(state: ConnectionState): boolean {
  return state === "qr" || state === "pairing_code" || state === "logged_out";
}

const NUM = new Intl.NumberFormat("en-US");

/** 1234567 -> "1,234,567". */
export function formatCount(n: number): string {
  return NUM.format(n);
}

/** Bytes in binary units: 0 B, 1.5 KiB, 182 MiB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** A duration in the largest sensible unit: "45 s", "3 min", "2 h", "5 d". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** An instant relative to `now`: "just now", "3 min ago", "in 10 s", or "never". */
export function formatAgo(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined) return "never";
  const diff = now - at;
  if (Math.abs(diff) < 1500) return "just now";
  return diff > 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`;
}

/** An instant as UTC date and time: "2025-01-15 10:00 UTC". */
export function formatInstant(at: number | null | undefined): string {
  if (at === null || at === undefined) return "—";
  return new Date(at).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** The account's phone number from its JID ("4915112345678:12@s.whatsapp.net" -> "+4915112345678"). */
export function accountNumber(id: string): string {
  const user = id.split("@")[0]!.split(":")[0]!;
  return /^\d+$/.test(user) ? `+${user}` : user;
}

const BACKEND_NAMES: Record<"sqljs" | "postgres", string> = { sqljs: "sql.js (local file)", postgres: "PostgreSQL" };

function historyText(h: LinkStatus["history"]): string {
  if (h.inProgress) return h.progress === null ? "syncing…" : `syncing… ${Math.round(h.progress)}%`;
  if (h.syncs === 0) return "not received yet";
  const batches = `${formatCount(h.syncs)} batch${h.syncs === 1 ? "" : "es"}`;
  return `done: ${batches}, ${formatCount(h.messages)} messages, ${formatCount(h.chats)} chats`;
}

/** Builds the dashboard's strings. */
export function statusView(input: StatusInput): StatusView {
  const { link, stats, now } = input;
  const badge = badgeFor(link);
  const f: Record<string, string> = {};

  f.since = link ? `since ${formatAgo(link.since, now)}` : "";
  f.account = link?.me ? (link.me.pushName ?? "(no name)") : "Not linked yet";
  f.accountId = link?.me ? accountNumber(link.me.id) : "—";
  f.lastEvent = link ? formatAgo(link.lastEventAt, now) : "—";
  f.reconnect = !link || (link.reconnectAttempt === 0 && link.nextRetryAt === null)
    ? "—"
    : `attempt ${link.reconnectAttempt}` + (link.nextRetryAt !== null ? `, next ${formatAgo(link.nextRetryAt, now)}` : "");
  f.lastSync = link ? formatAgo(link.history.lastSyncAt, now) : "—";
  f.history = link ? historyText(link.history) : "—";

  f.messages = stats ? formatCount(stats.messages) : "—";
  f.chats = stats ? formatCount(stats.chats) : "—";
  f.contacts = stats ? formatCount(stats.people) : "—";
  f.size = stats ? formatBytes(stats.sizeBytes) : "—";
  f.backend = BACKEND_NAMES[input.backend.messages];
  f.sessionBackend = BACKEND_NAMES[input.backend.session];
  f.folder = input.location?.folder ?? "—";
  f.database = input.location?.database ?? "—";
  f.oldest = stats ? formatInstant(stats.oldestMessageAt) : "—";
  f.newest = stats ? formatInstant(stats.newestMessageAt) : "—";
  f.journal = !stats ? "—"
    : stats.journal === null ? "not used"
    : `${formatCount(stats.journal.entries)} entries, ${formatBytes(stats.journal.bytes)}, last seq ${formatCount(stats.journal.lastSeq)}`;
  f.snapshot = !stats ? "—"
    : stats.snapshot === null ? (stats.backend === "postgres" ? "not used" : "none yet")
    : `seq ${formatCount(stats.snapshot.seq)}, ${formatBytes(stats.snapshot.bytes)}, ${formatAgo(stats.snapshot.at, now)}`;

  f.webhooks = input.webhooks ? (webhooksSummary(input.webhooks) ?? "").replace(/^Webhooks: /, "") : "off";
  f.linkError = input.linkError ? `connection: ${input.linkError}` : (link?.lastError ?? "");
  f.storeError = input.statsError ? `store: ${input.statsError}` : (stats?.lastError ?? "");

  const h = link?.history;
  const progress = h && h.inProgress ? Math.max(0, Math.min(100, h.progress ?? 0)) : null;
  return {
    badge,
    fields: f,
    progress,
    linking: link ? isLinking(link.state) : false,
    linked: link?.state === "open",
  };
}

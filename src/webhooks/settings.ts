/**
 * Webhook settings and their rules: which URLs may receive events (HTTPS, or plain HTTP to this
 * machine only, as for the rest of the HTTP surface), the event kinds, and the chat filter in
 * canonical JID form. Pure: config parsing and the webhook actor both use it.
 */
import { isLoopbackHost } from "../http/bind-policy.ts";
import { jidOf } from "../ids/jid.ts";
import { phoneJid } from "../ids/phone.ts";
import type { WebhookEventKind } from "../store/types.ts";

/** Every kind a webhook can carry, in the order the README lists them. */
export const WEBHOOK_EVENT_KINDS: readonly WebhookEventKind[] = ["message", "edit", "delete", "reaction", "link"];

/** Shortest secret accepted: the signature is only as strong as the secret. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

/** What the webhook actor is configured with. */
export interface WebhookSettings {
  /** Receivers; empty: webhooks are off. */
  urls: string[];
  /** The HMAC-SHA256 key (required when `urls` is not empty). */
  secret: string | null;
  /** Only events of these chats (canonical JIDs); null: every chat. */
  chats: string[] | null;
  events: WebhookEventKind[];
  /** Message texts, captions, reactions' emoji and names are sent only when true. */
  includeBody: boolean;
  /** Per attempt, connection to last byte of the answer's head. */
  timeoutMs: number;
  /** Attempts per delivery before it is given up (dead). */
  maxAttempts: number;
  /** A delivery still pending this long after its event was recorded is given up (dead). */
  maxAgeMs: number;
}

/** Webhooks off. */
export const NO_WEBHOOKS: WebhookSettings = {
  urls: [],
  secret: null,
  chats: null,
  events: [...WEBHOOK_EVENT_KINDS],
  includeBody: false,
  timeoutMs: 10_000,
  maxAttempts: 20,
  maxAgeMs: 24 * 3_600_000,
};

/**
 * Why `raw` may not receive webhooks, or null when it may: an absolute http(s) URL, HTTPS unless
 * the host is loopback (127.0.0.0/8, ::1, localhost), no user:password part (it would end up in
 * logs and headers of proxies; put a token in the path or query instead).
 */
export function webhookUrlProblem(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return "expected an absolute URL";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return "expected an https:// URL";
  if (u.protocol === "http:" && !isLoopbackHost(u.hostname)) return "plain http is allowed only to this machine (127.0.0.1, ::1, localhost); use https://";
  if (u.username || u.password) return "user:password in the URL is not allowed";
  return null;
}

/** The canonical JID of a chat filter entry (a JID, or a phone number), or null if it is neither. */
export function webhookChatJid(entry: string): string | null {
  return entry.includes("@") ? jidOf(entry) : phoneJid(entry);
}

/**
 * How an endpoint is shown in status and logs: scheme, host and port only. Paths and queries of
 * webhook URLs often carry tokens.
 */
export function endpointLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === "/" && !u.search ? "/" : "/…"}`;
  } catch {
    return "(invalid URL)";
  }
}

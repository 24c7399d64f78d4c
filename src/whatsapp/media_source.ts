/**
 * Where download_media may fetch from, and why a download failed. A message's `url` and
 * `directPath` are written by whoever sent it: Baileys fetches `https://<host of url><directPath>`
 * (or `url` alone) from ANY host, so a stranger's message could make this server request a
 * local or internal address (SSRF) or reveal its IP. We compute the URL exactly as Baileys
 * will (`downloadContentFromMessage` in lib/Utils/messages-media.js) and allow only WhatsApp's
 * media hosts over HTTPS on the default port, plus origins the operator adds for a simulator
 * (`--extra-media-hosts`). The check runs before any connection is made. Pure.
 */
import { extractMessageContent, getContentType } from "@whiskeysockets/baileys";
import type { WAMessage } from "@whiskeysockets/baileys";
import { describeFetchFailure, errorText } from "../fetch_failure.ts";

/** Baileys' default media host (its `DEF_MEDIA_HOST`), used when a message has a directPath only. */
export const DEFAULT_MEDIA_HOST = "mmg.whatsapp.net";

/** WhatsApp's media hosts by name (the ones Baileys knows). */
const MEDIA_HOSTS: ReadonlySet<string> = new Set([DEFAULT_MEDIA_HOST, "mmg-fallback.whatsapp.net"]);

/** WhatsApp's media CDN edges ("media-<pop>.cdn.whatsapp.net", "media.<pop>.fna.whatsapp.net"). */
const MEDIA_EDGE = /^media[a-z0-9-]*(\.[a-z0-9-]+)*\.(cdn|fna)\.whatsapp\.net$/;

/** Whether `hostname` (lower case, no port) is one of WhatsApp's media hosts. */
export function isWhatsAppMediaHost(hostname: string): boolean {
  return MEDIA_HOSTS.has(hostname) || MEDIA_EDGE.test(hostname);
}

/** "https://host[:port]" origins from `--extra-media-hosts` entries ("host" or "host:port"). */
export function extraMediaOrigins(hosts: readonly string[]): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    try {
      out.push(new URL(`https://${h.trim()}`).origin);
    } catch {
      // Validated at parse time; an entry that is not a host is ignored here.
    }
  }
  return out;
}

/** The URL Baileys will fetch for this message's media, or null if it has none. */
export function mediaFetchUrl(msg: WAMessage): string | null {
  const content = extractMessageContent(msg.message);
  const type = content ? getContentType(content) : undefined;
  const media = type ? (content as Record<string, unknown>)[type] : undefined;
  if (!media || typeof media !== "object") return null;
  const m = media as { url?: string | null; directPath?: string | null; thumbnailDirectPath?: string | null };
  // Baileys: a thumbnail link has only a thumbnailDirectPath; the host falls back to the default.
  const thumbnailOnly = "thumbnailDirectPath" in m && !("url" in m);
  const url = thumbnailOnly ? null : m.url ?? null;
  const directPath = thumbnailOnly ? m.thumbnailDirectPath ?? null : m.directPath ?? null;
  if (directPath) return `https://${hostOf(url) ?? DEFAULT_MEDIA_HOST}${directPath}`;
  return url;
}

/**
 * Why `url` may not be fetched, or null when it may: WhatsApp's media hosts over HTTPS on the
 * default port, without credentials, or exactly one of `extraOrigins`.
 */
export function mediaUrlProblem(url: string | null, extraOrigins: readonly string[] = []): string | null {
  if (!url) return "the message carries no media location";
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "the media location is not a valid URL";
  }
  if (u.username || u.password) return "the media location is not a plain WhatsApp media URL (it carries a user name)";
  if (extraOrigins.includes(u.origin)) return null;
  if (u.protocol !== "https:") return "the media location is not HTTPS";
  if (u.port !== "") return "the media location uses a non-standard port";
  if (!isWhatsAppMediaHost(u.hostname)) return "the media location is not one of WhatsApp's media hosts";
  return null;
}

/**
 * Why a download failed, for the user: DNS, certificate, refused or timed-out connection, HTTP
 * status, or decryption; never the URL (it carries access tokens) nor other secrets.
 */
export function describeDownloadFailure(err: unknown, status: number | null): string {
  if (status !== null) return `the media server answered HTTP ${status}`;
  if (/decrypt|hmac|mac mismatch|sha256/i.test(errorText(err))) return "the media could not be decrypted (a wrong key or a damaged file)";
  return describeFetchFailure(err, "the media host");
}

function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/**
 * The webhook signature: HMAC-SHA256 with the shared secret over `timestamp + "." + body`, sent as
 * `X-WhatsApp-MCP-Signature: t=<unix seconds>,v1=<hex>`. The timestamp is inside the signed
 * text, so a captured request cannot be replayed later with a fresh timestamp; receivers reject
 * timestamps too far from their clock. Web Crypto only (the same `crypto` on Deno and Node).
 *
 * @example
 * const header = await signWebhook(secret, Math.floor(Date.now() / 1000), body);
 * await verifyWebhook(secret, header, body, Date.now()); // true
 */

/** The header carrying the timestamp and the signature. */
export const SIGNATURE_HEADER = "X-WhatsApp-MCP-Signature";
/** The header carrying the event id (the same on every attempt: dedupe by it). */
export const EVENT_ID_HEADER = "X-WhatsApp-MCP-Event-Id";
/** The header carrying the event kind. */
export const EVENT_KIND_HEADER = "X-WhatsApp-MCP-Event";
/** How far a receiver's clock may be from ours (seconds) in `verifyWebhook`. */
export const DEFAULT_TOLERANCE_S = 300;

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
}

/** The signature header's value for `body` sent at `timestampS` (unix seconds). */
export async function signWebhook(secret: string, timestampS: number, body: string): Promise<string> {
  return `t=${timestampS},v1=${await hmacHex(secret, `${timestampS}.${body}`)}`;
}

/**
 * Checks a received signature header against the raw body, as a receiver does: the timestamp
 * within `toleranceS` of `nowMs`, and some `v1=` value equal (in constant time) to the HMAC.
 */
export async function verifyWebhook(secret: string, header: string | null, body: string, nowMs: number, toleranceS = DEFAULT_TOLERANCE_S): Promise<boolean> {
  if (!header) return false;
  const parts = header.split(",").map((p) => p.trim());
  const t = Number(parts.find((p) => p.startsWith("t="))?.slice(2));
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > toleranceS) return false;
  const expected = await hmacHex(secret, `${t}.${body}`);
  return parts.filter((p) => p.startsWith("v1=")).some((p) => constantTimeEqualHex(p.slice(3), expected));
}

function constantTimeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * The event id: a hash of what identifies the event (its kind, chat, message and instant; for a
 * link change its instant and outbox seq), so it is the same on every attempt, after restarts,
 * and when WhatsApp delivers the same event twice.
 */
export async function webhookEventId(parts: ReadonlyArray<string | number | null>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(parts.map((p) => String(p ?? "")).join("\u0000")));
  return `evt_${hex(digest).slice(0, 32)}`;
}

/**
 * The audit record of a send attempt: which tool, what happened, a keyed tag of the recipient
 * (so lines about one recipient can be correlated without the log holding a phone number), and
 * sizes. Never a message body, file name or JID.
 */
import type { Logger } from "../../log.ts";

/** What happened to a send attempt. */
export type AuditOutcome = "sent" | "blocked" | "declined" | "failed" | "held" | "scheduled" | "cancelled" | "expired" | "unknown";

/** One audit line's fields. */
export interface AuditRecord {
  tool: string;
  outcome: AuditOutcome;
  /** Machine-readable cause for anything but "sent" (e.g. "first_contact", "rate_minute"). */
  reason: string | null;
  /** "person" | "group" | "unknown". */
  recipientKind: string;
  /** Keyed hash of the canonical JID, letters only (see `recipientTag`). */
  recipient: string | null;
  textChars: number;
  attachmentBytes: number;
  confirmed: boolean;
  /** The write's kind (message, group_admin, account_state, read_receipt). */
  kind?: string;
}

/**
 * A 16-letter tag of `jid`: HMAC-SHA-256 under `key`, written with the letters a–p. Letters
 * only, because the log redactor masks digit runs; keyed, because a plain hash of a phone
 * number is reversed by trying every number.
 */
export async function recipientTag(key: CryptoKey, jid: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(jid)));
  let out = "";
  for (const b of mac.subarray(0, 8)) out += String.fromCharCode(97 + (b >> 4), 97 + (b & 15));
  return out;
}

/** A fresh random HMAC key (one per process: tags correlate within a run, not across runs). */
export function newAuditKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]) as Promise<CryptoKey>;
}

/** What an audit line says about the send itself. */
export interface AuditSubject {
  tool: string;
  /** The write's kind (default "message"). */
  kind?: string;
  recipientKind: string;
  jid: string;
  text?: string | null;
  attachments?: ReadonlyArray<{ bytes: number }>;
}

let processKey: Promise<CryptoKey> | null = null;

/** Writes one audit line: info for a send, warn for anything else. */
export async function writeAudit(
  log: Logger,
  a: AuditSubject,
  outcome: AuditOutcome,
  reason: string | null,
  confirmed: boolean,
): Promise<void> {
  let tag: string | null = null;
  try {
    processKey ??= newAuditKey();
    tag = await recipientTag(await processKey, a.jid);
  } catch {
    // WebCrypto missing would only cost the correlation tag, never the audit line.
  }
  const rec: AuditRecord = {
    tool: a.tool,
    outcome,
    reason,
    recipientKind: a.recipientKind,
    recipient: tag,
    textChars: a.text ? Array.from(a.text).length : 0,
    attachmentBytes: (a.attachments ?? []).reduce((n, x) => n + x.bytes, 0),
    confirmed,
    kind: a.kind ?? "message",
  };
  log[outcome === "sent" || outcome === "scheduled" || outcome === "cancelled" ? "info" : "warn"]("send attempt", rec as unknown as Record<string, unknown>);
}

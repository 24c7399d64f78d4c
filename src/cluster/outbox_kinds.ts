/**
 * How the outbox treats each WhatsApp request. Pure.
 *
 * - "send": produces a message under an id we choose before sending. Exactly once: a leader that
 *   inherits it half-done (its predecessor died after claiming it) looks the id up in the mirror
 *   first, and otherwise sends again UNDER THE SAME ID, which WhatsApp and the receiving devices
 *   treat as the same message (retries of one id are how WhatsApp itself re-delivers).
 * - "once": any other request (read receipts, group changes, queries, downloads). At most once:
 *   one inherited half-done is failed with "may or may not have happened", never run again.
 */
import type { ChosenId, ConnectionMsg } from "../whatsapp/protocol.ts";

/** The outbox kind of a request. */
export type OutboxKind = "send" | "once";

const SENDS: ReadonlySet<string> = new Set(["sendText", "sendMedia", "react", "edit", "revoke", "sendContent", "forward"]);

/** The kind of `msg`. */
export function outboxKind(msg: ConnectionMsg): OutboxKind {
  return SENDS.has(msg.type) ? "send" : "once";
}

/** The chat a request writes to (for the mirror lookup and the per-chat order), when it has one. */
export function chatOf(msg: ConnectionMsg): string | null {
  const m = msg as { jid?: unknown; chatJid?: unknown; to?: unknown; target?: { chatJid?: unknown } };
  for (const v of [m.jid, m.chatJid, m.to, m.target?.chatJid]) if (typeof v === "string") return v;
  return null;
}

/** Requests that only make sense on the instance itself, never forwarded to the leader. */
export function isLocalOnly(msg: ConnectionMsg): boolean {
  return msg.type === "status" || msg.type === "historyProgress";
}

/** `msg` with its chosen message id (sends only). */
export function withChosenId(msg: ConnectionMsg, id: string | null): ConnectionMsg {
  if (!id || outboxKind(msg) !== "send") return msg;
  return { ...msg, messageId: id } as ConnectionMsg & ChosenId;
}

/** A fresh id in WhatsApp Web's own format ("3EB0" + 36 hex digits). `random` fills the bytes. */
export function newMessageId(random: (bytes: Uint8Array) => void): string {
  const b = new Uint8Array(18);
  random(b);
  return "3EB0" + [...b].map((x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
}

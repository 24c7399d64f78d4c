/**
 * How the outbox treats each WhatsApp request. Pure.
 *
 * - "send": produces a message under an id we choose before sending. At most once, never a
 *   duplicate: a leader that inherits it half-done runs it only if its predecessor provably never
 *   handed it to WhatsApp; otherwise it looks the id up in the mirror ("sent" if there) and else
 *   settles it as outcome unknown (not resent; the caller is told to check the chat).
 * - "once": any other request (read receipts, group changes, queries, downloads). At most once:
 *   one inherited half-done is failed with "may or may not have happened", never run again.
 */
import { decodeOpsBinary, encodeOpsBinary } from "../store/codec_binary.ts";
import type { ChosenId, ConnectionMsg } from "../whatsapp/protocol.ts";
import type { OutboxRow, Settlement } from "./outbox_sql.ts";

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

/** The marker in `result` of a failed row whose send has an unknown outcome. */
const UNKNOWN = "unknown";

/** What the caller is told about a send of unknown outcome. */
export function unknownOutcomeText(waMessageId: string | null): string {
  return `The outcome of this send is unknown: the WhatsApp leader stopped after handing it to WhatsApp and before confirming it${
    waMessageId ? ` (message id ${waMessageId})` : ""
  }. The message may or may not have been delivered, and it is NOT sent again automatically. ` +
    "Check the chat (e.g. with list_messages) before sending it again.";
}

/** The settlement of a send handed to WhatsApp by a leader that died before recording its outcome. */
export function unknownOutcome(waMessageId: string | null): Settlement {
  return { state: "failed", result: encodeOpsBinary([{ outcome: UNKNOWN }]), error: unknownOutcomeText(waMessageId), waMessageId: null };
}

/** True when `row` was settled as a send of unknown outcome. */
export function isUnknownOutcome(row: Pick<OutboxRow, "state" | "result">): boolean {
  if (row.state !== "failed" || !row.result) return false;
  try {
    return (decodeOpsBinary<{ outcome?: unknown }>(row.result)[0] as { outcome?: unknown } | undefined)?.outcome === UNKNOWN;
  } catch {
    return false;
  }
}

/**
 * An outgoing action as data: what a send tool asks the connection to do, in a form that can be
 * stored (a held send) and performed later, after a restart too. Files are named by path and
 * re-read when performed; the caller checks their hash first.
 */
import type { ActionMsg, ConnectionReplies, MessageRef, SendResult } from "../../whatsapp/protocol.ts";
import type { MediaPort, PreparedFile, PreparedVoiceNote, SchedulePort, WhatsAppPort } from "../deps.ts";
import { asSendResult } from "../targets.ts";

/** One outgoing action. */
export type SendOp =
  | { type: "text"; jid: string; text: string; quoted?: MessageRef; mentions?: string[] }
  | { type: "file"; jid: string; path: string; caption?: string }
  | { type: "voice"; jid: string; path: string }
  | { type: "react"; target: MessageRef; emoji: string }
  | { type: "edit"; target: MessageRef; text: string }
  | { type: "revoke"; target: MessageRef }
  /** Any other action (poll, location, group change, block...) as the connection request it is. */
  | { type: "request"; request: HoldableRequest }
  /** Store a send for later (schedule_message): performing it schedules, the scheduler sends at `at`. */
  | { type: "schedule"; jid: string; at: number; text?: string; media?: { path: string; voice: boolean } };

/** The connection requests an action may hold: every action but look-ups (they answer, they do not act). */
export type HoldableRequest = Exclude<ActionMsg, { type: "groupInviteInfo" | "blocklist" | "presenceGet" | "profile" }>;

/** What performing `op` answers: a request op its request's reply (`ConnectionReplies`), any other op a `SendResult`. */
export type OpReply<O extends SendOp> = O extends { type: "request"; request: infer Q extends HoldableRequest } ? ConnectionReplies[Q["type"]]
  : SendResult;

/** The message id a performed op produced, if it made a message. */
export function messageIdOf(result: unknown): string | null {
  const id = (result as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id : null;
}

/** The chat a message op writes in (null for ops that make no message: group changes, blocks...). */
export function opChatJid(op: SendOp): string | null {
  switch (op.type) {
    case "text":
    case "file":
    case "voice":
      return op.jid;
    case "react":
    case "edit":
    case "revoke":
      return op.target.chatJid;
    case "request":
      return op.request.type === "sendContent" ? op.request.jid : op.request.type === "forward" ? op.request.to : null;
    case "schedule":
      return op.jid;
  }
}

/** A short account of what a performed non-message op did, for the page and get_send_status (null: nothing to add). */
export function describeResult(result: unknown): string | null {
  if (result === null || typeof result !== "object") return null;
  const r = result as Record<string, unknown>;
  if (typeof r.id === "string") return null; // a message: its id says it
  if (typeof r.code === "string") return `invite link: https://chat.whatsapp.com/${r.code}`;
  if (Array.isArray(result)) {
    const rows = result as Array<{ jid?: string; status?: string }>;
    return `${rows.filter((x) => x.status === "200").length} of ${rows.length} done`;
  }
  if (typeof r.jid === "string") return `group ${r.jid}`;
  return null;
}


/** Who stands behind an op that is performed later (a scheduled send): did the user confirm, which client asked. */
export interface OpMeta {
  confirmed: boolean;
  session: string | null;
}

/** Files already read for `op` (the tool read them before asking; a held send reads them again). */
export interface PreparedParts {
  file?: PreparedFile;
  voice?: PreparedVoiceNote;
}

/**
 * Performs `op` through the connection actor. `parts.file` is required for file and voice ops.
 * Message ops answer a SendResult; a "request" op answers what its request answers.
 */
export async function performOp(
  deps: { whatsapp: WhatsAppPort; media: MediaPort; schedule?: SchedulePort },
  op: SendOp,
  parts: PreparedParts = {},
  meta: OpMeta = { confirmed: false, session: null },
): Promise<unknown> {
  const ask = (m: Parameters<WhatsAppPort["ask"]>[0]) => deps.whatsapp.ask(m).then(asSendResult);
  switch (op.type) {
    case "text":
      return await ask({ type: "sendText", jid: op.jid, text: op.text, quoted: op.quoted, mentions: op.mentions });
    case "file": {
      const f = need(parts.file, op.type);
      return await ask({
        type: "sendMedia",
        jid: op.jid,
        media: { kind: f.kind, bytes: f.bytes, mimetype: f.mimetype, fileName: f.fileName, caption: op.caption },
      });
    }
    case "voice": {
      const f = need(parts.file, op.type);
      const v = parts.voice ?? await deps.media.voiceNote(f.bytes, f.fileName);
      return await ask({
        type: "sendMedia",
        jid: op.jid,
        media: { kind: "audio", bytes: v.bytes, mimetype: "audio/ogg; codecs=opus", ptt: true, seconds: v.seconds, waveform: v.waveform },
      });
    }
    case "react":
      return await ask({ type: "react", target: op.target, emoji: op.emoji });
    case "edit":
      return await ask({ type: "edit", target: op.target, text: op.text });
    case "revoke":
      return await ask({ type: "revoke", target: op.target });
    case "request": {
      const reply = await deps.whatsapp.ask(op.request);
      return op.request.type === "sendContent" || op.request.type === "forward" ? asSendResult(reply) : reply;
    }
    case "schedule": {
      if (!deps.schedule) throw new Error("scheduled sends are not available in this server");
      return await deps.schedule.add(op, parts, meta);
    }
  }
}

function need<T>(x: T | undefined, what: string): T {
  if (!x) throw new Error(`a ${what} send needs its file`);
  return x;
}

/** SHA-256 of bytes as lower-case hex (WebCrypto, so every runtime). */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * An outgoing action as data: what a send tool asks the connection to do, in a form that can be
 * stored (a held send) and performed later, after a restart too. Files are named by path and
 * re-read when performed; the caller checks their hash first.
 */
import type { MessageRef, SendResult } from "../../whatsapp/protocol.ts";
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
  /** Store a send for later (schedule_message): performing it schedules, the scheduler sends at `at`. */
  | { type: "schedule"; jid: string; at: number; text?: string; media?: { path: string; voice: boolean } };

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

/** Performs `op` through the connection actor. `parts.file` is required for file and voice ops. */
export async function performOp(
  deps: { whatsapp: WhatsAppPort; media: MediaPort; schedule?: SchedulePort },
  op: SendOp,
  parts: PreparedParts = {},
  meta: OpMeta = { confirmed: false, session: null },
): Promise<SendResult> {
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

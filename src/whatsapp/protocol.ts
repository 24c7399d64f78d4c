/**
 * Messages the connection actor (registry name "connection") answers. The MCP tools and the
 * HTTP pages talk to WhatsApp only through these (`connectionClient(registry).ask(msg)`, `client.ts`).
 * JIDs here are already resolved to canonical form by the caller's policy layer.
 */
import type { LinkStatus } from "../status/types.ts";

/** A reference to a stored message. */
export interface MessageRef {
  chatJid: string;
  id: string;
  fromMe: boolean;
  /** Sender JID in groups (needed to quote/react to someone else's message). */
  participant?: string | null;
}

/** Media to send: always bytes (never a path or URL, so Baileys cannot be made to read one). */
export interface OutgoingMedia {
  kind: "image" | "video" | "audio" | "document" | "sticker";
  bytes: Uint8Array;
  mimetype: string;
  fileName?: string;
  caption?: string;
  /** Voice note (push-to-talk) with its real duration and 64-value waveform. */
  ptt?: boolean;
  seconds?: number;
  waveform?: Uint8Array;
  /** Optional JPEG preview for images and videos (none is generated otherwise: no native tools). */
  jpegThumbnail?: Uint8Array;
}

/** The result of a send: the id and instant WhatsApp accepted. */
export interface SendResult {
  id: string;
  chatJid: string;
  ts: number;
}

/**
 * The WhatsApp message id to send under, chosen by the caller before sending (the cluster's
 * outbox does, so a new leader can tell whether a send it inherited already went out); Baileys
 * picks one when absent.
 */
export interface ChosenId {
  messageId?: string;
}

/** Request/reply messages of the connection actor. */
export type ConnectionMsg =
  | { type: "status" } // -> LinkStatus
  | ({ type: "sendText"; jid: string; text: string; quoted?: MessageRef; mentions?: string[] } & ChosenId) // -> SendResult
  | ({ type: "sendMedia"; jid: string; media: OutgoingMedia; quoted?: MessageRef } & ChosenId) // -> SendResult
  | ({ type: "react"; target: MessageRef; emoji: string } & ChosenId) // -> SendResult
  | ({ type: "edit"; target: MessageRef; text: string } & ChosenId) // -> SendResult
  | ({ type: "revoke"; target: MessageRef } & ChosenId) // -> SendResult
  | { type: "markRead"; chatJid: string; messages: MessageRef[] } // -> { ok: true }
  | { type: "fetchHistory"; chatJid: string; count: number } // -> { requestId: string } (lands in the store later)
  | { type: "groupMetadata"; jid: string } // -> GroupMetadataReply
  | { type: "downloadMedia"; chatJid: string; id: string } // -> { bytes: Uint8Array; mimetype: string | null }
  | { type: "requestPairingCode"; phone: string } // -> { code: string }
  | { type: "onWhatsApp"; phone: string } // -> { exists: boolean; jid: string | null }
  | { type: "logout" } // -> { ok: true }
  | { type: "relink" } // -> { ok: true } (clears the session and starts a fresh QR / pairing-code login)
  | { type: "reconnect" } // -> { ok: true } (reconnect now with the saved session, e.g. after 440)
  | ActionMsg
  | HistoryProgressMsg; // (tell, from the sync actor) -> { ok: true }

/** What `ask` resolves to, by message type. A message type without an entry fails to compile below. */
export interface ConnectionReplies {
  status: LinkStatus;
  sendText: SendResult;
  sendMedia: SendResult;
  react: SendResult;
  edit: SendResult;
  revoke: SendResult;
  markRead: { ok: true };
  fetchHistory: { requestId: string };
  groupMetadata: GroupMetadataReply;
  downloadMedia: { bytes: Uint8Array; mimetype: string | null };
  requestPairingCode: { code: string };
  onWhatsApp: { exists: boolean; jid: string | null };
  logout: { ok: true };
  relink: { ok: true };
  reconnect: { ok: true };
  groupCreate: GroupMetadataReply;
  groupSubject: { ok: true };
  groupDescription: { ok: true };
  groupParticipants: ParticipantResult[];
  groupInviteCode: { code: string };
  groupInviteInfo: GroupMetadataReply;
  groupJoin: { jid: string };
  groupLeave: { ok: true };
  sendContent: SendResult;
  forward: SendResult;
  chatModify: { ok: true };
  historyProgress: { ok: true };
  groupUpdate: { ok: true };
  block: { ok: true };
  blocklist: { jids: string[] };
  presence: { ok: true };
  presenceGet: PresenceReply;
  profile: ProfileReply;
}

/**
 * A request/reply to the connection actor whose reply type follows the message type: what the
 * typed client (`client.ts`), the cluster's outbox and the tools' `WhatsAppPort` all offer.
 */
export type AskConnection = <M extends ConnectionMsg>(msg: M) => Promise<ConnectionReplies[M["type"]]>;

/** Compile-time check: every `ConnectionMsg` type has a reply, and every reply a message. */
export type ConnectionRepliesComplete = [ConnectionMsg["type"]] extends [keyof ConnectionReplies]
  ? [keyof ConnectionReplies] extends [ConnectionMsg["type"]] ? true : never
  : never;
const _repliesComplete: ConnectionRepliesComplete = true;
void _repliesComplete;

/** The four things group_participants can do. */
export type ParticipantAction = "add" | "remove" | "promote" | "demote";

/** Message content beyond text and media (always built by us, never a URL or path). */
export type OutgoingContent =
  | { kind: "location"; latitude: number; longitude: number; name?: string; address?: string }
  | { kind: "contact"; displayName: string; vcard: string }
  | { kind: "poll"; question: string; options: string[]; selectableCount: number };

/** Requests of the action tools (groups, content, forwards), answered by actions.ts. */
export type ActionMsg =
  | { type: "groupCreate"; subject: string; participants: string[] } // -> GroupMetadataReply
  | { type: "groupSubject"; jid: string; subject: string } // -> { ok: true }
  | { type: "groupDescription"; jid: string; description: string | null } // -> { ok: true }
  | { type: "groupParticipants"; jid: string; action: ParticipantAction; participants: string[] } // -> ParticipantResult[]
  | { type: "groupInviteCode"; jid: string; revoke: boolean } // -> { code: string }
  | { type: "groupInviteInfo"; code: string } // -> GroupMetadataReply
  | { type: "groupJoin"; code: string } // -> { jid: string }
  | { type: "groupLeave"; jid: string } // -> { ok: true }
  | ({ type: "sendContent"; jid: string; content: OutgoingContent } & ChosenId) // -> SendResult
  | ({ type: "forward"; source: MessageRef; to: string } & ChosenId) // -> SendResult
  | { type: "chatModify"; jid: string; change: ChatStateChange } // -> { ok: true }
  /** Name and description in one request (either may be absent; a null description removes it). */
  | { type: "groupUpdate"; jid: string; subject?: string; description?: string | null } // -> { ok: true }
  | { type: "block"; jid: string; action: "block" | "unblock" } // -> { ok: true }
  | { type: "blocklist" } // -> { jids: string[] }
  /** A chat state to one chat (`jid`), or the account's availability (`jid` null). */
  | { type: "presence"; jid: string | null; state: PresenceState } // -> { ok: true }
  /** Subscribes to a person's presence and waits up to `waitMs` for WhatsApp's answer. */
  | { type: "presenceGet"; jid: string; waitMs: number } // -> PresenceReply
  /** About text, business profile and a small profile picture of a person or group. */
  | { type: "profile"; jid: string }; // -> ProfileReply

/** What send_presence can say. */
export type PresenceState = "composing" | "recording" | "paused" | "available" | "unavailable";

/** A presence as WhatsApp told it, or `known: false` when it did not answer (hidden, or no reply in time). */
export interface PresenceReply {
  known: boolean;
  /** "available", "unavailable", "composing", "recording" (Baileys' lastKnownPresence). */
  presence: string | null;
  /** Last seen, ms since the epoch, when the person shares it. */
  lastSeen: number | null;
  /** When this was heard (ms). */
  at: number | null;
}

/** A profile as WhatsApp gives it; every part may be missing (privacy settings, not a business). */
export interface ProfileReply {
  jid: string;
  about: string | null;
  aboutSetAt: number | null;
  business: { description: string | null; category: string | null; email: string | null; website: string[]; address: string | null } | null;
  /** The preview picture (small JPEG), fetched from WhatsApp's picture host. */
  picture: { bytes: Uint8Array; mimetype: string } | null;
  /** Why there is no picture when WhatsApp named one but it could not be fetched. */
  pictureProblem: string | null;
}

/** A change of the account's own view of a chat (an app-state patch the phone and other devices follow). */
export type ChatStateChange =
  | { kind: "archive"; value: boolean }
  | { kind: "pin"; value: boolean }
  /** `until`: ms since the epoch, -1 for ever; null unmutes. */
  | { kind: "mute"; until: number | null }
  | { kind: "unread"; value: boolean };

/** The request types of `ActionMsg`. */
export const ACTION_TYPES: ReadonlySet<string> = new Set([
  "groupCreate",
  "groupSubject",
  "groupDescription",
  "groupParticipants",
  "groupInviteCode",
  "groupInviteInfo",
  "groupJoin",
  "groupLeave",
  "sendContent",
  "forward",
  "chatModify",
  "groupUpdate",
  "block",
  "blocklist",
  "presence",
  "presenceGet",
  "profile",
]);

/** One participant's outcome: "200" done, else WhatsApp's code (403 not allowed, 404 not found, 408 left recently, 409 already in). */
export interface ParticipantResult {
  jid: string;
  status: string;
}

/**
 * Sent by the sync actor (tell) after it committed a history chunk, so the link status shows
 * history progress; `complete` marks Baileys' `messaging-history.status` completion.
 */
export interface HistoryProgressMsg {
  type: "historyProgress";
  syncType: string;
  progress: number | null;
  messages: number;
  chats: number;
  complete?: boolean;
}

/** Group metadata as get_group_info needs it. */
export interface GroupMetadataReply {
  jid: string;
  subject: string | null;
  description: string | null;
  owner: string | null;
  createdAt: number | null;
  participants: Array<{ id: string; phoneJid: string | null; admin: "admin" | "superadmin" | null }>;
}

/** Status snapshot type re-exported for callers of `{ type: "status" }`. */
export type { LinkStatus };

/**
 * What a message says, from a Baileys `proto.IMessage`: its type, its searchable text, its media
 * fields, and whether it is really an edit, a revoke or a reaction (which change other rows
 * instead of being rows). Wrappers (ephemeral, view-once, document-with-caption, edited) are
 * unwrapped with Baileys' own `normalizeMessageContent` / `extractMessageContent`.
 */
import { extractMessageContent, getContentType, normalizeMessageContent, proto, toNumber } from "@whiskeysockets/baileys";
import type { MediaInfo, MessageType } from "../../store/types.ts";

/** A key as a protocol or reaction message names its target. */
export interface TargetKey {
  remoteJid: string | null;
  fromMe: boolean;
  id: string;
  participant: string | null;
}

/** The classified content of one message. */
export type ContentInfo =
  | {
    kind: "row";
    type: MessageType;
    text: string | null;
    quotedId: string | null;
    viewOnce: boolean;
    media: MediaInfo | null;
  }
  | { kind: "edit"; target: TargetKey; text: string | null; editedAtMs: number | null }
  | { kind: "revoke"; target: TargetKey }
  | { kind: "reaction"; target: TargetKey; emoji: string; tsMs: number | null }
  /** An encrypted poll vote on `target` (decrypted by the sync actor before mapping, see sync_core.ts). */
  | { kind: "pollVote"; target: TargetKey; tsMs: number | null }
  /** Nothing to store: protocol plumbing (history notifications, key shares), poll votes, empty. */
  | { kind: "skip"; reason: string };

type AnyMedia = {
  mimetype?: string | null;
  fileName?: string | null;
  fileLength?: unknown;
  seconds?: number | null;
  directPath?: string | null;
  url?: string | null;
  mediaKey?: Uint8Array | null;
  fileSha256?: Uint8Array | null;
  fileEncSha256?: Uint8Array | null;
  mediaKeyTimestamp?: unknown;
  caption?: string | null;
  viewOnce?: boolean | null;
  ptt?: boolean | null;
  contextInfo?: proto.IContextInfo | null;
};

const POLL_KEYS = [
  "pollCreationMessage",
  "pollCreationMessageV2",
  "pollCreationMessageV3",
  "pollCreationMessageV4",
  "pollCreationMessageV5",
] as const;

/** Classifies a message's content. `message` is `WAMessage.message` (may be null for stubs). */
export function classifyContent(message: proto.IMessage | null | undefined): ContentInfo {
  if (!message) return { kind: "skip", reason: "no content" };
  const viewOnceWrapper = hasViewOnceWrapper(message);
  const normalized = normalizeMessageContent(message);
  const protocol = normalized?.protocolMessage;
  if (protocol) return classifyProtocol(protocol);
  if (normalized?.reactionMessage) return classifyReaction(normalized.reactionMessage);
  const vote = normalized?.pollUpdateMessage;
  if (vote) {
    const target = targetOf(vote.pollCreationMessageKey);
    if (!target) return { kind: "skip", reason: "poll vote without key" };
    return { kind: "pollVote", target, tsMs: vote.senderTimestampMs != null ? toNumber(vote.senderTimestampMs as number) : null };
  }
  if (normalized?.encReactionMessage || normalized?.encEventResponseMessage) {
    return { kind: "skip", reason: "encrypted update" };
  }
  const content = extractMessageContent(normalized);
  const key = getContentType(content ?? undefined);
  if (!content || !key) return { kind: "skip", reason: "no content" };
  const inner = (content as Record<string, unknown>)[key];
  const row = classifyRow(key, inner, content);
  if (!row) return { kind: "skip", reason: `ignored ${key}` };
  const media = row.media;
  const innerObj = (inner && typeof inner === "object" ? inner : {}) as AnyMedia;
  return {
    kind: "row",
    type: row.type,
    text: emptyToNull(row.text),
    quotedId: innerObj.contextInfo?.stanzaId ?? null,
    viewOnce: viewOnceWrapper || innerObj.viewOnce === true,
    media,
  };
}

/** The text a (possibly edited) content carries: body, caption, or null. For edits. */
export function textOf(message: proto.IMessage | null | undefined): string | null {
  const info = classifyContent(message);
  return info.kind === "row" ? info.text : null;
}

function classifyRow(
  key: string,
  inner: unknown,
  content: proto.IMessage,
): { type: MessageType; text: string | null; media: MediaInfo | null } | null {
  const m = (inner && typeof inner === "object" ? inner : {}) as AnyMedia & Record<string, unknown>;
  switch (key) {
    case "conversation":
      return { type: "text", text: typeof inner === "string" ? inner : null, media: null };
    case "extendedTextMessage":
      return { type: "text", text: (m.text as string | undefined) ?? null, media: null };
    case "imageMessage":
      return { type: "image", text: m.caption ?? null, media: mediaOf(m) };
    case "videoMessage":
    case "ptvMessage":
      return { type: "video", text: m.caption ?? null, media: mediaOf(m) };
    case "audioMessage":
      return { type: m.ptt ? "voice" : "audio", text: null, media: mediaOf(m) };
    case "documentMessage":
      return { type: "document", text: joinLines([m.caption, m.fileName as string | null]), media: mediaOf(m) };
    case "stickerMessage":
      return { type: "sticker", text: null, media: mediaOf(m) };
    case "locationMessage":
    case "liveLocationMessage":
      return { type: "location", text: locationText(m), media: null };
    case "contactMessage":
      return { type: "contact", text: contactText(m), media: null };
    case "contactsArrayMessage": {
      const list = (m.contacts as Array<Record<string, unknown>> | undefined) ?? [];
      return {
        type: "contact",
        text: joinLines([m.displayName as string | null, ...list.map((c) => contactText(c))]),
        media: null,
      };
    }
    case "eventMessage":
      return { type: "other", text: joinLines([m.name as string | null, m.description as string | null]), media: null };
    case "groupInviteMessage":
      return { type: "other", text: joinLines([m.groupName as string | null, m.caption]), media: null };
    case "keepInChatMessage":
    case "pinInChatMessage":
    case "senderKeyDistributionMessage":
    case "messageContextInfo":
    case "placeholderMessage":
      return null;
  }
  for (const pk of POLL_KEYS) {
    if (key === pk) {
      const poll = content[pk] as proto.Message.IPollCreationMessage | null | undefined;
      const options = (poll?.options ?? []).map((o) => o.optionName).filter((s): s is string => !!s);
      return { type: "poll", text: joinLines([poll?.name, ...options.map((o) => `- ${o}`)]), media: null };
    }
  }
  return { type: "other", text: (m.text as string | undefined) ?? m.caption ?? null, media: null };
}

function classifyProtocol(p: proto.Message.IProtocolMessage): ContentInfo {
  const target = targetOf(p.key);
  if (p.type === proto.Message.ProtocolMessage.Type.REVOKE) {
    return target ? { kind: "revoke", target } : { kind: "skip", reason: "revoke without key" };
  }
  if (p.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) {
    if (!target) return { kind: "skip", reason: "edit without key" };
    return {
      kind: "edit",
      target,
      text: textOf(p.editedMessage),
      editedAtMs: p.timestampMs != null ? toNumber(p.timestampMs as number) : null,
    };
  }
  return { kind: "skip", reason: `protocol message ${p.type ?? "?"}` };
}

function classifyReaction(r: proto.Message.IReactionMessage): ContentInfo {
  const target = targetOf(r.key);
  if (!target) return { kind: "skip", reason: "reaction without key" };
  return {
    kind: "reaction",
    target,
    emoji: r.text ?? "",
    tsMs: r.senderTimestampMs != null ? toNumber(r.senderTimestampMs as number) : null,
  };
}

function targetOf(key: proto.IMessageKey | null | undefined): TargetKey | null {
  if (!key?.id) return null;
  return { remoteJid: key.remoteJid ?? null, fromMe: !!key.fromMe, id: key.id, participant: key.participant ?? null };
}

function hasViewOnceWrapper(message: proto.IMessage): boolean {
  // View-once content can sit inside an ephemeral wrapper, so look a few levels down.
  let m: proto.IMessage | null | undefined = message;
  for (let i = 0; i < 5 && m; i++) {
    if (m.viewOnceMessage || m.viewOnceMessageV2 || m.viewOnceMessageV2Extension) return true;
    m = m.ephemeralMessage?.message ?? m.documentWithCaptionMessage?.message ?? null;
  }
  return false;
}

function mediaOf(m: AnyMedia): MediaInfo {
  return {
    mimetype: m.mimetype ?? null,
    fileName: m.fileName ?? null,
    fileLength: m.fileLength != null ? toNumber(m.fileLength as number) : null,
    durationSec: m.seconds ?? null,
    directPath: m.directPath ?? null,
    url: m.url ?? null,
    mediaKey: bytes(m.mediaKey),
    fileSha256: bytes(m.fileSha256),
    fileEncSha256: bytes(m.fileEncSha256),
    // WhatsApp sends seconds; the store keeps instants in milliseconds.
    mediaKeyTimestamp: m.mediaKeyTimestamp != null ? toNumber(m.mediaKeyTimestamp as number) * 1000 : null,
  };
}

function bytes(b: Uint8Array | null | undefined): Uint8Array | null {
  if (!b || b.length === 0) return null;
  // A copy detached from Baileys' (possibly pooled) buffer.
  return new Uint8Array(b);
}

function locationText(m: Record<string, unknown>): string | null {
  const lat = m.degreesLatitude as number | null | undefined;
  const lng = m.degreesLongitude as number | null | undefined;
  const coords = lat != null && lng != null ? `${lat},${lng}` : null;
  return joinLines([m.name as string | null, m.address as string | null, m.caption as string | null, coords]);
}

function contactText(m: Record<string, unknown>): string | null {
  const vcard = typeof m.vcard === "string" ? m.vcard : "";
  const phones = [...vcard.matchAll(/^TEL[^:\r\n]*:([^\r\n]+)$/gim)].map((x) => x[1].trim());
  return joinLines([m.displayName as string | null, ...phones]);
}

function joinLines(parts: Array<string | null | undefined>): string | null {
  const kept = parts.filter((p): p is string => typeof p === "string" && p.length > 0);
  return kept.length ? kept.join("\n") : null;
}

function emptyToNull(s: string | null): string | null {
  return s === null || s.length === 0 ? null : s;
}

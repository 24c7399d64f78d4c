/**
 * A real encoded `WebMessageInfo` for a generated message row (the store bench's `raw`): the same
 * chat, id, sender, time, text, quote and media fields as the row, plus what WhatsApp sends beside
 * them that no column holds (push name, delivery status, message secret and device list
 * metadata, an image's thumbnail). The extras are the caller's (drawn from its seeded PRNG).
 */
import { proto } from "@whiskeysockets/baileys";
import type { MessageRow } from "../store/types.ts";

/** What a message carries beside its columns. */
export interface ProtoExtras {
  /** The sender's push name (incoming messages). */
  pushName?: string | null;
  /** Live deliveries carry a message secret and the sender's device list hash. */
  secret?: Uint8Array | null;
  deviceHash?: Uint8Array | null;
  /** An image's JPEG thumbnail. */
  thumbnail?: Uint8Array | null;
}

/** The encoded proto of `m` (a row as the mapping builds it: ts and media key time in milliseconds). */
export function messageProtoOf(m: MessageRow, x: ProtoExtras = {}): Uint8Array {
  const group = m.chatJid.endsWith("@g.us");
  const key: proto.IMessageKey = { remoteJid: m.chatJid, fromMe: m.fromMe, id: m.id };
  if (group && !m.fromMe && m.senderId) key.participant = m.senderId;
  const message: proto.IMessage = contentOf(m, x);
  if (x.secret) {
    message.messageContextInfo = {
      deviceListMetadata: x.deviceHash ? { senderKeyHash: x.deviceHash, senderTimestamp: Math.floor(m.ts / 1000) - 86_400 } : undefined,
      deviceListMetadataVersion: 2,
      messageSecret: x.secret,
    };
  }
  const info: proto.IWebMessageInfo = { key, message, messageTimestamp: Math.floor(m.ts / 1000) };
  if (m.status !== null) info.status = m.status;
  if (!m.fromMe && x.pushName) info.pushName = x.pushName;
  const bytes = proto.WebMessageInfo.encode(info).finish();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice(); // a plain Uint8Array (Node's is a Buffer)
}

function contentOf(m: MessageRow, x: ProtoExtras): proto.IMessage {
  const md = m.media;
  const context = m.quotedId ? { contextInfo: { stanzaId: m.quotedId, participant: m.senderId } } : {};
  const file = md
    ? {
      url: md.url,
      mimetype: md.mimetype,
      fileSha256: md.fileSha256,
      fileLength: md.fileLength,
      mediaKey: md.mediaKey,
      fileEncSha256: md.fileEncSha256,
      directPath: md.directPath,
      mediaKeyTimestamp: md.mediaKeyTimestamp === null ? null : Math.floor(md.mediaKeyTimestamp / 1000),
      ...context,
    }
    : {};
  switch (m.type) {
    case "image":
      return { imageMessage: { ...file, caption: m.text, height: 1600, width: 1200, jpegThumbnail: x.thumbnail } };
    case "video":
      return { videoMessage: { ...file, caption: m.text, seconds: md?.durationSec, jpegThumbnail: x.thumbnail } };
    case "document":
      return { documentMessage: { ...file, fileName: md?.fileName, title: md?.fileName } };
    case "voice":
    case "audio":
      return { audioMessage: { ...file, seconds: md?.durationSec, ptt: m.type === "voice" } };
    case "sticker":
      return { stickerMessage: { ...file, height: 512, width: 512 } };
    default:
      return m.quotedId ? { extendedTextMessage: { text: m.text, ...context } } : { conversation: m.text };
  }
}

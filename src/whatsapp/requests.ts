/**
 * The work behind each ConnectionMsg request, on an open Baileys socket and the store.
 * Messages we refer to (quoted, reacted to, edited, downloaded) are rebuilt from the raw proto
 * bytes the sync actor stored, so their keys are exactly what WhatsApp knows them by.
 */
import { downloadMediaMessage, proto, toNumber } from "@whiskeysockets/baileys";
import type { AnyMessageContent, GroupMetadata, MiscMessageGenerationOptions, WAMessage, WAMessageKey, WASocket } from "@whiskeysockets/baileys";
import type { MirrorQueries, MirrorWriter } from "../store/ports.ts";
import type { MessageRow, MessageView } from "../store/types.ts";
import { WhatsAppRequestError } from "./errors.ts";
import type { GroupCache } from "./group_cache.ts";
import type { PresenceCache } from "./presence_cache.ts";
import { classifyContent } from "./mapping/content.ts";
import { isLidJid, isPnJid, jidOf } from "../ids/jid.ts";
import { phoneDigits } from "../ids/phone.ts";
import { rawBytes } from "./mapping/messages.ts";
import type { BaileysLogger } from "./baileys_logger.ts";
import { describeDownloadFailure, mediaFetchUrl, mediaUrlProblem } from "./media_source.ts";
import type { GroupMetadataReply, MessageRef, OutgoingMedia, SendResult } from "./protocol.ts";

/** What the WhatsApp side uses of the mirror: commits, and the message reads that sends and downloads need. */
export type WhatsAppMirror = MirrorWriter & Pick<MirrorQueries, "getMessage" | "getRawMessage" | "listMessages" | "getPolls">;

/** What the request handlers need. `sock` is null when no socket is open (only downloads work then). */
export interface RequestDeps {
  sock: WASocket | null;
  repo: WhatsAppMirror;
  groups: GroupCache;
  /** Presence heard so far (absent in tests that do not need it). */
  presence?: PresenceCache;
  logger: BaileysLogger;
  /** Passed to media downloads (`RequestInit`, e.g. a test dispatcher). */
  fetchOptions?: RequestInit;
  /** Origins media may be fetched from besides WhatsApp's media hosts (a simulator; see media_source.ts). */
  mediaOrigins?: readonly string[];
  /** The message id the caller chose for this send (see protocol.ts `ChosenId`). */
  messageId?: string;
}

/** HTTP statuses of an expired media URL, after which the phone is asked to re-upload (media retry). */
export const MEDIA_RETRY_STATUSES = [403, 404, 410];

/** Most messages one on-demand history request may ask for (WhatsApp answers at most 50). */
export const MAX_HISTORY_FETCH = 50;

/** Sends a text, optionally quoting a stored message and mentioning people. No link preview is fetched. */
export async function sendText(
  d: RequestDeps,
  m: { jid: string; text: string; quoted?: MessageRef; mentions?: string[]; messageId?: string },
): Promise<SendResult> {
  if (!m.text) throw new WhatsAppRequestError("Cannot send an empty text");
  const content: AnyMessageContent = { text: m.text, linkPreview: null, mentions: m.mentions?.length ? m.mentions : undefined };
  return send(d, m.jid, content, withId(await quoteOptions(d, m.quoted), m.messageId));
}

/** Sends media from bytes (never a path or URL). Voice notes carry their duration and waveform. */
export async function sendMedia(
  d: RequestDeps,
  m: { jid: string; media: OutgoingMedia; quoted?: MessageRef; messageId?: string },
): Promise<SendResult> {
  return send(d, m.jid, mediaContent(m.media), withId(await quoteOptions(d, m.quoted), m.messageId));
}

/** Send options with a chosen message id (a scheduled send's), if any. */
function withId(options: MiscMessageGenerationOptions | undefined, messageId: string | undefined): MiscMessageGenerationOptions | undefined {
  return messageId ? { ...options, messageId } : options;
}

/** The Baileys content for outgoing media. Exported for tests. */
export function mediaContent(media: OutgoingMedia): AnyMessageContent {
  if (!media.bytes?.length) throw new WhatsAppRequestError("Cannot send empty media");
  const bytes = toBuffer(media.bytes);
  // An explicit (possibly empty) thumbnail stops Baileys from looking for sharp/jimp/ffmpeg.
  const thumb = media.jpegThumbnail?.length ? toBuffer(media.jpegThumbnail).toString("base64") : "";
  switch (media.kind) {
    case "image":
      return { image: bytes, mimetype: media.mimetype, caption: media.caption, jpegThumbnail: thumb };
    case "video":
      return { video: bytes, mimetype: media.mimetype, caption: media.caption, jpegThumbnail: thumb };
    case "audio": {
      const audio: Record<string, unknown> = { audio: bytes, mimetype: media.mimetype, ptt: !!media.ptt };
      if (media.seconds !== undefined) audio.seconds = Math.round(media.seconds);
      // Not in Baileys' content type, but used when present (else Baileys tries a native decoder).
      if (media.waveform?.length) audio.waveform = toBuffer(media.waveform);
      return audio as AnyMessageContent;
    }
    case "document":
      return { document: bytes, mimetype: media.mimetype, fileName: media.fileName ?? "file", caption: media.caption };
    case "sticker":
      return { sticker: bytes, mimetype: media.mimetype };
  }
}

/** Reacts to a stored message (an empty emoji removes our reaction). */
export async function react(d: RequestDeps, m: { target: MessageRef; emoji: string }): Promise<SendResult> {
  const key = await keyFor(d.repo, m.target);
  return send(d, m.target.chatJid, { react: { text: m.emoji, key } });
}

/** Edits one of our own messages. */
export async function edit(d: RequestDeps, m: { target: MessageRef; text: string }): Promise<SendResult> {
  if (!m.target.fromMe) throw new WhatsAppRequestError("Only your own messages can be edited");
  if (!m.text) throw new WhatsAppRequestError("Cannot edit a message to an empty text");
  const key = await keyFor(d.repo, m.target);
  return send(d, m.target.chatJid, { text: m.text, edit: key, linkPreview: null });
}

/** Deletes a message for everyone (ours, or anyone's in a group we administer). */
export async function revoke(d: RequestDeps, m: { target: MessageRef }): Promise<SendResult> {
  const key = await keyFor(d.repo, m.target);
  return send(d, m.target.chatJid, { delete: key });
}

/** Sends read receipts. */
export async function markRead(d: RequestDeps, m: { chatJid: string; messages: MessageRef[] }): Promise<{ ok: true }> {
  const sock = need(d);
  if (!m.messages.length) return { ok: true };
  const keys: WAMessageKey[] = [];
  for (const ref of m.messages) keys.push(await keyFor(d.repo, { ...ref, chatJid: ref.chatJid || m.chatJid }));
  await sock.readMessages(keys);
  return { ok: true };
}

/**
 * Asks the phone for `count` messages older than the oldest stored one of the chat. The answer
 * arrives later as an ON_DEMAND `messaging-history.set`, which the sync actor stores.
 */
export async function fetchHistory(d: RequestDeps, m: { chatJid: string; count: number }): Promise<{ requestId: string }> {
  const sock = need(d);
  const count = Math.max(1, Math.min(MAX_HISTORY_FETCH, Math.floor(m.count) || MAX_HISTORY_FETCH));
  const oldest = await oldestMessage(d.repo, m.chatJid);
  if (!oldest) {
    throw new WhatsAppRequestError("No stored message in this chat to start from: older history can be fetched only for chats with messages");
  }
  const stored = await loadMessage(d.repo, oldest.chatJid, oldest.id);
  const key: WAMessageKey = stored?.key ?? refKey({ chatJid: oldest.chatJid, id: oldest.id, fromMe: oldest.fromMe, participant: oldest.senderId });
  const requestId = await sock.fetchMessageHistory(count, key, oldest.ts);
  return { requestId };
}

/** Group details, fetched from WhatsApp (and cached for sends). */
export async function groupMetadata(d: RequestDeps, m: { jid: string }): Promise<GroupMetadataReply> {
  const sock = need(d);
  const meta = await sock.groupMetadata(m.jid);
  d.groups.set(meta);
  // Into the mirror too (as Baileys' own groupFetchAllParticipating does): who is an admin decides
  // whether a member's "delete for everyone" of someone else's message is honoured.
  sock.ev.emit("groups.upsert", [meta]);
  return groupReply(meta);
}

/** Maps Baileys' group metadata to the reply (participants by phone-number JID when known). Exported for tests. */
export function groupReply(meta: GroupMetadata): GroupMetadataReply {
  return {
    jid: meta.id,
    subject: meta.subject ?? null,
    description: meta.desc ?? null,
    owner: jidOf(meta.ownerPn ?? meta.owner),
    createdAt: meta.creation ? meta.creation * 1000 : null,
    participants: (meta.participants ?? []).map((p) => {
      const id = jidOf(p.id);
      const phone = isPnJid(id) ? id : jidOf(p.phoneNumber);
      return {
        id: (isLidJid(id) && phone) ? phone : (id ?? p.id),
        phoneJid: isPnJid(phone) ? phone : null,
        admin: p.admin === "superadmin" || p.admin === "admin" ? p.admin : null,
      };
    }),
  };
}

/**
 * Downloads and decrypts a stored message's media. An expired URL (403/404/410) asks the phone
 * to re-upload (media retry) and tries once more; the refreshed location is written back.
 */
export async function downloadMedia(d: RequestDeps, m: { chatJid: string; id: string }): Promise<{ bytes: Uint8Array; mimetype: string | null }> {
  const msg = await loadMessage(d.repo, m.chatJid, m.id);
  if (!msg) throw new WhatsAppRequestError("This message is not in the store (or was stored without its raw data)");
  const info = classifyContent(msg.message);
  if (info.kind !== "row" || !info.media) throw new WhatsAppRequestError("This message has no media to download");
  if (!info.media.mediaKey) throw new WhatsAppRequestError("This message's media has no key (WhatsApp did not send one)");
  const options = { options: d.fetchOptions } as Parameters<typeof downloadMediaMessage>[2];
  let bytes: Uint8Array;
  try {
    checkMediaSource(d, msg);
    bytes = await downloadMediaMessage(msg, "buffer", options);
  } catch (err) {
    const status = httpStatus(err);
    if (err instanceof WhatsAppRequestError) throw err;
    if (status === null || !MEDIA_RETRY_STATUSES.includes(status)) throw downloadError(err, status);
    if (!d.sock) {
      throw new WhatsAppRequestError(`The media link expired (${status}) and re-uploading needs an open WhatsApp connection`);
    }
    d.logger.info({ statusCode: status }, "media expired, asking the phone to re-upload");
    try {
      await d.sock.updateMediaMessage(msg);
      checkMediaSource(d, msg); // the re-uploaded location is checked like the first
      bytes = await downloadMediaMessage(msg, "buffer", options);
    } catch (retryErr) {
      if (retryErr instanceof WhatsAppRequestError) throw retryErr;
      throw downloadError(retryErr, httpStatus(retryErr));
    }
    await storeRefreshedMedia(d.repo, m.chatJid, m.id, msg);
  }
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), mimetype: info.media.mimetype };
}

/** Checks a number on WhatsApp. */
export async function onWhatsApp(d: RequestDeps, m: { phone: string }): Promise<{ exists: boolean; jid: string | null }> {
  const sock = need(d);
  const phone = needPhoneDigits(m.phone);
  const [hit] = (await sock.onWhatsApp(phone)) ?? [];
  return { exists: !!hit?.exists, jid: hit?.exists ? jidOf(hit.jid) : null };
}

/** Digits of an international phone number (the one rule of `ids/phone.ts`), or a request error. */
export function needPhoneDigits(phone: string): string {
  const digits = phoneDigits(phone);
  if (!digits) {
    throw new WhatsAppRequestError("Expected a phone number in international format: country code and number, 7 to 15 digits");
  }
  return digits;
}

/** The oldest stored message of a chat (one index lookup: the list in oldest-first order). */
export async function oldestMessage(repo: WhatsAppMirror, chatJid: string): Promise<MessageView | null> {
  return (await repo.listMessages({ chatJid, limit: 1, order: "oldest" })).items[0] ?? null;
}

/** A stored message rebuilt from its raw bytes, or null. */
export async function loadMessage(repo: WhatsAppMirror, chatJid: string, id: string): Promise<WAMessage | null> {
  const raw = await repo.getRawMessage(chatJid, id);
  if (!raw) return null;
  return proto.WebMessageInfo.decode(raw) as WAMessage;
}

/** Sends any content on the open socket and reports the id and instant WhatsApp accepted. */
export async function send(
  d: RequestDeps,
  jid: string,
  content: AnyMessageContent,
  options?: MiscMessageGenerationOptions,
): Promise<SendResult> {
  const sock = need(d);
  const sent = await sock.sendMessage(jid, content, d.messageId ? { ...options, messageId: d.messageId } : options);
  if (!sent?.key?.id) throw new WhatsAppRequestError("WhatsApp did not accept the message (no id returned)");
  const ts = toNumber(sent.messageTimestamp as number);
  return { id: sent.key.id, chatJid: jidOf(jid) ?? jid, ts: ts > 0 ? ts * 1000 : Date.now() };
}

async function quoteOptions(d: RequestDeps, quoted: MessageRef | undefined): Promise<MiscMessageGenerationOptions | undefined> {
  if (!quoted) return undefined;
  const msg = await loadMessage(d.repo, quoted.chatJid, quoted.id);
  if (!msg) throw new WhatsAppRequestError("The quoted message is not in the store");
  return { quoted: msg };
}

async function keyFor(repo: WhatsAppMirror, ref: MessageRef): Promise<WAMessageKey> {
  const stored = await loadMessage(repo, ref.chatJid, ref.id);
  return stored?.key ?? refKey(ref);
}

function refKey(ref: MessageRef): WAMessageKey {
  return { remoteJid: ref.chatJid, id: ref.id, fromMe: ref.fromMe, participant: ref.participant ?? undefined };
}

/** The open socket, or a request error. */
export function need(d: RequestDeps): WASocket {
  if (!d.sock) throw new WhatsAppRequestError("WhatsApp is not connected");
  return d.sock;
}

async function storeRefreshedMedia(repo: WhatsAppMirror, chatJid: string, id: string, msg: WAMessage): Promise<void> {
  const view = await repo.getMessage(chatJid, id);
  const info = classifyContent(msg.message);
  if (!view || info.kind !== "row") return;
  const { senderName: _n, senderPhone: _p, chatName: _c, reactions: _r, rank: _k, ...rest } = view;
  const row: MessageRow = { ...rest, media: info.media, raw: rawBytes(msg) };
  await repo.commit([{ op: "upsertMessage", message: row }]);
}

function httpStatus(err: unknown): number | null {
  const e = err as { output?: { statusCode?: unknown }; status?: unknown } | null;
  const s = e?.output?.statusCode ?? e?.status;
  return typeof s === "number" ? s : null;
}

function downloadError(err: unknown, status: number | null): WhatsAppRequestError {
  // Baileys' message would carry the media URL (with its access token): say what happened without it.
  return new WhatsAppRequestError(`Cannot download this media: ${describeDownloadFailure(err, status)}`);
}

/** Refuses, before any connection, media whose location is not a WhatsApp media host (media_source.ts). */
function checkMediaSource(d: RequestDeps, msg: WAMessage): void {
  const problem = mediaUrlProblem(mediaFetchUrl(msg), d.mediaOrigins ?? []);
  if (problem) {
    throw new WhatsAppRequestError(`Not downloading this media: ${problem}. Media is fetched only from WhatsApp's media servers over HTTPS.`);
  }
}

/** Baileys wants Node Buffers for media (a plain Uint8Array is not recognised as data). */
function toBuffer(u8: Uint8Array): Buffer {
  return globalThis.Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

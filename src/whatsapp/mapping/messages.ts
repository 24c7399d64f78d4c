/**
 * One Baileys message (`WAMessage`, live or from a history sync) to the writes it implies:
 * the message row, its sender, the LID links its key reveals, and for protocol messages the
 * edit / revoke / reaction they carry instead of a row.
 */
import { proto, toNumber } from "@whiskeysockets/baileys";
import type { WAMessage, WAMessageKey } from "@whiskeysockets/baileys";
import type { MessageRow, ReceiptRow, WriteOp } from "../../store/types.ts";
import { classifyContent, type TargetKey } from "./content.ts";
import { canonicalChat, canonicalPerson, lidPnPair, type MapContext, personIdentity } from "../../ids/canonical.ts";
import { chatKindOf, isPersonJid, jidOf } from "../../ids/jid.ts";
import { describeStub } from "./stubs.ts";

/** Thrown for an event we cannot map (no key, no chat); the caller counts it and goes on. */
export class MappingError extends Error {
  override name = "MappingError";
}

/** How the message arrived: live (`notify`), appended (our own sends, catch-up) or from history. */
export type MessageSource = "notify" | "append" | "history";

/**
 * Maps one message. `source` decides whether the chat's last-activity instant moves
 * (only live messages are known to be the newest).
 */
export function mapMessage(msg: WAMessage, ctx: MapContext, source: MessageSource): WriteOp[] {
  const key = msg.key;
  if (!key?.id || !key.remoteJid) throw new MappingError("message without key id or remoteJid");
  const chatJid = canonicalChat(key.remoteJid, key.remoteJidAlt, ctx);
  if (!chatJid) throw new MappingError(`message in an unsupported chat (${serverOf(key.remoteJid)})`);
  const ops: WriteOp[] = [...keyLinks(key)];
  const ts = seconds(msg.messageTimestamp) * 1000;
  const fromMe = !!key.fromMe;
  const senderId = senderOf(key, msg, chatJid, ctx);

  const content = classifyContent(msg.message);
  // Real-time and offline-queue deliveries (Baileys' "notify" and "append") enter the live feed; history does not.
  const live = source !== "history" ? { live: true as const } : {};
  switch (content.kind) {
    case "edit":
      ops.push({
        op: "editMessage",
        // Edits and revokes always concern the chat they arrive in; their key is in the sender's
        // perspective (in a 1:1 chat its remoteJid is us), exactly as Baileys treats it.
        chatJid,
        id: content.target.id,
        text: content.text ?? "",
        editedAt: content.editedAtMs ?? ts,
        // The store applies it only if this author sent the message (change_rules.ts): a group
        // member's MESSAGE_EDIT of the owner's message must not rewrite it.
        by: { fromMe, id: senderId },
        ...live,
      });
      return ops;
    case "revoke":
      ops.push({ op: "revokeMessage", chatJid, id: content.target.id, by: { fromMe, id: senderId }, ...live });
      return ops;
    case "reaction":
      if (senderId) {
        ops.push({
          op: "upsertReaction",
          reaction: {
            chatJid: targetChat(content.target, key, chatJid, ctx),
            messageId: content.target.id,
            reactorId: senderId,
            emoji: content.emoji,
            ts: content.tsMs ?? ts,
          },
          ...live,
        });
      }
      return ops;
    case "skip": {
      const stub = msg.messageStubType;
      if (stub === proto.WebMessageInfo.StubType.REVOKE) {
        // The revoked message itself (history sync from our phone), under its own key: its sender.
        ops.push({ op: "revokeMessage", chatJid, id: key.id, by: { fromMe, id: senderId }, ...live });
        return ops;
      }
      // Decryption failures (CIPHERTEXT) are re-sent by the phone under the same id: wait for that.
      if (!stub || stub === proto.WebMessageInfo.StubType.CIPHERTEXT) return ops;
      ops.push(...chatAndSender(chatJid, key, msg, ctx, source, ts));
      ops.push({ op: "upsertMessage", message: systemRow(msg, chatJid, senderId, fromMe, ts, stub), ...live });
      return ops;
    }
    case "row": {
      ops.push(...chatAndSender(chatJid, key, msg, ctx, source, ts));
      const row: MessageRow = {
        chatJid,
        id: key.id,
        senderId,
        fromMe,
        ts,
        type: content.type,
        text: content.text,
        quotedId: content.quotedId,
        editedText: null,
        editedAt: null,
        revoked: false,
        viewOnce: content.viewOnce || !!key.isViewOnce,
        status: typeof msg.status === "number" ? msg.status : null,
        media: content.media,
        raw: rawBytes(msg),
      };
      ops.push({ op: "upsertMessage", message: row, ...live });
      ops.push(...embeddedReactions(msg, chatJid, ctx));
      ops.push(...embeddedReceipts(msg, chatJid, ctx));
      return ops;
    }
  }
}

/** `linkLid` ops for every LID/phone pair a key reveals (remote and participant). */
export function keyLinks(key: WAMessageKey): WriteOp[] {
  const ops: WriteOp[] = [];
  for (const pair of [lidPnPair(key.remoteJid, key.remoteJidAlt), lidPnPair(key.participant, key.participantAlt)]) {
    if (pair) ops.push({ op: "linkLid", lid: pair.lid, pnJid: pair.pnJid });
  }
  return ops;
}

/** Canonical sender: us for fromMe, the participant in groups and broadcasts, else the chat. */
export function senderOf(key: WAMessageKey, msg: WAMessage | null, chatJid: string, ctx: MapContext): string | null {
  if (key.fromMe) return ctx.meId;
  const participant = key.participant ?? msg?.participant ?? null;
  if (participant) return canonicalPerson(participant, key.participantAlt, ctx);
  return isPersonJid(chatJid) ? chatJid : null;
}

/** The canonical raw proto bytes kept for getMessage(), quoting and media download. */
export function rawBytes(msg: WAMessage): Uint8Array | null {
  try {
    return proto.WebMessageInfo.encode(msg as proto.IWebMessageInfo).finish();
  } catch {
    return null; // an odd field Baileys added; the row is still worth keeping
  }
}

function chatAndSender(
  chatJid: string,
  key: WAMessageKey,
  msg: WAMessage,
  ctx: MapContext,
  source: MessageSource,
  ts: number,
): WriteOp[] {
  const ops: WriteOp[] = [];
  const kind = chatKindOf(chatJid);
  ops.push({
    op: "upsertChat",
    chat: source === "notify" && ts > 0 ? { jid: chatJid, kind, lastMessageAt: ts } : { jid: chatJid, kind },
  });
  if (!key.fromMe) {
    const participant = key.participant ?? msg.participant ?? null;
    const who = participant
      ? personIdentity(participant, key.participantAlt, ctx)
      : kind === "person"
      ? personIdentity(key.remoteJid, key.remoteJidAlt, ctx)
      : null;
    if (who) {
      ops.push({
        op: "upsertPerson",
        person: { ...who, pushName: msg.pushName || null, businessName: msg.verifiedBizName || null },
      });
    }
  }
  return ops;
}

function systemRow(
  msg: WAMessage,
  chatJid: string,
  senderId: string | null,
  fromMe: boolean,
  ts: number,
  stub: number,
): MessageRow {
  return {
    chatJid,
    id: msg.key.id!,
    senderId,
    fromMe,
    ts,
    type: "system",
    text: describeStub(stub, msg.messageStubParameters),
    quotedId: null,
    editedText: null,
    editedAt: null,
    revoked: false,
    viewOnce: false,
    status: null,
    media: null,
    raw: rawBytes(msg),
  };
}

function embeddedReactions(msg: WAMessage, chatJid: string, ctx: MapContext): WriteOp[] {
  const ops: WriteOp[] = [];
  for (const r of msg.reactions ?? []) {
    const k = r.key as WAMessageKey | null | undefined;
    if (!k) continue;
    const reactorId = k.fromMe ? ctx.meId : canonicalPerson(k.participant ?? k.remoteJid, null, ctx);
    if (!reactorId) continue;
    ops.push({
      op: "upsertReaction",
      reaction: {
        chatJid,
        messageId: msg.key.id!,
        reactorId,
        emoji: r.text ?? "",
        ts: r.senderTimestampMs != null ? toNumber(r.senderTimestampMs as number) : 0,
      },
    });
  }
  return ops;
}

function embeddedReceipts(msg: WAMessage, chatJid: string, ctx: MapContext): WriteOp[] {
  return (msg.userReceipt ?? []).flatMap((r) => receiptOps(chatJid, msg.key.id!, r, ctx));
}

/** Receipt rows from one `proto.IUserReceipt` (delivered, read and played are separate rows). */
export function receiptOps(chatJid: string, messageId: string, r: proto.IUserReceipt, ctx: MapContext): WriteOp[] {
  const personId = canonicalPerson(r.userJid, null, ctx);
  if (!personId) return [];
  const ops: WriteOp[] = [];
  const add = (type: ReceiptRow["type"], t: unknown) => {
    const s = seconds(t);
    if (s > 0) ops.push({ op: "upsertReceipt", receipt: { chatJid, messageId, personId, type, ts: s * 1000 } });
  };
  add("delivered", r.receiptTimestamp);
  add("read", r.readTimestamp);
  add("played", r.playedTimestamp);
  return ops;
}

/** The chat of the message a reaction points at: the reaction's own chat unless its key names another. */
function targetChat(target: TargetKey, key: WAMessageKey, chatJid: string, ctx: MapContext): string {
  const t = jidOf(target.remoteJid);
  if (!t || t === jidOf(key.remoteJid)) return chatJid;
  return canonicalChat(t, null, ctx) ?? chatJid;
}

/** Seconds from a Baileys timestamp (number, Long or null). */
export function seconds(t: unknown): number {
  if (t == null) return 0;
  const n = toNumber(t as number);
  return Number.isFinite(n) ? n : 0;
}

function serverOf(jid: string): string {
  return jidOf(jid)?.split("@")[1] ?? "invalid";
}

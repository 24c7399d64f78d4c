/**
 * Changes to messages already stored: `messages.update` (edits, revokes, delivery status),
 * `messages.delete`, `messages.reaction` and `message-receipt.update`.
 */
import { proto } from "@whiskeysockets/baileys";
import type { BaileysEventMap, WAMessageKey, WAMessageUpdate } from "@whiskeysockets/baileys";
import type { WriteOp } from "../../store/types.ts";
import { textOf } from "./content.ts";
import { canonicalChat, canonicalPerson, type MapContext } from "../../ids/canonical.ts";
import type { ChangeAuthor } from "../../store/change_rules.ts";
import { keyLinks, MappingError, receiptOps, seconds, senderOf } from "./messages.ts";

/** One `messages.update` item. Media refreshes (after a re-upload) are written by the download path. */
export function mapMessageUpdate(u: WAMessageUpdate, ctx: MapContext): WriteOp[] {
  const { chatJid, id } = keyTarget(u.key, ctx);
  const ops: WriteOp[] = [...keyLinks(u.key)];
  const update = u.update ?? {};
  const edited = update.message?.editedMessage?.message;
  if (edited) {
    // Baileys keys an edit update with the editing message's key (its sender) and the target's id.
    const at = seconds(update.messageTimestamp);
    ops.push({ op: "editMessage", chatJid, id, text: textOf(edited) ?? "", editedAt: at * 1000, by: authorOf(u.key, chatJid, ctx) });
  }
  if (update.message === null && update.messageStubType === proto.WebMessageInfo.StubType.REVOKE) {
    // A revoke update carries the revoking message's key in `update.key`.
    ops.push({ op: "revokeMessage", chatJid, id, by: authorOf(update.key ?? u.key, chatJid, ctx) });
  }
  if (typeof update.status === "number") ops.push({ op: "setMessageStatus", chatJid, id, status: update.status });
  return ops;
}

/** `messages.delete`: single messages, or a whole chat cleared (`{ jid, all }`: the chat stays, its messages go). */
export function mapMessagesDelete(e: BaileysEventMap["messages.delete"], ctx: MapContext): WriteOp[] {
  if (!("keys" in e)) {
    const jid = canonicalChat(e.jid, undefined, ctx);
    if (!jid) throw new MappingError("messages.delete of an unsupported chat");
    return [{ op: "clearChat", jid }];
  }
  return e.keys.map((k) => {
    const { chatJid, id } = keyTarget(k, ctx);
    return { op: "deleteMessage", chatJid, id } satisfies WriteOp;
  });
}

/** One `messages.reaction` item: `key` is the message reacted to, `reaction.key` the reactor's message. */
export function mapReaction(r: BaileysEventMap["messages.reaction"][number], ctx: MapContext): WriteOp[] {
  const { chatJid, id } = keyTarget(r.key, ctx);
  const rk = (r.reaction.key ?? null) as WAMessageKey | null;
  const reactorId = !rk || rk.fromMe
    ? ctx.meId
    : canonicalPerson(rk.participant ?? rk.remoteJid, rk.participantAlt ?? rk.remoteJidAlt, ctx);
  if (!reactorId) throw new MappingError("reaction without a known reactor");
  const ts = r.reaction.senderTimestampMs != null ? seconds(r.reaction.senderTimestampMs) : 0;
  return [
    ...keyLinks(r.key),
    ...(rk ? keyLinks(rk) : []),
    { op: "upsertReaction", reaction: { chatJid, messageId: id, reactorId, emoji: r.reaction.text ?? "", ts } },
  ];
}

/** One `message-receipt.update` item. */
export function mapReceipt(r: BaileysEventMap["message-receipt.update"][number], ctx: MapContext): WriteOp[] {
  const { chatJid, id } = keyTarget(r.key, ctx);
  return receiptOps(chatJid, id, r.receipt, ctx);
}

/** Who sent the protocol message behind an edit or revoke. */
function authorOf(key: WAMessageKey, chatJid: string, ctx: MapContext): ChangeAuthor {
  return { fromMe: !!key.fromMe, id: senderOf(key, null, chatJid, ctx) };
}

function keyTarget(key: WAMessageKey | null | undefined, ctx: MapContext): { chatJid: string; id: string } {
  if (!key?.id || !key.remoteJid) throw new MappingError("update without key id or remoteJid");
  const chatJid = canonicalChat(key.remoteJid, key.remoteJidAlt, ctx);
  if (!chatJid) throw new MappingError("update in an unsupported chat");
  return { chatJid, id: key.id };
}

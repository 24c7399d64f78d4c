/**
 * Polls: what a poll creation message holds (question, options, how many may be picked, the
 * messageSecret its votes are encrypted with), the votes a history sync carries already decrypted
 * (`WebMessageInfo.pollUpdates`), and a vote's option hashes turned back into option names
 * (WhatsApp sends SHA-256 of each chosen option's name). Pure.
 */
import { normalizeMessageContent, proto, sha256, toNumber } from "@whiskeysockets/baileys";
import type { WAMessage, WAMessageKey } from "@whiskeysockets/baileys";
import type { PollRow, WriteOp } from "../../store/types.ts";
import { canonicalPerson, type MapContext } from "../../ids/canonical.ts";

/** A poll's content, or null when the message is not a poll creation. */
export function pollOf(message: proto.IMessage | null | undefined): Omit<PollRow, "chatJid" | "messageId"> | null {
  const m = normalizeMessageContent(message);
  // V4 is a FutureProofMessage wrapper in this proto version; normalizeMessageContent unwraps it.
  const poll: proto.Message.IPollCreationMessage | null = m?.pollCreationMessage ?? m?.pollCreationMessageV2 ??
    m?.pollCreationMessageV3 ?? m?.pollCreationMessageV5 ?? null;
  if (!poll) return null;
  const secret = m?.messageContextInfo?.messageSecret ?? message?.messageContextInfo?.messageSecret ?? null;
  return {
    question: poll.name ?? null,
    options: (poll.options ?? []).map((o) => o.optionName ?? ""),
    selectableCount: poll.selectableOptionsCount ?? null,
    secret: secret && secret.length ? new Uint8Array(secret) : null,
  };
}

/** The option names whose SHA-256 is in `hashes`, in the poll's order; an unknown hash is dropped. */
export function optionNames(options: readonly string[], hashes: ReadonlyArray<Uint8Array | null | undefined>): string[] {
  const wanted = new Set(hashes.filter((h): h is Uint8Array => !!h).map(hex));
  // Baileys types the argument as a Buffer; node:crypto underneath takes any Uint8Array.
  return options.filter((o) => wanted.has(hex(sha256(new TextEncoder().encode(o) as unknown as Parameters<typeof sha256>[0]))));
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** The key map of decrypted live votes (see sync_core.ts): chat and vote message id. */
export function voteKey(chatJid: string, voteId: string): string {
  return `${chatJid}\u0000${voteId}`;
}

/** Vote writes of the decrypted votes a history-synced poll carries (`msg.pollUpdates`). */
export function historyVotes(msg: WAMessage, chatJid: string, options: readonly string[], ctx: MapContext): WriteOp[] {
  const ops: WriteOp[] = [];
  for (const u of msg.pollUpdates ?? []) {
    const k = u.pollUpdateMessageKey as WAMessageKey | null | undefined;
    const voterId = !k ? null : k.fromMe ? ctx.meId : canonicalPerson(k.participant ?? k.remoteJid, k.participantAlt ?? k.remoteJidAlt, ctx);
    if (!voterId) continue;
    const ts = u.senderTimestampMs != null ? toNumber(u.senderTimestampMs as number) : 0;
    ops.push({
      op: "upsertPollVote",
      vote: { chatJid, messageId: msg.key.id!, voterId, options: optionNames(options, u.vote?.selectedOptions ?? []), ts },
    });
  }
  return ops;
}

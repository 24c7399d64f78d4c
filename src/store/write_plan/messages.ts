/**
 * Message-side ops: a message upsert (the merge rules are the dialects' statements: a null never
 * overwrites, sticky flags stay, status only advances, the newer edit wins, ts and pk never
 * change), reactions, receipts and polls.
 */
import { isPersonJid, normalizeJid } from "../../ids/jid.ts";
import type { MessageRow, ReactionRow, WriteOp } from "../types.ts";
import { canonical, lidLookup } from "./canonical.ts";
import { applyHeld, mayHold } from "./changes.ts";
import type { Answers, Plan, PlanState } from "./steps.ts";

/** The instant a message is stored and ordered by: whole milliseconds. */
export function messageInstant(m: Pick<MessageRow, "ts">): number {
  return Math.trunc(m.ts);
}

/** Whether a reaction takes an earlier one back (an empty emoji) instead of setting one. */
export function isReactionRemoval(r: Pick<ReactionRow, "emoji">): boolean {
  return r.emoji === "";
}

/** A message upsert; `live`: a real-time delivery, which enters the live feed when new. */
export function* upsertMessage(state: PlanState, m: MessageRow, live: boolean): Plan {
  // Inline canonical(): this is the per-message path (no nested plans unless a LID needs its look-up).
  let chat = normalizeJid(m.chatJid);
  let ask = lidLookup(chat);
  if (ask) chat = ((yield ask) as string | null) ?? chat;
  let sender = m.senderId ? normalizeJid(m.senderId) : null;
  ask = sender === null ? null : lidLookup(sender);
  if (ask) sender = ((yield ask) as string | null) ?? sender;
  const ts = messageInstant(m);
  const chatIsPerson = isPersonJid(chat);
  const senderIsPerson = sender !== null && isPersonJid(sender);
  const inserted = (yield { t: "message", chat, sender, message: m, ts, chatIsPerson, senderIsPerson }) as Answers["message"];
  if (inserted && live) yield { t: "live", kind: "message", chat, id: m.id, at: ts };
  // Edits or revokes that arrived first: judged against the message now that its sender is known.
  if (state.held ?? (yield* mayHold(state))) {
    const held = (yield { t: "takeHeld", chat, id: m.id }) as Answers["takeHeld"]; // takeHeld(), inline
    if (held.length > 0) yield* applyHeld(state, chat, held);
  }
}

/** A reaction (set, or taken back by an empty emoji; the newer wins). */
export function* upsertReaction(op: Extract<WriteOp, { op: "upsertReaction" }>): Plan {
  const r = op.reaction;
  const chat = yield* canonical(r.chatJid);
  const reactor = yield* canonical(r.reactorId);
  if (op.live) yield { t: "live", kind: "reaction", chat, id: r.messageId, at: r.ts };
  if (isReactionRemoval(r)) {
    yield { t: "unreact", chat, reaction: r, reactor };
    return;
  }
  if (isPersonJid(reactor)) yield { t: "ensurePerson", id: reactor };
  yield { t: "react", chat, reaction: r, reactor };
}

/** A receipt (the first time a state was reached is kept). */
export function* upsertReceipt(op: Extract<WriteOp, { op: "upsertReceipt" }>): Plan {
  const r = op.receipt;
  const person = yield* canonical(r.personId);
  if (isPersonJid(person)) yield { t: "ensurePerson", id: person };
  yield { t: "receipt", chat: yield* canonical(r.chatJid), receipt: r, person };
}

/** A poll vote (the voter gets a people row). */
export function* upsertPollVote(op: Extract<WriteOp, { op: "upsertPollVote" }>): Plan {
  const v = op.vote;
  const chat = yield* canonical(v.chatJid);
  const voter = yield* canonical(v.voterId);
  if (isPersonJid(voter)) yield { t: "ensurePerson", id: voter };
  yield { t: "vote", chat, vote: v, voter };
}

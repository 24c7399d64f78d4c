/**
 * The write plan: what one write op must do, as steps both store dialects execute (see
 * `steps.ts`). Every decision of the write path is made here once: which JIDs are re-keyed to
 * their canonical form, which people rows must exist, when an edit or revoke is applied,
 * refused or held, how a LID meets its phone number, what enters the live feed. The dialects
 * keep only their SQL. Pure: no SQL, no I/O; the facts it needs are asked as read steps.
 */
import { isLidJid, isPersonJid, isPnJid, normalizeJid } from "../../ids/jid.ts";
import { authorKey } from "../change_rules.ts";
import type { ChatRow, WriteOp } from "../types.ts";
import { canonical } from "./canonical.ts";
import { applyChange } from "./changes.ts";
import { upsertMessage, upsertPollVote, upsertReaction, upsertReceipt } from "./messages.ts";
import { link, upsertPerson } from "./people.ts";
import type { DirectOp, Plan, PlanState } from "./steps.ts";

/** The plan of one op. */
export function planOp(state: PlanState, op: WriteOp): Plan {
  switch (op.op) {
    case "upsertMessage":
      return upsertMessage(state, op.message, op.live === true);
    case "upsertReaction":
      return upsertReaction(op);
    case "upsertReceipt":
      return upsertReceipt(op);
    case "upsertPollVote":
      return upsertPollVote(op);
    case "upsertPerson":
      return upsertPerson(state, op.person);
    case "linkLid":
      return linkLid(state, op.pnJid, op.lid);
    case "editMessage":
    case "revokeMessage":
      return change(state, op);
    case "setParticipants":
      return setParticipants(op);
    case "setAuth":
    case "clearAuth":
    case "setMeta":
    case "holdSend":
    case "claimHeldSend":
    case "settleHeldSend":
    case "setWebhookEndpoints":
    case "webhookAttempt":
    case "expireWebhooks":
    case "recordLinkEvent":
    case "scheduleSend":
    case "moveScheduled":
      return direct(op);
    default:
      return keyed(op);
  }
}

/** An op whose statements decide nothing. */
function* direct(op: DirectOp): Plan {
  yield { t: "direct", op };
}

/** Ops on one chat or message by JID: canonical key, one step. */
function* keyed(op: Exclude<WriteOp, { op: Handled }>): Plan {
  switch (op.op) {
    case "upsertChat":
      return yield* upsertChat(op.chat);
    case "deleteChat": {
      const jid = yield* canonical(op.jid);
      yield { t: "clearChat", jid, before: undefined };
      yield { t: "dropChat", jid };
      return;
    }
    case "clearChat":
      yield { t: "clearChat", jid: yield* canonical(op.jid), before: op.before };
      return;
    case "deleteMessage":
      yield { t: "deleteMessage", chat: yield* canonical(op.chatJid), id: op.id };
      return;
    case "setMessageStatus":
      yield { t: "status", chat: yield* canonical(op.chatJid), id: op.id, status: op.status };
      return;
    case "upsertPoll":
      yield { t: "poll", chat: yield* canonical(op.poll.chatJid), poll: op.poll };
      return;
    case "addUnread":
      yield { t: "addUnread", jid: yield* canonical(op.jid), count: op.count };
      return;
    case "markChatRead":
      yield { t: "markRead", jid: yield* canonical(op.jid), upTo: op.upTo };
      return;
    case "markChatUnread":
      yield { t: "markUnread", jid: yield* canonical(op.jid) };
      return;
    default: {
      const never: never = op;
      throw new TypeError(`Unknown write op ${JSON.stringify((never as { op?: unknown }).op)}`);
    }
  }
}

type Handled =
  | "upsertMessage"
  | "upsertReaction"
  | "upsertReceipt"
  | "upsertPollVote"
  | "upsertPerson"
  | "linkLid"
  | "editMessage"
  | "revokeMessage"
  | "setParticipants"
  | DirectOp["op"];

function* upsertChat(chat: Partial<ChatRow> & { jid: string }): Plan {
  const jid = yield* canonical(chat.jid);
  if (isPersonJid(jid)) yield { t: "ensurePerson", id: jid };
  yield { t: "chat", jid, chat };
}

function* linkLid(state: PlanState, pnJid: string, lidJid: string): Plan {
  const pn = normalizeJid(pnJid);
  const lid = normalizeJid(lidJid);
  if (isPnJid(pn) && isLidJid(lid)) yield* link(state, pn, lid);
}

/** An edit or revoke; a refused change is not news from this chat's sender: it does not enter the live feed. */
function* change(state: PlanState, op: Extract<WriteOp, { op: "editMessage" | "revokeMessage" }>): Plan {
  const chat = yield* canonical(op.chatJid);
  const kept = op.op === "editMessage"
    ? yield* applyChange(state, chat, op.id, { kind: "edit", author: authorKey(op.by), text: op.text, at: op.editedAt })
    : yield* applyChange(state, chat, op.id, { kind: "revoke", author: authorKey(op.by), text: null, at: null });
  if (op.live && kept) {
    yield op.op === "editMessage"
      ? { t: "live", kind: "edit", chat, id: op.id, at: op.editedAt }
      : { t: "live", kind: "delete", chat, id: op.id, at: null };
  }
}

function* setParticipants(op: Extract<WriteOp, { op: "setParticipants" }>): Plan {
  const group = yield* canonical(op.groupJid);
  yield { t: "groupChat", group };
  if (op.mode === "replace") yield { t: "clearParticipants", group };
  for (const p of op.participants) {
    const person = yield* canonical(p.personId);
    if (op.mode === "remove") {
      yield { t: "removeParticipant", group, person };
      continue;
    }
    if (isPersonJid(person)) yield { t: "ensurePerson", id: person };
    const admin = op.mode === "promote" ? (p.admin ?? "admin") : op.mode === "demote" ? null : (p.admin ?? null);
    yield { t: "participant", group, person, admin };
  }
}

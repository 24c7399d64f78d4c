/**
 * The vocabulary of the write plan: what a write op must do, as typed steps that each store
 * dialect executes with its own SQL. A step is either a write (its answer is ignored) or a read
 * whose answer the plan needs to decide what comes next (`Answers` names each read's answer).
 * No SQL and no I/O here: the plan (`plan.ts`) yields steps, an executor runs them.
 */
import type { ChatRow, LiveEventKind, MessageRow, PollRow, PollVoteRow, ReactionRow, ReceiptRow, WriteOp } from "../types.ts";
import type { Change, ChangeTarget } from "../change_rules.ts";

/** A people row as the link decision reads it. */
export interface PersonFacts {
  id: string;
  pnJid: string | null;
  pushName: string | null;
  savedName: string | null;
  businessName: string | null;
}

/** A stored chat row, opaque to the plan: read by one step, handed back to `mergeChat`. */
export type ChatFacts = Readonly<Record<string, unknown>>;

/** A pending_changes row taken out of the table (`heldChanges` reads it). */
export type HeldRow = Readonly<Record<string, unknown>>;

/** Ops whose statements decide nothing: the executor writes them as they are. */
export type DirectOp = Extract<
  WriteOp,
  {
    op:
      | "setAuth"
      | "clearAuth"
      | "setMeta"
      | "holdSend"
      | "claimHeldSend"
      | "settleHeldSend"
      | "setWebhookEndpoints"
      | "webhookAttempt"
      | "expireWebhooks"
      | "recordLinkEvent"
      | "scheduleSend"
      | "moveScheduled";
  }
>;

/** Reads (and take-outs) whose answers steer the plan. */
export type ReadStep =
  /** The id of the people row that owns a LID (null: none). */
  | { t: "lidOwner"; lid: string }
  /** Whether pending_changes may hold rows (asked at most once per batch: see `PlanState.held`). */
  | { t: "mayHold" }
  /**
   * Writes a message (insert, or merge into the stored one); answers whether it was inserted.
   * Part of the step, to keep the per-message path short: the chat and the sender get people
   * rows first when the flags say so (like `ensurePerson`), and the chat's last activity moves
   * forward to `ts` (the chat is created if missing).
   */
  | { t: "message"; chat: string; sender: string | null; message: MessageRow; ts: number; chatIsPerson: boolean; senderIsPerson: boolean }
  /** The sender of a stored message (null: not stored). */
  | { t: "changeTarget"; chat: string; id: string }
  /** Whether `person` is an admin of `group`. */
  | { t: "isAdmin"; group: string; person: string }
  /** Deletes and returns the changes held for one message. */
  | { t: "takeHeld"; chat: string; id: string }
  /** Deletes and returns the changes held in `chat` whose messages are stored. */
  | { t: "takeResolvable"; chat: string }
  /** The people row with this phone JID, or the one owning this LID. */
  | { t: "personByPn"; pn: string }
  | { t: "personByLid"; lid: string }
  /** The people row `id` (its names, for the search keys). */
  | { t: "personById"; id: string }
  /** A stored chat row, and whether a chat exists. */
  | { t: "chatRow"; jid: string }
  | { t: "chatExists"; jid: string };

/** The answer type of each read. */
export interface Answers {
  lidOwner: string | null;
  mayHold: boolean;
  message: boolean;
  changeTarget: ChangeTarget | null;
  isAdmin: boolean;
  takeHeld: readonly HeldRow[];
  takeResolvable: readonly HeldRow[];
  personByPn: PersonFacts | null;
  personByLid: PersonFacts | null;
  personById: PersonFacts | null;
  chatRow: ChatFacts | null;
  chatExists: boolean;
}

/** Writes. JIDs in steps are canonical (normalized; a LID with a known phone number mapped to it). */
export type WriteStep =
  /** A people row for `id` must exist (a stub when new; the executor may queue it). */
  | { t: "ensurePerson"; id: string }
  /** A chat upsert: known values win over nulls. */
  | { t: "chat"; jid: string; chat: Partial<ChatRow> & { jid: string } }
  /** Deletes a chat's messages (all, or ts < before) with what hangs on them; then, for `dropChat`, the chat. */
  | { t: "clearChat"; jid: string; before: number | undefined }
  | { t: "dropChat"; jid: string }
  | { t: "deleteMessage"; chat: string; id: string }
  /** Delivery status only advances. */
  | { t: "status"; chat: string; id: string; status: number }
  /** A live feed entry (and its webhook outbox row); `at` null: the message's own instant. */
  | { t: "live"; kind: LiveEventKind; chat: string; id: string; at: number | null }
  | { t: "react"; chat: string; reaction: ReactionRow; reactor: string }
  | { t: "unreact"; chat: string; reaction: ReactionRow; reactor: string }
  | { t: "receipt"; chat: string; receipt: ReceiptRow; person: string }
  | { t: "poll"; chat: string; poll: PollRow }
  | { t: "vote"; chat: string; vote: PollVoteRow; voter: string }
  /** The group's chat row exists; `clearParticipants` empties its member list. */
  | { t: "groupChat"; group: string }
  | { t: "clearParticipants"; group: string }
  | { t: "participant"; group: string; person: string; admin: string | null }
  | { t: "removeParticipant"; group: string; person: string }
  | { t: "addUnread"; jid: string; count: number }
  | { t: "markRead"; jid: string; upTo: number | null }
  | { t: "markUnread"; jid: string }
  | { t: "direct"; op: DirectOp }
  /** Names of a person: known values win over nulls (the row exists). */
  | { t: "personNames"; id: string; pushName: string | null; savedName: string | null; businessName: string | null }
  | { t: "personKeys"; id: string; searchKey: string; nameKey: string | null }
  /** Link steps (see `link.ts`). */
  | { t: "unlinkLid"; id: string }
  | { t: "foldPerson"; into: string; from: PersonFacts }
  | { t: "deletePerson"; id: string }
  | { t: "setLid"; id: string; lid: string }
  | { t: "promoteLidRow"; id: string; pn: string }
  | { t: "insertLinked"; pn: string; lid: string }
  /** The LID's people row is gone into `pn` (the executor's caches of who has a row follow). */
  | { t: "merged"; pn: string; lid: string }
  /** Re-keying from a LID to its phone JID (see `rekey.ts`). */
  | { t: "mergeChat"; from: string; to: string; row: ChatFacts }
  | { t: "renameChat"; from: string; to: string }
  | { t: "rekeyRows"; from: string; to: string }
  | { t: "rekeyHeld"; from: string; to: string }
  /** Changes (see `changes.ts`). */
  | { t: "refuse"; chat: string; id: string; kind: Change["kind"]; author: string; text: string | null; at: number | null }
  | { t: "edit"; chat: string; id: string; text: string | null; at: number | null }
  | { t: "revoke"; chat: string; id: string; by: string | null }
  | { t: "hold"; chat: string; id: string; change: Change };

/** Any step. */
export type Step = ReadStep | WriteStep;

/** What the plan remembers across the ops of one batch (the executor's batch context carries it). */
export interface PlanState {
  /** Whether pending_changes may hold rows: unknown until asked, true once a change is held. */
  held: boolean | undefined;
}

/** A plan: yields steps, receives each read's answer (undefined for writes), returns its result. */
export type Plan<R = void> = Generator<Step, R, unknown>;

/** Yields a read and types its answer. */
export function* ask<S extends ReadStep>(step: S): Plan<Answers[S["t"]]> {
  return (yield step) as Answers[S["t"]];
}

/**
 * What each kind of write must pass before it happens. Every tool that acts on WhatsApp as the
 * user declares one kind; the send path asks `decideWrite` instead of knowing tools. Pure.
 *
 * - message: content reaches a recipient (texts, files, polls, locations, forwards, reactions,
 *   edits, deletes). The full recipient policy: allow-list, confirmation by `confirm` mode.
 * - group_admin: changes every member of a group sees (create, subject, participants, invite
 *   links, join, leave). Allow-listed like a message (adding people is contacting them) and
 *   confirmed unless the user chose `confirm=never`: one injected call could empty a group.
 * - account_state: the user's own account (archive, pin, mute, block, presence). Nothing is
 *   said to anyone, so no allow-list and no confirmation; still scoped, rate-limited, audited.
 * - read_receipt: blue ticks to the senders of messages already received. As account_state.
 *
 * Read-only mode and the send scope are checked before this for every kind (see send_path.ts);
 * an action that is always confirmed (join_group) says so with `alwaysConfirm`.
 */
import { type ConfirmMode, decideSend, type RecipientFacts, type SendDecision } from "./decide.ts";
import type { RateLimits } from "./rate_limit.ts";

/** The kinds of write. */
export const WRITE_KINDS = ["message", "group_admin", "account_state", "read_receipt"] as const;

/** One kind of write. */
export type WriteKind = typeof WRITE_KINDS[number];

/** Facts about one write: the recipient's, plus whether the tool always wants a human. */
export interface WriteFacts extends RecipientFacts {
  alwaysConfirm?: boolean;
}

/** The verdict for a write (the confirmation codes include those of the other kinds). */
export type WriteDecision = SendDecision;

/** Which rate-limit budget a kind spends: messages share the send limits; state changes have their own. */
export function rateBudget(kind: WriteKind): "send" | "state" {
  return kind === "message" || kind === "group_admin" ? "send" : "state";
}

/** Decides a write of `kind`. The allow-list, where it applies, is absolute. */
export function decideWrite(kind: WriteKind, facts: WriteFacts, mode: ConfirmMode): WriteDecision {
  const base = kind === "message" || kind === "group_admin" ? decideSend(facts, mode) : { action: "allow" as const };
  if (base.action === "block") return base;
  if (facts.alwaysConfirm) {
    const always = "this action always needs the user's confirmation";
    // A reason the policy found too (e.g. text from another chat) is kept: the user reads both.
    if (base.action === "confirm") {
      return { action: "confirm", code: "always_for_action", codes: ["always_for_action", ...base.codes], reason: `${base.reason}; ${always}` };
    }
    return { action: "confirm", code: "always_for_action", codes: ["always_for_action"], reason: always };
  }
  if (kind === "group_admin" && base.action === "allow" && mode !== "never") {
    return { action: "confirm", code: "group_admin", codes: ["group_admin"], reason: "group changes are seen by every member of the group" };
  }
  return base;
}

/** Limits of the "state" budget: six times the send limits (archiving a dozen chats is normal), 0 stays off. */
export function stateLimits(send: RateLimits): RateLimits {
  const x6 = (n: number) => (n > 0 ? n * 6 : 0);
  return { perMinute: x6(send.perMinute), perHour: x6(send.perHour), perDay: x6(send.perDay), perRecipientPerHour: x6(send.perRecipientPerHour) };
}

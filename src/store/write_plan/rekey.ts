/**
 * Re-keying when a LID's phone number becomes known: every row keyed by the LID (the 1:1 chat,
 * messages, reactions, receipts, participants, refused and held changes, polls) moves to the
 * phone JID, merging where both exist (the phone-keyed row wins, the LID chat's known fields
 * fill the phone chat's gaps). A change held under the phone JID may then find its message.
 */
import { mayHold, resolveHeld } from "./changes.ts";
import { ask, type Plan, type PlanState } from "./steps.ts";

/** Moves everything keyed by `from` (a LID) to `to` (its phone JID). */
export function* rekey(state: PlanState, from: string, to: string): Plan {
  const row = yield* ask({ t: "chatRow", jid: from });
  if (row) {
    if (yield* ask({ t: "chatExists", jid: to })) yield { t: "mergeChat", from, to, row };
    else yield { t: "renameChat", from, to };
  }
  yield { t: "rekeyRows", from, to };
  if (yield* mayHold(state)) {
    yield { t: "rekeyHeld", from, to };
    yield* resolveHeld(state, to);
  }
}

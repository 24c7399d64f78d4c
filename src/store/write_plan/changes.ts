/**
 * Edits and revokes: judged by the author rule (`../change_rules.ts`) against the stored
 * message, kept as refused when WhatsApp would not honour them, held in pending_changes when
 * their message is not stored yet, and judged when it arrives (or when a LID merge moves it in).
 */
import { chatKindOf } from "../../ids/jid.ts";
import { authorFromKey, type Change, heldChanges, judgeChange } from "../change_rules.ts";
import { canonical } from "./canonical.ts";
import { type Answers, ask, type HeldRow, type Plan, type PlanState } from "./steps.ts";

/** Applies, holds or refuses one change; false when it was refused. */
export function* applyChange(state: PlanState, chat: string, id: string, c: Change): Plan<boolean> {
  const target = yield* ask({ t: "changeTarget", chat, id });
  if (!target) {
    yield { t: "hold", chat, id, change: c };
    state.held = true;
    return true;
  }
  const author = authorFromKey(c.author);
  const authorId = author.id === null ? null : yield* canonical(author.id);
  const admin = c.kind === "revoke" && authorId !== null && chatKindOf(chat) === "group" &&
    (yield* ask({ t: "isAdmin", group: chat, person: authorId }));
  const verdict = judgeChange(c.kind, { fromMe: author.fromMe, id: authorId }, target, admin);
  if (verdict === "refuse") {
    // Kept as an event of its real author: the owner's key as given, else the canonical id.
    yield { t: "refuse", chat, id, kind: c.kind, author: author.fromMe ? c.author : authorId ?? "", text: c.text, at: c.at };
    return false;
  }
  if (c.kind === "edit") yield { t: "edit", chat, id, text: c.text, at: c.at };
  // revoked_by names an admin who deleted someone else's message; the sender's own revoke names nobody.
  else yield { t: "revoke", chat, id, by: verdict === "admin" ? (author.fromMe ? author.id : authorId) : null };
  return true;
}

/** Whether pending_changes may hold rows (asked once per batch). */
export function* mayHold(state: PlanState): Plan<boolean> {
  state.held ??= yield* ask({ t: "mayHold" });
  return state.held;
}

/** Judges and applies held changes (rows already taken out of pending_changes) now that their message is stored. */
export function* applyHeld(state: PlanState, chat: string, rows: readonly HeldRow[]): Plan {
  for (const r of rows) {
    for (const c of heldChanges(r)) yield* applyChange(state, chat, String(r.id), c);
  }
}

/** Takes out the changes held for one message now stored, and judges and applies them. */
export function* takeHeld(state: PlanState, chat: string, id: string): Plan {
  const rows = (yield { t: "takeHeld", chat, id }) as Answers["takeHeld"];
  if (rows.length > 0) yield* applyHeld(state, chat, rows);
}

/** Takes out and applies the held changes of `chat` whose messages are stored (after a LID merge moved messages in). */
export function* resolveHeld(state: PlanState, chat: string): Plan {
  const rows = yield* ask({ t: "takeResolvable", chat });
  if (rows.length > 0) yield* applyHeld(state, chat, rows);
}

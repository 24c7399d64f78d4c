/**
 * Which edits and revokes the mirror believes: exactly those WhatsApp would honour. An edit
 * changes a message only when it comes from the message's own sender; a revoke ("delete for
 * everyone") from the sender, or in a group from an admin. Anything else (a group member's
 * MESSAGE_EDIT of the owner's message, a stranger's revoke) is not applied: both stores keep it
 * in `refused_changes` as an event of its real author. Both backends call these functions, so
 * the rule lives here once. Pure.
 */

/** Who sent an edit or revoke: the owner (`fromMe`), or a person by canonical id (null: unknown). */
export interface ChangeAuthor {
  fromMe: boolean;
  id: string | null;
}

/** What the change would alter: the stored (or arriving) message's sender. */
export interface ChangeTarget {
  fromMe: boolean;
  senderId: string | null;
}

/** `apply`: by the sender; `admin`: a revoke by a group admin (stored with its author); `refuse`. */
export type ChangeVerdict = "apply" | "admin" | "refuse";

/**
 * The text form of an author kept in the tables: "me" or "me:<own id>" for the owner, a person
 * id, or "" (unknown: an op journaled before authors were recorded; such a change is refused).
 */
export function authorKey(a: ChangeAuthor | undefined): string {
  if (!a) return "";
  if (a.fromMe) return a.id ? `me:${a.id}` : "me";
  return a.id ?? "";
}

/** Inverse of `authorKey`. */
export function authorFromKey(key: string): ChangeAuthor {
  if (key === "me") return { fromMe: true, id: null };
  if (key.startsWith("me:")) return { fromMe: true, id: key.slice(3) };
  return { fromMe: false, id: key === "" ? null : key };
}

/** Whether the author sent the target message (ids already canonical: phone JID when known). */
export function isSender(author: ChangeAuthor, target: ChangeTarget): boolean {
  if (author.fromMe || target.fromMe) return author.fromMe && target.fromMe;
  return author.id !== null && author.id === target.senderId;
}

/**
 * The verdict on one change. `authorIsGroupAdmin` says whether the author is an admin of the
 * message's chat (false outside groups); it matters only for a revoke of someone else's message.
 */
export function judgeChange(
  kind: "edit" | "revoke",
  author: ChangeAuthor,
  target: ChangeTarget,
  authorIsGroupAdmin: boolean,
): ChangeVerdict {
  if (isSender(author, target)) return "apply";
  if (kind === "revoke" && authorIsGroupAdmin) return "admin";
  return "refuse";
}

/** One edit (`text`, `at`) or revoke by an author (its `authorKey`), as the stores apply or hold it. */
export interface Change {
  kind: "edit" | "revoke";
  author: string;
  text: string | null;
  at: number | null;
}

/** The changes one pending_changes row holds (an edit, a revoke, or both), from either store's row. */
export function heldChanges(row: Record<string, unknown>): Change[] {
  const author = typeof row.author === "string" ? row.author : "";
  const out: Change[] = [];
  if (row.edited_text !== null && row.edited_text !== undefined) {
    const at = row.edited_at === null || row.edited_at === undefined ? null : Number(row.edited_at);
    out.push({ kind: "edit", author, text: String(row.edited_text), at });
  }
  if (row.revoked === 1 || row.revoked === true) out.push({ kind: "revoke", author, text: null, at: null });
  return out;
}

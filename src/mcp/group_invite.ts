/** Group invite links and codes: one rule for reading what a user pastes and for writing a link. Pure. */

/** Links are this prefix plus the code. */
export const GROUP_INVITE_PREFIX = "https://chat.whatsapp.com/";

/** The code of an invite link or bare code, or null if it is neither. */
export function inviteCodeOf(input: string): string | null {
  const s = input.trim();
  const m = /^(?:https?:\/\/)?chat\.whatsapp\.com\/(?:invite\/)?([A-Za-z0-9_-]{10,64})\/?(?:[?#].*)?$/i.exec(s);
  if (m) return m[1]!;
  return /^[A-Za-z0-9_-]{10,64}$/.test(s) ? s : null;
}

/** The link of a code. */
export function inviteLink(code: string): string {
  return GROUP_INVITE_PREFIX + code;
}

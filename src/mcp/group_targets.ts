/**
 * Groups and people as the group tools take them: a group JID that must be a group, a list of
 * people in any form resolved to canonical JIDs, and how a person is named in a confirmation.
 */
import { type RecipientStore, type ResolvedRecipient, resolveRecipient } from "./resolve.ts";
import { ToolInputError } from "./results.ts";

/** Resolves a group argument; anything else is an input error naming the parameter. */
export async function resolveGroup(repo: RecipientStore, input: string, what = "chat_jid"): Promise<ResolvedRecipient> {
  const r = await resolveRecipient(repo, input, what);
  if (r.kind !== "group") throw new ToolInputError(`${what} must be a group JID (…@g.us)`);
  return r;
}

/** Resolves people (any form) to canonical recipients, without duplicates; a group is an input error. */
export async function resolvePeople(repo: RecipientStore, inputs: readonly string[], what = "participants"): Promise<ResolvedRecipient[]> {
  const out = new Map<string, ResolvedRecipient>();
  for (const [i, input] of inputs.entries()) {
    const r = await resolveRecipient(repo, input, `${what}[${i}]`);
    if (r.kind !== "person") throw new ToolInputError(`${what}[${i}] must be a person, not a group`);
    out.set(r.jid, r);
  }
  return [...out.values()];
}

/** "Alice (+491701234567)" for a confirmation line (names are flattened by the dialog). */
export function personLabel(r: ResolvedRecipient): string {
  const phone = r.phone ?? r.jid;
  return r.name ? `${r.name} (${phone})` : phone;
}

/** The recipient standing for a group that does not exist yet (create_group). */
export function newGroupRecipient(name: string): ResolvedRecipient {
  return { kind: "group", jid: "(new group)", aliases: [], name, nameSource: "group", phone: null, person: null, chat: null };
}


/**
 * Turns what the model typed (phone number, phone JID, LID, group JID) into canonical JIDs using
 * the store, before any policy looks at them: one person is one JID whichever form was given.
 */
import type { ChatSummary, PersonRow } from "../store/types.ts";
import type { MirrorQueries } from "../store/ports.ts";
import { parseJid, RecipientError } from "../ids/parse.ts";
import { plusPhoneOf } from "../ids/phone.ts";

/** A recipient after resolution. */
export interface ResolvedRecipient {
  kind: "person" | "group";
  /** The canonical JID to send to. */
  jid: string;
  /** Every JID that names the same person (phone JID, LID), for allow-list matching. */
  aliases: string[];
  name: string | null;
  nameSource: "contact" | "profile" | "business" | "group" | null;
  phone: string | null;
  person: PersonRow | null;
  chat: ChatSummary | null;
}

/** The store reads recipient resolution needs. */
export type RecipientStore = Pick<MirrorQueries, "resolvePerson" | "getChat" | "getDirectChat">;

/** Looks a person up by the parsed JID, then by bare digits (the store accepts any form). */
async function findPerson(repo: Pick<MirrorQueries, "resolvePerson">, jid: string, digits: string | null): Promise<PersonRow | null> {
  return (await repo.resolvePerson(jid)) ?? (digits ? await repo.resolvePerson(digits) : null);
}

/** Resolves a send target. Broadcast lists, status and channels are refused. */
export async function resolveRecipient(repo: RecipientStore, input: string, what = "recipient"): Promise<ResolvedRecipient> {
  const parsed = parseJid(input, what);
  if (parsed.kind === "broadcast" || parsed.kind === "newsletter") {
    throw new RecipientError(`${what}: sending to broadcast lists, status or channels is not supported; use a person or a group`);
  }
  if (parsed.kind === "group") {
    const chat = await repo.getChat(parsed.jid, false);
    return {
      kind: "group",
      jid: parsed.jid,
      aliases: [parsed.jid],
      name: chat?.name ?? null,
      nameSource: chat?.name ? "group" : null,
      phone: null,
      person: null,
      chat,
    };
  }
  const person = await findPerson(repo, parsed.jid, parsed.kind === "phone" ? parsed.digits : null);
  const jid = person?.id ?? parsed.jid;
  const chat = (await repo.getDirectChat(jid)) ?? (jid !== parsed.jid ? await repo.getDirectChat(parsed.jid) : null);
  const aliases = [...new Set([jid, parsed.jid, person?.pnJid, person?.lid].filter((x): x is string => !!x))];
  let name: string | null = null;
  let nameSource: ResolvedRecipient["nameSource"] = null;
  if (person?.savedName) [name, nameSource] = [person.savedName, "contact"];
  else if (person?.businessName) [name, nameSource] = [person.businessName, "business"];
  else if (person?.pushName) [name, nameSource] = [person.pushName, "profile"];
  else if (chat?.name) [name, nameSource] = [chat.name, "contact"];
  const phone = plusPhoneOf(person?.pnJid) ?? plusPhoneOf(jid) ?? plusPhoneOf(parsed.jid);
  return { kind: "person", jid, aliases, name, nameSource, phone, person, chat };
}

/**
 * Resolves a chat argument of a read tool: group and other JIDs as given; a person in any form to
 * their canonical JID (so a LID and a phone number find the same chat).
 */
export async function resolveChatJid(repo: RecipientStore, input: string, what = "chat_jid"): Promise<string> {
  const parsed = parseJid(input, what);
  if (parsed.kind !== "phone" && parsed.kind !== "lid") return parsed.jid;
  const person = await findPerson(repo, parsed.jid, parsed.kind === "phone" ? parsed.digits : null);
  return person?.id ?? parsed.jid;
}

/**
 * Whether the user has written in this chat before: a recent own message, or (for long chats)
 * any own message found through the sender filter.
 */
export async function userHasWritten(repo: Pick<MirrorQueries, "listMessages">, chatJid: string, meId: string | null): Promise<boolean> {
  const recent = await repo.listMessages({ chatJid, limit: 200 });
  if (recent.items.some((m) => m.fromMe)) return true;
  if (!meId) return false;
  try {
    const mine = await repo.listMessages({ chatJid, senderId: meId, limit: 5 });
    return mine.items.some((m) => m.fromMe);
  } catch {
    return false;
  }
}

/** The user's own id without a device suffix ("491...:12@s.whatsapp.net" → "491...@s.whatsapp.net"). */
export function ownId(me: { id: string } | null | undefined): string | null {
  if (!me) return null;
  const at = me.id.lastIndexOf("@");
  if (at < 0) return me.id;
  return `${me.id.slice(0, at).split(":")[0]}${me.id.slice(at)}`;
}

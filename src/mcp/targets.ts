/**
 * Stored messages as targets of quotes, reactions, edits and deletes: looked up in the chat the
 * caller named, turned into the `MessageRef` the connection actor needs.
 */
import type { MessageView } from "../store/types.ts";
import type { MirrorQueries } from "../store/ports.ts";
import type { RecipientStore } from "./resolve.ts";
import type { MessageRef, SendResult } from "../whatsapp/protocol.ts";
import { type ResolvedRecipient, resolveRecipient } from "./resolve.ts";
import { ToolInputError } from "./results.ts";

/** A message in a resolved chat. */
export interface Target {
  recipient: ResolvedRecipient;
  message: MessageView;
  ref: MessageRef;
}

/** The reference to a stored message; the participant matters in groups. */
export function refOf(m: MessageView, kind: "person" | "group"): MessageRef {
  return { chatJid: m.chatJid, id: m.id, fromMe: m.fromMe, participant: kind === "group" && !m.fromMe ? m.senderId : null };
}

/** Finds message `id` in chat `chatInput` (any form), or throws a `ToolInputError` naming the parameter. */
export async function loadTarget(repo: RecipientStore & Pick<MirrorQueries, "getMessage">, chatInput: string, id: string, what = "message_id"): Promise<Target> {
  const recipient = await resolveRecipient(repo, chatInput, "chat_jid");
  return { recipient, ...(await findIn(repo, recipient, id, what)) };
}

/** Finds message `id` in the recipient's chat. */
export async function findIn(
  repo: Pick<MirrorQueries, "getMessage">,
  recipient: ResolvedRecipient,
  id: string,
  what: string,
): Promise<{ message: MessageView; ref: MessageRef }> {
  const chatJid = recipient.chat?.jid ?? recipient.jid;
  const message = await repo.getMessage(chatJid, id);
  if (!message) throw new ToolInputError(`${what}: no message with id ${JSON.stringify(id)} in chat ${chatJid}`);
  return { message, ref: refOf(message, recipient.kind) };
}

/** Checks the connection actor's reply to a send. */
export function asSendResult(x: unknown): SendResult {
  const r = x as Partial<SendResult> | null;
  if (!r || typeof r.id !== "string" || typeof r.chatJid !== "string" || typeof r.ts !== "number") {
    throw new Error("the WhatsApp connection gave an unexpected reply");
  }
  return { id: r.id, chatJid: r.chatJid, ts: r.ts };
}

/**
 * The work behind the action requests (`ActionMsg`): group administration, location, contact and
 * poll messages, forwards. Each one call on the open Baileys socket; the results come back to
 * the store the usual way (group notifications, message echoes) through the sync actor.
 */
import type { AnyMessageContent, ChatModification, WAMessage } from "@whiskeysockets/baileys";
import { WhatsAppRequestError } from "./errors.ts";
import type { ActionMsg, ChatStateChange, GroupMetadataReply, OutgoingContent, ParticipantResult, SendResult } from "./protocol.ts";
import { ACTION_TYPES } from "./protocol.ts";
import * as people from "./people.ts";
import { groupReply, loadMessage, need, type RequestDeps, send } from "./requests.ts";

/** True for the requests this module answers. */
export function isActionMsg(msg: { type: string }): msg is ActionMsg {
  return ACTION_TYPES.has(msg.type);
}

/** Runs a send in the order of its chat (the connection's per-chat lanes). */
export type InChatOrder = <T>(jid: string, send: (d: RequestDeps) => Promise<T>) => Promise<T>;

/** Answers one action request. */
export async function runAction(d: RequestDeps, msg: ActionMsg, inChatOrder: InChatOrder): Promise<unknown> {
  switch (msg.type) {
    case "groupCreate": {
      const meta = await need(d).groupCreate(msg.subject, msg.participants);
      d.groups.set(meta);
      return groupReply(meta);
    }
    case "groupSubject":
      await need(d).groupUpdateSubject(msg.jid, msg.subject);
      return { ok: true };
    case "groupDescription":
      await need(d).groupUpdateDescription(msg.jid, msg.description ?? undefined);
      return { ok: true };
    case "groupParticipants": {
      const results = await need(d).groupParticipantsUpdate(msg.jid, msg.participants, msg.action);
      return results.map((r): ParticipantResult => ({ jid: r.jid ?? "", status: String(r.status) }));
    }
    case "groupInviteCode": {
      const sock = need(d);
      const code = msg.revoke ? await sock.groupRevokeInvite(msg.jid) : await sock.groupInviteCode(msg.jid);
      if (!code) throw new WhatsAppRequestError("WhatsApp gave no invite code (only group admins can see it)");
      return { code };
    }
    case "groupInviteInfo":
      return groupReply(await need(d).groupGetInviteInfo(msg.code)) satisfies GroupMetadataReply;
    case "groupJoin": {
      const jid = await need(d).groupAcceptInvite(msg.code);
      if (!jid) throw new WhatsAppRequestError("WhatsApp did not accept the invite");
      return { jid };
    }
    case "groupLeave":
      await need(d).groupLeave(msg.jid);
      return { ok: true };
    case "sendContent":
      return await inChatOrder(msg.jid, (dd): Promise<SendResult> => send(dd, msg.jid, contentOf(msg.content)));
    case "chatModify":
      await need(d).chatModify(await chatModification(d, msg.jid, msg.change), msg.jid);
      return { ok: true };
    case "groupUpdate":
      if (msg.subject !== undefined) await need(d).groupUpdateSubject(msg.jid, msg.subject);
      if (msg.description !== undefined) await need(d).groupUpdateDescription(msg.jid, msg.description ?? undefined);
      return { ok: true };
    case "block":
      return await people.block(d, msg);
    case "blocklist":
      return await people.blocklist(d);
    case "presence":
      return await people.sendPresence(d, msg);
    case "presenceGet":
      return await people.presenceGet(d, msg);
    case "profile":
      return await people.profile(d, msg);
    case "forward":
      return await inChatOrder(msg.to, async (dd): Promise<SendResult> => {
        const source: WAMessage | null = await loadMessage(dd.repo, msg.source.chatJid, msg.source.id);
        if (!source?.message) throw new WhatsAppRequestError("The message to forward is not in the store with its content");
        return await send(dd, msg.to, { forward: source });
      });
  }
}

/**
 * The Baileys modification for a chat-state change. Archive and read marks name the chat's
 * newest message (WhatsApp applies them up to it), rebuilt from the store.
 */
async function chatModification(d: RequestDeps, jid: string, c: ChatStateChange): Promise<ChatModification> {
  switch (c.kind) {
    case "pin":
      return { pin: c.value };
    case "mute":
      return { mute: c.until };
    case "archive":
      return { archive: c.value, lastMessages: await lastMessages(d, jid) };
    case "unread":
      return { markRead: !c.value, lastMessages: await lastMessages(d, jid) };
  }
}

async function lastMessages(d: RequestDeps, jid: string): Promise<Array<Pick<WAMessage, "key" | "messageTimestamp">>> {
  const newest = (await d.repo.listMessages({ chatJid: jid, limit: 1 })).items[0];
  if (!newest) return [];
  const stored = await loadMessage(d.repo, newest.chatJid, newest.id);
  const key = stored?.key ?? { remoteJid: newest.chatJid, id: newest.id, fromMe: newest.fromMe, participant: newest.fromMe ? undefined : newest.senderId ?? undefined };
  return [{ key, messageTimestamp: Math.floor(newest.ts / 1000) }];
}

/** The Baileys content of a location, contact card or poll. Exported for tests. */
export function contentOf(c: OutgoingContent): AnyMessageContent {
  switch (c.kind) {
    case "location":
      return { location: { degreesLatitude: c.latitude, degreesLongitude: c.longitude, name: c.name, address: c.address } };
    case "contact":
      return { contacts: { displayName: c.displayName, contacts: [{ displayName: c.displayName, vcard: c.vcard }] } };
    case "poll":
      return { poll: { name: c.question, values: c.options, selectableCount: c.selectableCount } };
  }
}

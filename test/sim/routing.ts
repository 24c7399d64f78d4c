/**
 * Fan-out of a `<message>` stanza the client sent: each `<to>` device that the simulator plays
 * decrypts its `<enc>` (1:1 pkmsg/msg, or the sender-key distribution of a group message), then
 * group members decrypt the `skmsg`. Returns what each party decrypted; the server records it
 * and sends receipts.
 */
import { getBinaryNodeChild, getBinaryNodeChildren, isJidGroup } from "@whiskeysockets/baileys";
import type { BinaryNode, proto } from "@whiskeysockets/baileys";
import type { GroupInfo } from "./core.ts";
import { messageText } from "./inbox.ts";
import type { ReceivedMessage } from "./inbox.ts";
import type { Account, Directory } from "./model.ts";
import { lidJid } from "./model.ts";

/** One decryption result: which simulated account got which message. */
export interface Delivered {
  readonly account: Account;
  readonly msg: ReceivedMessage;
}

/** Server state routing needs. */
export interface RoutingContext {
  readonly dir: Directory;
  readonly groups: Map<string, GroupInfo>;
}

const bytes = (n: BinaryNode | undefined): Uint8Array | undefined => (n?.content instanceof Uint8Array ? n.content : undefined);

/**
 * Decrypts a client message for every simulated recipient device.
 * `sender` is the client's companion: its account and device id.
 */
export async function routeClientMessage(
  ctx: RoutingContext,
  sender: { account: Account; device: number; jid: string },
  node: BinaryNode,
): Promise<{ delivered: Delivered[]; errors: string[] }> {
  const delivered: Delivered[] = [];
  const errors: string[] = [];
  const to = node.attrs.to ?? "";
  const id = node.attrs.id ?? "";
  const group = isJidGroup(to) ? ctx.groups.get(to) : undefined;
  if (isJidGroup(to) && !group) return { delivered, errors: [`message ${id} to unknown group ${to}`] };
  // The name under which recipients store the sender's sender-key: the participant JID the server stamps.
  const author = group?.addressing === "lid" ? lidJid(sender.account, sender.device) : sender.jid;

  const targets: Array<{ jid: string; enc: BinaryNode }> = [];
  for (const t of getBinaryNodeChildren(getBinaryNodeChild(node, "participants"), "to")) {
    const enc = getBinaryNodeChild(t, "enc");
    if (enc && t.attrs.jid) targets.push({ jid: t.attrs.jid, enc });
  }
  const topEnc = getBinaryNodeChildren(node, "enc");
  for (const enc of topEnc) if (enc.attrs.type !== "skmsg") targets.push({ jid: node.attrs.participant ?? to, enc });

  for (const { jid, enc } of targets) {
    const r = ctx.dir.resolve(jid);
    const dev = r?.account.devices.get(r.device);
    const data = bytes(enc);
    if (!r || !dev?.party || !data) continue;
    const type = enc.attrs.type as "pkmsg" | "msg";
    try {
      let message: proto.IMessage = await dev.party.decrypt(sender.jid, type, data);
      if (message.senderKeyDistributionMessage?.axolotlSenderKeyDistributionMessage && group) {
        await dev.party.processSenderKey(group.jid, author, message.senderKeyDistributionMessage.axolotlSenderKeyDistributionMessage);
      }
      let chat = to;
      if (message.deviceSentMessage?.message) {
        chat = message.deviceSentMessage.destinationJid ?? to;
        message = message.deviceSentMessage.message;
      }
      // A bare sender-key distribution is plumbing, not a message the party "received".
      const onlySkdm = !!message.senderKeyDistributionMessage && Object.keys(message).filter((k) => k !== "senderKeyDistributionMessage" && k !== "messageContextInfo").length === 0;
      if (!onlySkdm) {
        delivered.push({ account: r.account, msg: { id, to: chat, from: sender.jid, group: group?.jid, encType: type, message, text: messageText(message) } });
      }
    } catch (err) {
      errors.push(`device ${jid} could not decrypt ${type} of message ${id}: ${(err as Error).message}`);
    }
  }

  const sk = topEnc.find((e) => e.attrs.type === "skmsg");
  const skBytes = bytes(sk);
  if (group && skBytes) {
    // Every member's primary device decrypts, including the sender's own phone.
    for (const p of group.participants) {
      const dev = p.devices.get(0);
      if (!dev?.party) continue;
      try {
        const message = await dev.party.decryptGroup(group.jid, author, skBytes);
        delivered.push({ account: p, msg: { id, to, from: sender.jid, group: group.jid, encType: "skmsg", message, text: messageText(message) } });
      } catch (err) {
        errors.push(`${p.pn} could not decrypt skmsg of message ${id}: ${(err as Error).message}`);
      }
    }
  }
  return { delivered, errors };
}

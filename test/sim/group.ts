/**
 * A simulated group: metadata the server answers `w:g2` queries with, and group messages from
 * member contacts (a pkmsg carrying the sender-key distribution the first time, plus the skmsg).
 */
import { proto } from "@whiskeysockets/baileys";
import type { BinaryNode } from "@whiskeysockets/baileys";
import type { FakeContact, SentMessage } from "./contact.ts";
import type { GroupInfo, SimCore } from "./core.ts";
import { Inbox } from "./inbox.ts";
import type { ReceivedMessage } from "./inbox.ts";
import type { Account } from "./model.ts";
import { lidJid, pnJid } from "./model.ts";
import { nowAttr } from "./stanzas.ts";
import { newInviteCode, participantNode } from "./group-admin.ts";
import { encryptPollVote, pollCreation, type SimPoll } from "./poll.ts";

/** A message in the group: its id and who sent it (a member's JID, or the account's own for its messages). */
export interface GroupTargetKey {
  id: string;
  participant: string;
}

/** A simulated group the account is a member of. */
export class FakeGroup {
  /** Group messages the client sent, as each member decrypted them. */
  readonly inbox = new Inbox();
  // Which (sender, companion) pairs already hold the sender's sender key.
  private readonly distributed = new Set<string>();

  constructor(
    private readonly core: SimCore,
    readonly info: GroupInfo,
  ) {}

  /** The group JID (…@g.us). */
  get jid(): string {
    return this.info.jid;
  }

  /** Sends a text to the group as `from` (a member contact). */
  sendText(from: FakeContact, text: string): Promise<SentMessage> {
    return this.send(from, { conversation: text });
  }

  /**
   * Sends a MESSAGE_EDIT of `target` as `from`, whoever sent the target: WhatsApp's server relays
   * it, and only the receiving client can refuse it (a member's edit of someone else's message).
   */
  edit(from: FakeContact, target: GroupTargetKey, text: string): Promise<SentMessage> {
    return this.send(from, {
      protocolMessage: {
        key: this.keyFromSenderSide(from, target),
        type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
        editedMessage: { conversation: text },
        timestampMs: Date.now(),
      },
    });
  }

  /** Sends a REVOKE ("delete for everyone") of `target` as `from` (a member; an admin may revoke others'). */
  revoke(from: FakeContact, target: GroupTargetKey): Promise<SentMessage> {
    return this.send(from, { protocolMessage: { key: this.keyFromSenderSide(from, target), type: proto.Message.ProtocolMessage.Type.REVOKE } });
  }

  /** Sends any message to the group as `from` (a member contact). */
  async send(from: FakeContact, message: proto.IMessage): Promise<SentMessage> {
    const sender = from.account;
    if (!this.info.participants.includes(sender)) throw new Error(`Cannot send to group: ${sender.name} is not a member`);
    const party = sender.devices.get(0)?.party;
    if (!party) throw new Error(`Cannot send to group: ${sender.name} has no simulated device`);
    const author = this.authorJid(sender);
    const id = this.core.newMessageId();
    const { ciphertext, skdm } = await party.encryptGroup(this.jid, author, message);
    const encTypes: string[] = [];
    const alt: Record<string, string> = this.info.addressing === "lid" ? { participant_pn: pnJid(sender) } : { participant_lid: lidJid(sender) };
    for (const ref of this.core.companions()) {
      const content: BinaryNode[] = [];
      const pair = `${sender.pn}|${ref.jid}`;
      if (!this.distributed.has(pair)) {
        const enc = await this.core.encryptForCompanion(sender, ref, {
          senderKeyDistributionMessage: { groupId: this.jid, axolotlSenderKeyDistributionMessage: skdm },
        });
        content.push({ tag: "enc", attrs: { v: "2", type: enc.type }, content: enc.ciphertext });
        encTypes.push(enc.type);
        this.distributed.add(pair);
      }
      content.push({ tag: "enc", attrs: { v: "2", type: "skmsg" }, content: ciphertext });
      encTypes.push("skmsg");
      this.core.deliver(ref, {
        tag: "message",
        attrs: { from: this.jid, participant: author, id, t: nowAttr(), type: "text", notify: sender.name, addressing_mode: this.info.addressing, ...alt },
        content,
      });
    }
    return { id, key: { remoteJid: this.jid, fromMe: false, id, participant: author }, encTypes };
  }

  /** Sends a poll to the group as `from` (selectableCount 1: one choice, 0: any number). */
  async sendPoll(from: FakeContact, question: string, options: readonly string[], selectableCount = 1): Promise<SentMessage & { poll: SimPoll }> {
    const { message, secret } = pollCreation(question, options, selectableCount);
    const sent = await this.send(from, message);
    return { ...sent, poll: { id: sent.id, creatorJid: pnJid(from.account), secret, options } };
  }

  /** `from` votes on a poll of this group (anyone's); an empty `chosen` takes the vote back. */
  vote(from: FakeContact, poll: SimPoll, chosen: readonly string[]): Promise<SentMessage> {
    const own = poll.creatorJid === pnJid(from.account);
    return this.send(from, {
      pollUpdateMessage: {
        pollCreationMessageKey: { remoteJid: this.jid, fromMe: own, id: poll.id, participant: poll.creatorJid },
        vote: encryptPollVote(poll, pnJid(from.account), chosen),
        senderTimestampMs: Date.now(),
      },
    });
  }

  /** `by` adds `who` (as WhatsApp tells the members). */
  add(by: FakeContact, who: FakeContact): void {
    if (!this.info.participants.includes(who.account)) this.info.participants.push(who.account);
    this.core.notifyGroup(this.info, by.account, { tag: "add", attrs: {}, content: [participantNode(this.info, who.account)] });
  }

  /** `who` leaves the group. */
  leave(who: FakeContact): void {
    const at = this.info.participants.indexOf(who.account);
    if (at >= 0) this.info.participants.splice(at, 1);
    this.core.notifyGroup(this.info, who.account, { tag: "remove", attrs: {}, content: [participantNode(this.info, who.account)] });
  }

  /** `by` renames the group. */
  setSubject(by: FakeContact, subject: string): void {
    this.info.subject = subject;
    this.core.notifyGroup(this.info, by.account, { tag: "subject", attrs: { subject, s_t: nowAttr() } });
  }

  /** Gives the account admin rights here (set-up, no notification). */
  makeAccountAdmin(): void {
    (this.info.admins ??= new Set()).add(this.core.self);
  }

  /** The group's invite code (made on first use, like an admin's "invite via link"). */
  inviteCode(): string {
    return this.info.inviteCode ??= newInviteCode();
  }

  /** Messages the client sent to this group, one entry per member that decrypted it. */
  received(): ReceivedMessage[] {
    return this.inbox.all();
  }

  /** Resolves with the first decrypted group message matching `pred`. */
  waitForMessage(pred: (m: ReceivedMessage) => boolean = () => true, timeoutMs = 10_000): Promise<ReceivedMessage> {
    return this.inbox.waitFor(pred, timeoutMs, `a message in group ${this.info.subject}`);
  }

  // A key inside an edit/revoke, from the sending member's point of view: `fromMe` only for its own message.
  private keyFromSenderSide(from: FakeContact, target: GroupTargetKey): proto.IMessageKey {
    const own = target.participant === pnJid(from.account) || target.participant === lidJid(from.account);
    return { remoteJid: this.jid, fromMe: own, id: target.id, participant: target.participant };
  }

  private authorJid(a: Account): string {
    return this.info.addressing === "lid" ? lidJid(a) : pnJid(a);
  }
}

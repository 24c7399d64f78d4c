/**
 * A fake contact: another WhatsApp user with one device (its phone), played by the simulator.
 * It sends Signal-encrypted messages to the account's companions and records what the client
 * under test sent it (decrypted), sending delivery receipts back like a real phone.
 */
import { createHash } from "node:crypto";
import { proto } from "@whiskeysockets/baileys";
import type { BinaryNode, MediaType, WAMessageKey } from "@whiskeysockets/baileys";
import type { SimCore } from "./core.ts";
import { Inbox } from "./inbox.ts";
import type { ReceivedMessage } from "./inbox.ts";
import type { Account } from "./model.ts";
import { lidJid, pnJid } from "./model.ts";
import { nowAttr } from "./stanzas.ts";
import { decryptMedia, encryptMedia } from "./media-crypto.ts";
import { encryptPollVote, pollCreation, type SimPoll } from "./poll.ts";

/** What a simulated party sent: the id, the key as the client will see it, and the cipher type per companion. */
export interface SentMessage {
  readonly id: string;
  /** The message key from the client's point of view. */
  readonly key: WAMessageKey;
  /** `pkmsg` or `msg` (or `skmsg` for groups) for each companion it was delivered to. */
  readonly encTypes: string[];
}

/** Media kinds a contact can send. */
export type SimMediaKind = "image" | "audio" | "video" | "document" | "sticker";

/** A target message, as the client sees its key (e.g. `upsert.messages[0].key`). */
export type TargetKey = Pick<WAMessageKey, "id" | "fromMe"> & { participant?: string | null };

/** A simulated contact. */
export class FakeContact {
  readonly inbox = new Inbox();
  /** Send a delivery receipt for each message received from the client (default true). */
  autoReceipt = true;

  constructor(
    private readonly core: SimCore,
    readonly account: Account,
  ) {}

  /** The contact's phone-number JID. */
  get jid(): string {
    return pnJid(this.account);
  }

  /** The contact's LID JID. */
  get lid(): string {
    return lidJid(this.account);
  }

  /** The contact's display name (sent as push name). */
  get name(): string {
    return this.account.name;
  }

  /** The JID this contact's stanzas come from, by its addressing mode. */
  get address(): string {
    return this.account.addressing === "lid" ? this.lid : this.jid;
  }

  /** Sends a text message. */
  sendText(text: string): Promise<SentMessage> {
    return this.send({ conversation: text });
  }

  /** Reacts to a message (an empty emoji removes the reaction). */
  react(target: TargetKey, emoji: string): Promise<SentMessage> {
    return this.send({ reactionMessage: { key: this.keyFromOurSide(target), text: emoji, senderTimestampMs: Date.now() } }, "reaction");
  }

  /** Edits a message this contact sent earlier. */
  edit(target: TargetKey, text: string): Promise<SentMessage> {
    return this.send({
      protocolMessage: {
        key: this.keyFromOurSide(target),
        type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
        editedMessage: { conversation: text },
        timestampMs: Date.now(),
      },
    });
  }

  /** Deletes a message this contact sent earlier, for everyone. */
  revoke(target: TargetKey): Promise<SentMessage> {
    return this.send({ protocolMessage: { key: this.keyFromOurSide(target), type: proto.Message.ProtocolMessage.Type.REVOKE } });
  }

  /** Sends an image: encrypts and uploads it to the simulated media host, then sends the message. */
  sendImage(bytes: Uint8Array, caption?: string, mimetype = "image/jpeg"): Promise<SentMessage> {
    return this.sendMedia("image", bytes, { mimetype, caption });
  }

  /**
   * Sends media of any kind (image, audio/voice note with `ptt: true`, video, document): the blob
   * is encrypted like WhatsApp does and stored on the simulated media host; `fields` are merged
   * into the media message (e.g. `{ mimetype, caption, ptt, seconds, fileName }`).
   */
  async sendMedia(kind: SimMediaKind, bytes: Uint8Array, fields: Record<string, unknown> & { mimetype: string }): Promise<SentMessage> {
    const media = this.core.media;
    if (!media) throw new Error(`Cannot send ${kind}: start the simulator with { media: true }`);
    const enc = encryptMedia(bytes, kind);
    const directPath = media.put(enc.encrypted, kind);
    const body = {
      url: `https://${media.host}${directPath}`,
      directPath,
      mediaKey: enc.mediaKey,
      fileSha256: enc.fileSha256,
      fileEncSha256: enc.fileEncSha256,
      fileLength: bytes.length,
      mediaKeyTimestamp: Math.floor(Date.now() / 1000),
      ...fields,
    };
    const mediatype = kind === "audio" && fields.ptt ? "ptt" : kind;
    return this.send({ [`${kind}Message`]: body } as proto.IMessage, "media", { mediatype });
  }

  /** Sends a poll (selectableCount 1: one choice, 0: any number); returns it as its creator knows it. */
  async sendPoll(question: string, options: readonly string[], selectableCount = 1): Promise<SentMessage & { poll: SimPoll }> {
    const { message, secret } = pollCreation(question, options, selectableCount);
    const sent = await this.send(message, "poll");
    return { ...sent, poll: { id: sent.id, creatorJid: this.jid, secret, options } };
  }

  /**
   * Votes on a poll (the owner's, as this contact received it, or this contact's own): `chosen`
   * replaces any earlier vote of this contact; an empty list takes the vote back.
   */
  vote(poll: SimPoll, chosen: readonly string[]): Promise<SentMessage> {
    const own = poll.creatorJid === this.jid;
    return this.send({
      pollUpdateMessage: {
        pollCreationMessageKey: { remoteJid: pnJid(this.core.self), fromMe: own, id: poll.id },
        vote: encryptPollVote(poll, this.jid, chosen),
        senderTimestampMs: Date.now(),
      },
    }, "poll");
  }

  /** Sends any message proto (escape hatch for content the helpers above do not cover). */
  async send(message: proto.IMessage, type = "text", encAttrs: Record<string, string> = {}): Promise<SentMessage> {
    const id = this.core.newMessageId();
    const encTypes: string[] = [];
    const alt: Record<string, string> = this.account.addressing === "lid" ? { sender_pn: this.jid } : { sender_lid: this.lid };
    for (const ref of this.core.companions()) {
      const enc = await this.core.encryptForCompanion(this.account, ref, message);
      encTypes.push(enc.type);
      const node: BinaryNode = {
        tag: "message",
        attrs: { from: this.address, id, t: nowAttr(), type, notify: this.name, ...alt },
        content: [{ tag: "enc", attrs: { v: "2", type: enc.type, ...encAttrs }, content: enc.ciphertext }],
      };
      this.core.deliver(ref, node);
    }
    return { id, key: { remoteJid: this.address, fromMe: false, id }, encTypes };
  }

  /**
   * Downloads and decrypts the media of a message the client sent (image, audio/voice note,
   * video, document, sticker) from the simulated media host, checking its MAC and hashes.
   */
  download(msg: ReceivedMessage): Buffer {
    const m = msg.message;
    const found: Array<[MediaType, proto.Message.IImageMessage | proto.Message.IAudioMessage | proto.Message.IVideoMessage | proto.Message.IDocumentMessage | proto.Message.IStickerMessage | null | undefined]> = [
      ["image", m.imageMessage],
      ["audio", m.audioMessage],
      ["video", m.videoMessage],
      ["document", m.documentMessage],
      ["sticker", m.stickerMessage],
    ];
    const hit = found.find(([, x]) => !!x);
    if (!hit) throw new Error(`Message ${msg.id} carries no media`);
    const [type, media] = hit;
    const host = this.core.media;
    if (!host) throw new Error("Cannot download: the simulator runs without a media host");
    const blob = host.get(media!.directPath ?? media!.url ?? "");
    if (!blob) throw new Error(`Media of message ${msg.id} was never uploaded to the simulated host`);
    if (media!.fileEncSha256 && !createHash("sha256").update(blob).digest().equals(Buffer.from(media!.fileEncSha256))) {
      throw new Error(`Media of message ${msg.id} does not match its fileEncSha256`);
    }
    const plain = decryptMedia(blob, media!.mediaKey ?? new Uint8Array(), type);
    if (media!.fileSha256 && !createHash("sha256").update(plain).digest().equals(Buffer.from(media!.fileSha256))) {
      throw new Error(`Media of message ${msg.id} does not match its fileSha256`);
    }
    return plain;
  }

  /** Messages this contact decrypted from the client, oldest first. */
  received(): ReceivedMessage[] {
    return this.inbox.all();
  }

  /** Resolves with the first received message matching `pred` (already received or future). */
  waitForMessage(pred: (m: ReceivedMessage) => boolean = () => true, timeoutMs = 10_000): Promise<ReceivedMessage> {
    return this.inbox.waitFor(pred, timeoutMs, `a message at contact ${this.name}`);
  }

  /** Sends a read receipt for messages the client sent to this contact. */
  read(ids: string[]): void {
    this.receipt(ids, "read");
  }

  /** Sends a delivery (no type) or read receipt to the companions. */
  receipt(ids: string[], type?: "read", group?: string): void {
    const [first, ...rest] = ids;
    if (!first) return;
    for (const ref of this.core.companions()) {
      const attrs: Record<string, string> = group ? { from: group, participant: this.address, id: first, t: nowAttr() } : { from: this.address, id: first, t: nowAttr() };
      if (type) attrs.type = type;
      const node: BinaryNode = { tag: "receipt", attrs };
      if (rest.length) node.content = [{ tag: "list", attrs: {}, content: rest.map((id) => ({ tag: "item", attrs: { id } })) }];
      this.core.deliver(ref, node);
    }
  }

  // Message keys inside reactions/edits/revokes are written from the sender's point of view.
  private keyFromOurSide(target: TargetKey): proto.IMessageKey {
    return { remoteJid: pnJid(this.core.self), fromMe: !target.fromMe, id: target.id, participant: target.participant ?? undefined };
  }
}

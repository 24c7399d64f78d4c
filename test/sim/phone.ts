/**
 * The account's primary phone: scans the companion's QR or takes its pairing code, pushes
 * history syncs, sends messages "typed on the phone" (the companion gets a copy), and records
 * what the companion sends to it (its own outgoing messages, fanned out to the phone).
 */
import { Curve, jidDecode } from "@whiskeysockets/baileys";
import type { BinaryNode, proto } from "@whiskeysockets/baileys";
import type { CompanionRef } from "./core.ts";
import { type AppStateAction, type AppStateKey, appStateKeyShareMessage, decodeClientPatches, newAppStateKey } from "./app-state.ts";
import { buildHistorySync, historyNotificationMessage, splitHistory } from "./history.ts";
import type { HistorySpec } from "./history.ts";
import { Inbox } from "./inbox.ts";
import type { ReceivedMessage } from "./inbox.ts";
import { pnJid } from "./model.ts";
import { openKeyBundle, PairingError, parseQr, unwrapWithCode, wrapWithCode } from "./pairing.ts";
import type { SimServer } from "./server.ts";
import { nowAttr } from "./stanzas.ts";
import { encryptPollVote, type SimPoll } from "./poll.ts";

/** Options of a history push. */
export interface PushHistoryOptions {
  /** Split the conversations over this many chunks (default 1). */
  chunks?: number;
  /**
   * Fault: once the client acknowledged this many chunks, drop its connection (no close frame);
   * the remaining chunks wait in the offline queue for its next login.
   */
  dropAfterChunks?: number;
}

/** The fake primary phone of the simulated account. */
export class FakePhone {
  readonly inbox = new Inbox();
  private readonly appStateKeys: AppStateKey[] = [];

  constructor(
    private readonly server: SimServer,
    private readonly initialHistory: () => HistorySpec | false,
  ) {}

  /** The account's user JID (phone number). */
  get jid(): string {
    return pnJid(this.server.self);
  }

  /** Resolves when a client is showing a QR code (waiting to be linked); gives its refs. */
  async waitForQr(timeoutMs = 10_000): Promise<{ refs: string[] }> {
    await this.server.waitUntil(() => this.server.pairingRequests().length > 0, timeoutMs, "a client waiting for a QR scan");
    return { refs: this.server.pairingRequests()[0]!.refs };
  }

  /**
   * Scans a QR string as the phone's camera would (the string Baileys emits in
   * `connection.update.qr`): links the companion, then the server asks it to restart (515).
   */
  async scanQr(qr: string): Promise<void> {
    const data = parseQr(qr);
    const reg = this.server.registrationByRef(data.ref);
    if (!reg) throw new PairingError("Cannot link: no connected client shows this QR ref (expired or unknown)");
    if (!reg.noisePublic.equals(data.noisePublic) || !Buffer.from(reg.keys.identityKey).equals(data.identityPublic)) {
      throw new PairingError("Cannot link: the QR keys do not match the connected client's registration");
    }
    await this.server.completePairing(reg, data.advSecret, this.initialHistory() !== false);
  }

  /**
   * Enters a pairing code on the phone (the code `sock.requestPairingCode()` returned). A wrong
   * code makes the key exchange fail and rejects with PairingError.
   */
  async completePairingCode(code: string, timeoutMs = 10_000): Promise<void> {
    await this.server.waitUntil(() => !!this.server.registrationWithCode(), timeoutMs, "a client asking for a pairing code");
    const reg = this.server.registrationWithCode()!;
    if (jidDecode(reg.codeRequest!.phoneJid)?.user !== this.server.self.pn) {
      throw new PairingError("Cannot enter the code: the client asked to pair with another phone number");
    }
    const companionEphemeral = await unwrapWithCode(code, reg.codeRequest!.wrappedEphemeral);
    const primaryEphemeral = Curve.generateKeyPair();
    const wrapped = await wrapWithCode(code, primaryEphemeral.public);
    const finish = await this.server.codePairingHello(reg, this.server.phone.identity.public, wrapped);
    const bundle = childBytes(finish, "link_code_pairing_wrapped_key_bundle");
    const companionIdentity = childBytes(finish, "companion_identity_public");
    const opened = openKeyBundle({ bundle, primaryEphemeral, companionEphemeralPublic: companionEphemeral, primaryIdentity: this.server.phone.identity });
    if (!opened.companionIdentity.equals(companionIdentity) || !opened.companionIdentity.equals(Buffer.from(reg.keys.identityKey))) {
      throw new PairingError("Cannot finish code pairing: the companion identity does not match its registration");
    }
    await this.server.completePairing(reg, opened.advSecret, this.initialHistory() !== false);
  }

  /** Pushes a history sync (inline payload) to every linked companion. */
  async pushHistory(spec: HistorySpec, opts: PushHistoryOptions = {}): Promise<void> {
    const chunks = splitHistory(spec, opts.chunks ?? 1);
    for (const ref of this.server.companions()) {
      for (let i = 0; i < chunks.length; i++) {
        if (opts.dropAfterChunks !== undefined && i === opts.dropAfterChunks) {
          // Wait for the acks first: a chunk the client decrypted but never surfaced before a
          // drop fails to decrypt on redelivery (the ratchet moved on), which is Baileys' behaviour,
          // not the fault this option simulates.
          await this.server.waitUntil(() => this.server.pending(ref).length === 0, 10_000, "acks of the history chunks sent so far");
          this.server.kick("drop");
        }
        await this.sendToCompanion(ref, historyNotificationMessage(buildHistorySync(chunks[i]!, i + 1)), { category: "peer" });
      }
    }
  }

  /** Pushes the initial history to one newly linked companion (called by the server when it is ready). */
  async pushInitialHistory(ref: CompanionRef): Promise<void> {
    const spec = this.initialHistory();
    if (spec === false) return;
    await this.sendToCompanion(ref, historyNotificationMessage(buildHistorySync({ kind: "INITIAL_BOOTSTRAP", ...spec })), { category: "peer" });
  }

  /**
   * A message the user typed on the phone to `toJid`: the companions receive the phone's copy
   * (a deviceSentMessage), as with a real linked device. Returns the message id.
   */
  async sendText(toJid: string, text: string): Promise<string> {
    const id = this.server.newMessageId();
    for (const ref of this.server.companions()) {
      await this.sendToCompanion(ref, { deviceSentMessage: { destinationJid: toJid, message: { conversation: text } } }, { recipient: toJid }, id);
    }
    return id;
  }

  /**
   * The user votes on the phone on a poll in `chatJid` (`poll.creatorJid` is the account's own JID
   * for its polls): the companions receive the phone's copy, a vote of their own account.
   */
  async vote(chatJid: string, poll: SimPoll, chosen: readonly string[]): Promise<string> {
    const id = this.server.newMessageId();
    const own = poll.creatorJid === this.jid;
    const group = chatJid.endsWith("@g.us");
    const message: proto.IMessage = {
      pollUpdateMessage: {
        pollCreationMessageKey: { remoteJid: chatJid, fromMe: own, id: poll.id, participant: group && !own ? poll.creatorJid : undefined },
        vote: encryptPollVote(poll, this.jid, chosen),
        senderTimestampMs: Date.now(),
      },
    };
    for (const ref of this.server.companions()) {
      await this.sendToCompanion(ref, { deviceSentMessage: { destinationJid: chatJid, message } }, { recipient: chatJid }, id);
    }
    return id;
  }

  /** Shares a fresh app-state key with every companion (as a phone does after linking), so they can change chat state. */
  async shareAppStateKey(): Promise<void> {
    const key = newAppStateKey();
    this.appStateKeys.push(key);
    for (const ref of this.server.companions()) await this.sendToCompanion(ref, appStateKeyShareMessage(key), { category: "peer" });
  }

  /** The chat-state changes (archive, pin, mute, read marks) companions uploaded, decoded as the phone reads them. */
  appStateActions(): Promise<AppStateAction[]> {
    return decodeClientPatches(this.server.clientLog.map((s) => s.node), this.appStateKeys);
  }

  /** Messages the client under test fanned out to the phone (its own sends, unwrapped). */
  received(): ReceivedMessage[] {
    return this.inbox.all();
  }

  /** Resolves with the first message the phone received from the client (past or future) matching `pred`. */
  waitForMessage(pred: (m: ReceivedMessage) => boolean = () => true, timeoutMs = 10_000): Promise<ReceivedMessage> {
    return this.inbox.waitFor(pred, timeoutMs, "a message at the primary phone");
  }

  private async sendToCompanion(ref: CompanionRef, message: proto.IMessage, attrs: Record<string, string>, id = this.server.newMessageId()): Promise<void> {
    const enc = await this.server.encryptForCompanion(this.server.self, ref, message);
    const node: BinaryNode = {
      tag: "message",
      attrs: { from: pnJid(this.server.self), id, t: nowAttr(), type: "text", notify: this.server.self.name, ...attrs },
      content: [{ tag: "enc", attrs: { v: "2", type: enc.type }, content: enc.ciphertext }],
    };
    this.server.deliver(ref, node);
  }
}

function childBytes(node: BinaryNode, tag: string): Buffer {
  const c = Array.isArray(node.content) ? node.content.find((n) => n.tag === tag)?.content : undefined;
  if (!(c instanceof Uint8Array)) throw new PairingError(`Cannot finish code pairing: the companion sent no ${tag}`);
  return Buffer.from(c);
}

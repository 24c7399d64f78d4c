/**
 * A Signal participant played by the simulator (a fake contact's phone, or the account's own
 * primary phone): its own identity, signed pre-key and one-time pre-keys, and Baileys' own
 * Signal repository (libsignal) over an in-memory key store. It encrypts to and decrypts from
 * the Baileys client under test exactly as a real peer would.
 */
import { Curve, DEFAULT_CONNECTION_CONFIG, generateSignalPubKey, proto, unpadRandomMax16, writeRandomPadMax16 } from "@whiskeysockets/baileys";
import type { KeyPair, SignalRepositoryWithLIDStore } from "@whiskeysockets/baileys";
import type { DeviceKeys, KeyBundle } from "./key-bundle.ts";
import { memoryAuthState } from "./memory-auth.ts";
import type { MemoryAuthState } from "./memory-auth.ts";
import { silentLogger } from "./silent-logger.ts";

/** Signal ciphertext type of a 1:1 `<enc>`. */
export type EncType = "pkmsg" | "msg";

const PRE_KEY_BATCH = 10;

/** A simulated Signal device. */
export class SignalParty {
  readonly auth: MemoryAuthState = memoryAuthState();
  readonly repo: SignalRepositoryWithLIDStore;
  /** The public keys the server hands out for this device; pre-keys are refilled on demand. */
  readonly keys: DeviceKeys;
  private nextPreKeyId = 1;

  constructor() {
    this.repo = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds: this.auth.creds, keys: this.auth.keys }, silentLogger);
    const { creds } = this.auth;
    this.keys = {
      registrationId: creds.registrationId,
      identityKey: creds.signedIdentityKey.public,
      signedPreKey: { keyId: creds.signedPreKey.keyId, publicKey: creds.signedPreKey.keyPair.public, signature: creds.signedPreKey.signature },
      preKeys: new Map(),
    };
    this.refill();
  }

  /** The identity key pair (the account key for a primary phone). */
  get identity(): { public: Uint8Array; private: Uint8Array } {
    return this.auth.creds.signedIdentityKey;
  }

  /** Ensures a few one-time pre-keys are available to hand out. */
  refill(): void {
    if (this.keys.preKeys.size >= 2) return;
    const batch: Record<string, KeyPair> = {};
    for (let i = 0; i < PRE_KEY_BATCH; i++) {
      const id = this.nextPreKeyId++;
      const pair = Curve.generateKeyPair();
      batch[id] = pair;
      this.keys.preKeys.set(id, pair.public);
    }
    this.auth.keys.set({ "pre-key": batch });
  }

  /** Starts a session towards `jid` from a bundle the server handed out. */
  async startSession(jid: string, b: KeyBundle): Promise<void> {
    await this.repo.injectE2ESession({
      jid,
      session: {
        registrationId: b.registrationId,
        identityKey: generateSignalPubKey(b.identityKey),
        signedPreKey: { keyId: b.signedPreKey.keyId, publicKey: generateSignalPubKey(b.signedPreKey.publicKey), signature: b.signedPreKey.signature },
        preKey: b.preKey ? { keyId: b.preKey.keyId, publicKey: generateSignalPubKey(b.preKey.publicKey) } : (undefined as never),
      },
    });
  }

  /** True when a session with `jid` exists. */
  async hasSession(jid: string): Promise<boolean> {
    return (await this.repo.validateSession(jid)).exists;
  }

  /** Encrypts a message for `jid` (padded like WhatsApp does). */
  async encrypt(jid: string, message: proto.IMessage): Promise<{ type: EncType; ciphertext: Uint8Array }> {
    const bytes = writeRandomPadMax16(proto.Message.encode(message).finish());
    return this.repo.encryptMessage({ jid, data: bytes });
  }

  /** Decrypts a 1:1 `<enc>` from `jid` and decodes the message. */
  async decrypt(jid: string, type: EncType, ciphertext: Uint8Array): Promise<proto.Message> {
    const plain = await this.repo.decryptMessage({ jid, type, ciphertext });
    this.refill();
    return proto.Message.decode(unpadRandomMax16(plain));
  }

  /** Encrypts a group message as `meJid`; returns the skmsg and the sender-key distribution message. */
  async encryptGroup(group: string, meJid: string, message: proto.IMessage): Promise<{ ciphertext: Uint8Array; skdm: Uint8Array }> {
    const bytes = writeRandomPadMax16(proto.Message.encode(message).finish());
    const r = await this.repo.encryptGroupMessage({ group, meId: meJid, data: bytes });
    return { ciphertext: r.ciphertext, skdm: r.senderKeyDistributionMessage };
  }

  /** Processes a sender-key distribution message received from `authorJid`. */
  async processSenderKey(group: string, authorJid: string, skdm: Uint8Array): Promise<void> {
    await this.repo.processSenderKeyDistributionMessage({ authorJid, item: { groupId: group, axolotlSenderKeyDistributionMessage: skdm } });
  }

  /** Decrypts a group `skmsg` from `authorJid`. */
  async decryptGroup(group: string, authorJid: string, ciphertext: Uint8Array): Promise<proto.Message> {
    const plain = await this.repo.decryptGroupMessage({ group, authorJid, msg: ciphertext });
    return proto.Message.decode(unpadRandomMax16(plain));
  }
}

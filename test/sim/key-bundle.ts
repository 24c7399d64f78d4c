/**
 * Public key material of one device as the server holds it (what `encrypt/get` hands out), and
 * the server-side directory of it. Pre-keys are one-time: each fetch consumes one.
 */
import type { BinaryNode } from "@whiskeysockets/baileys";
import { encodeBigEndian, getBinaryNodeChild, getBinaryNodeChildBuffer, getBinaryNodeChildren, KEY_BUNDLE_TYPE } from "@whiskeysockets/baileys";

/** A signed pre-key (public part). */
export interface SignedPreKeyPublic {
  keyId: number;
  publicKey: Uint8Array; // 32 bytes
  signature: Uint8Array;
}

/** What the server knows about one device's Signal keys. */
export interface DeviceKeys {
  registrationId: number;
  identityKey: Uint8Array; // 32 bytes
  signedPreKey: SignedPreKeyPublic;
  /** Unused one-time pre-keys, id → 32-byte public key, in upload order. */
  preKeys: Map<number, Uint8Array>;
}

/** One fetched bundle: the device keys with at most one one-time pre-key. */
export interface KeyBundle {
  registrationId: number;
  identityKey: Uint8Array;
  signedPreKey: SignedPreKeyPublic;
  preKey?: { keyId: number; publicKey: Uint8Array };
}

/** Takes a bundle, consuming the oldest one-time pre-key (as the real server does). */
export function takeBundle(keys: DeviceKeys): KeyBundle {
  const first = keys.preKeys.entries().next();
  let preKey: KeyBundle["preKey"];
  if (!first.done) {
    const [keyId, publicKey] = first.value;
    keys.preKeys.delete(keyId);
    preKey = { keyId, publicKey };
  }
  return { registrationId: keys.registrationId, identityKey: keys.identityKey, signedPreKey: keys.signedPreKey, preKey };
}

const uint = (b: Uint8Array | undefined): number => {
  if (!b) return 0;
  let n = 0;
  for (const x of b) n = n * 256 + x;
  return n;
};

/** Parses Baileys' `encrypt/set` pre-key upload (`getNextPreKeysNode`). */
export function parsePreKeyUpload(iq: BinaryNode): { registrationId: number; identityKey: Uint8Array; signedPreKey: SignedPreKeyPublic; preKeys: Array<[number, Uint8Array]> } {
  const skey = getBinaryNodeChild(iq, "skey");
  const list = getBinaryNodeChild(iq, "list");
  return {
    registrationId: uint(getBinaryNodeChildBuffer(iq, "registration")),
    identityKey: new Uint8Array(getBinaryNodeChildBuffer(iq, "identity") ?? []),
    signedPreKey: parseSkey(skey),
    preKeys: getBinaryNodeChildren(list, "key").map((k) => [uint(getBinaryNodeChildBuffer(k, "id")), new Uint8Array(getBinaryNodeChildBuffer(k, "value") ?? [])]),
  };
}

/** Parses an `<skey><id/><value/><signature/></skey>` node. */
export function parseSkey(skey: BinaryNode | undefined): SignedPreKeyPublic {
  return {
    keyId: uint(getBinaryNodeChildBuffer(skey, "id")),
    publicKey: new Uint8Array(getBinaryNodeChildBuffer(skey, "value") ?? []),
    signature: new Uint8Array(getBinaryNodeChildBuffer(skey, "signature") ?? []),
  };
}

/** The `<user jid>` node of an `encrypt/get key` answer, the format `parseAndInjectE2ESessions` reads. */
export function bundleUserNode(jid: string, b: KeyBundle): BinaryNode {
  const content: BinaryNode[] = [
    { tag: "registration", attrs: {}, content: encodeBigEndian(b.registrationId, 4) },
    { tag: "type", attrs: {}, content: KEY_BUNDLE_TYPE },
    { tag: "identity", attrs: {}, content: b.identityKey },
    {
      tag: "skey",
      attrs: {},
      content: [
        { tag: "id", attrs: {}, content: encodeBigEndian(b.signedPreKey.keyId, 3) },
        { tag: "value", attrs: {}, content: b.signedPreKey.publicKey },
        { tag: "signature", attrs: {}, content: b.signedPreKey.signature },
      ],
    },
  ];
  if (b.preKey) {
    content.push({
      tag: "key",
      attrs: {},
      content: [
        { tag: "id", attrs: {}, content: encodeBigEndian(b.preKey.keyId, 3) },
        { tag: "value", attrs: {}, content: b.preKey.publicKey },
      ],
    });
  }
  return { tag: "user", attrs: { jid }, content };
}

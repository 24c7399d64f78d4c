/**
 * App state (archive, pin, mute, read marks...) between the phone and its companions: the key
 * the phone shares with a new companion, and the patches a companion uploads, decoded with
 * Baileys' own code the way the phone would read them.
 */
import { decodeSyncdPatch, getBinaryNodeChild, getBinaryNodeChildren, newLTHashState, proto } from "@whiskeysockets/baileys";
import type { BinaryNode } from "@whiskeysockets/baileys";
import { randomBytes } from "node:crypto";

/** One app-state key: id and 32 bytes of key data. */
export interface AppStateKey {
  readonly id: Uint8Array;
  readonly data: Uint8Array;
}

/** One change a companion made, as the phone reads it. */
export interface AppStateAction {
  /** The collection ("regular_low", "regular_high", ...). */
  readonly collection: string;
  /** The mutation index, e.g. ["archive", "4917...@s.whatsapp.net"]. */
  readonly index: string[];
  readonly value: proto.ISyncActionValue;
}

/** A fresh key. */
export function newAppStateKey(): AppStateKey {
  return { id: randomBytes(6), data: randomBytes(32) };
}

/** The protocol message that shares `key` with a companion. */
export function appStateKeyShareMessage(key: AppStateKey): proto.IMessage {
  return {
    protocolMessage: {
      type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
      appStateSyncKeyShare: {
        keys: [{
          keyId: { keyId: key.id },
          keyData: { keyData: key.data, fingerprint: { rawId: 1, currentIndex: 0, deviceIndexes: [0] }, timestamp: Date.now() },
        }],
      },
    },
  };
}

/** The patches in the client's app-state iqs, decoded and checked (MACs) with `keys`, oldest first. */
export async function decodeClientPatches(stanzas: readonly BinaryNode[], keys: readonly AppStateKey[]): Promise<AppStateAction[]> {
  const byId = new Map(keys.map((k) => [Buffer.from(k.id).toString("base64"), k]));
  const getKey = async (id: string) => {
    const k = byId.get(id);
    return k ? proto.Message.AppStateSyncKeyData.fromObject({ keyData: k.data }) : undefined;
  };
  const out: AppStateAction[] = [];
  for (const iq of stanzas) {
    if (iq.tag !== "iq" || iq.attrs.xmlns !== "w:sync:app:state" || iq.attrs.type !== "set") continue;
    for (const col of getBinaryNodeChildren(getBinaryNodeChild(iq, "sync"), "collection")) {
      const patchNode = getBinaryNodeChild(col, "patch");
      if (!(patchNode?.content instanceof Uint8Array)) continue;
      const patch = proto.SyncdPatch.decode(patchNode.content);
      // The server numbers an uploaded patch: one past the version the client says it holds.
      patch.version = { version: Number(col.attrs.version ?? 0) + 1 };
      const name = col.attrs.name ?? "";
      // The phone's state of the collection is not simulated: MACs are checked against a fresh state.
      await decodeSyncdPatch(patch, name as never, newLTHashState(), getKey as never, (m) => {
        out.push({
          collection: name,
          index: [...m.index],
          value: m.syncAction.value ?? {},
        });
      }, true);
    }
  }
  return out;
}

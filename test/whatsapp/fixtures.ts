/**
 * Recorded event SHAPES as real Baileys objects: messages are `proto.WebMessageInfo.fromObject`
 * (so contents are real proto instances and timestamps Longs, as decoded history is), with the
 * plain key object live messages carry (the LID fields `remoteJidAlt`, `participantAlt`,
 * `addressingMode` are not in the proto and Baileys keeps them on a plain key).
 */
import { proto } from "@whiskeysockets/baileys";
import type { WAMessage, WAMessageKey } from "@whiskeysockets/baileys";
import type { MapContext } from "../../src/ids/canonical.ts";

export const ME = "491700000001@s.whatsapp.net";
export const ME_LID = "100000000000001@lid";
export const ALICE = "491711111111@s.whatsapp.net";
export const ALICE_LID = "200000000000002@lid";
export const BOB = "491722222222@s.whatsapp.net";
export const BOB_LID = "300000000000003@lid";
export const GROUP = "120363000000000001@g.us";
/** 2025-01-15T10:00:00Z in seconds. */
export const T0 = 1736935200;

/** A context as the sync actor builds it once linked. */
export function ctx(lidToPn: Record<string, string> = {}): MapContext {
  return { meId: ME, meLid: ME_LID, lidToPn: new Map(Object.entries(lidToPn)) };
}

/** A message: proto-built content and timestamps, plain key (as live Baileys messages have). */
export function wa(obj: Omit<proto.IWebMessageInfo, "key"> & { key: WAMessageKey }): WAMessage {
  const msg = proto.WebMessageInfo.fromObject(obj as Record<string, unknown>) as WAMessage;
  msg.key = { ...obj.key };
  return msg;
}

/** Bytes of a given length (media keys and hashes). */
export function bytes(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

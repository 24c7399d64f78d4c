/**
 * The LID side of a batch, looked at before mapping it: which LID ↔ phone pairs the events
 * reveal (so every row of the batch can use the phone-number JID), and which LIDs they mention
 * without a pair (so the caller can look those up in the stored mapping first).
 */
import type { BaileysEventMap, WAMessageKey } from "@whiskeysockets/baileys";
import { lidPnPair } from "../../ids/canonical.ts";
import { isLidJid, jidOf } from "../../ids/jid.ts";

/** A LID ↔ phone-number pair. */
export interface LidPair {
  lid: string;
  pnJid: string;
}

/** Every pair the batch reveals (keys' alt fields, contacts, chats, participants, mappings). */
export function collectLidPairs(events: Partial<BaileysEventMap>): LidPair[] {
  const out: LidPair[] = [];
  const add = (a: string | null | undefined, b: string | null | undefined) => {
    const p = lidPnPair(a, b);
    if (p) out.push(p);
  };
  const fromKey = (k: WAMessageKey | null | undefined) => {
    if (!k) return;
    add(k.remoteJid, k.remoteJidAlt);
    add(k.participant, k.participantAlt);
  };
  const h = events["messaging-history.set"];
  if (h) {
    for (const m of h.lidPnMappings ?? []) add(m.lid, m.pn);
    for (const c of h.contacts ?? []) add(c.lid, c.phoneNumber), add(c.id, c.lid), add(c.id, c.phoneNumber);
    for (const c of h.chats ?? []) add(c.id, c.pnJid), add(c.id, c.lidJid);
    for (const m of h.messages ?? []) fromKey(m.key);
  }
  const lm = events["lid-mapping.update"];
  if (lm) add(lm.lid, lm.pn);
  for (const c of [...(events["contacts.upsert"] ?? []), ...(events["contacts.update"] ?? [])]) {
    add(c.lid, c.phoneNumber), add(c.id, c.lid), add(c.id, c.phoneNumber);
  }
  for (const c of [...(events["chats.upsert"] ?? []), ...(events["chats.update"] ?? [])]) {
    add(c.id, c.pnJid), add(c.id, c.lidJid);
  }
  for (const m of events["messages.upsert"]?.messages ?? []) fromKey(m.key);
  for (const u of events["messages.update"] ?? []) fromKey(u.key);
  for (const r of events["messages.reaction"] ?? []) fromKey(r.key), fromKey(r.reaction.key as WAMessageKey);
  for (const g of events["groups.upsert"] ?? []) for (const p of g.participants ?? []) add(p.id, p.phoneNumber ?? p.lid);
  for (const p of events["group-participants.update"]?.participants ?? []) {
    if (typeof p === "object") add(p.id, p.phoneNumber ?? p.lid);
  }
  return out;
}

/** LIDs (normalized) the batch mentions as message keys, senders, reactors or participants. */
export function collectLids(events: Partial<BaileysEventMap>): string[] {
  const out = new Set<string>();
  const add = (jid: string | null | undefined) => {
    const n = jidOf(jid);
    if (isLidJid(n)) out.add(n);
  };
  const fromKey = (k: WAMessageKey | null | undefined) => {
    if (!k) return;
    add(k.remoteJid), add(k.participant);
  };
  for (const m of events["messaging-history.set"]?.messages ?? []) fromKey(m.key), add(m.participant);
  for (const c of events["messaging-history.set"]?.chats ?? []) add(c.id);
  for (const m of events["messages.upsert"]?.messages ?? []) fromKey(m.key), add(m.participant);
  for (const u of events["messages.update"] ?? []) fromKey(u.key);
  for (const r of events["messages.reaction"] ?? []) fromKey(r.key), fromKey(r.reaction.key as WAMessageKey);
  for (const r of events["message-receipt.update"] ?? []) fromKey(r.key), add(r.receipt.userJid);
  for (const c of [...(events["chats.upsert"] ?? []), ...(events["chats.update"] ?? [])]) add(c.id);
  for (const id of events["chats.delete"] ?? []) add(id);
  for (const c of [...(events["contacts.upsert"] ?? []), ...(events["contacts.update"] ?? [])]) add(c.id);
  for (const g of events["groups.upsert"] ?? []) for (const p of g.participants ?? []) add(p.id);
  for (const p of events["group-participants.update"]?.participants ?? []) add(typeof p === "string" ? p : p.id);
  return [...out];
}

/**
 * The simulator's world: accounts (phone number + LID), their devices, and how a JID names
 * one of them. Pure data and lookups, no I/O.
 */
import { jidDecode, jidEncode } from "@whiskeysockets/baileys";
import type { DeviceKeys } from "./key-bundle.ts";
import type { SignalParty } from "./signal-party.ts";

/** How an account addresses 1:1 stanzas it originates: by phone-number JID or by LID. */
export type Addressing = "pn" | "lid";

/** One device of an account. Either played by the simulator (`party`) or a real client (companion). */
export interface Device {
  readonly id: number;
  keys: DeviceKeys;
  readonly party?: SignalParty;
  /** Companion devices only: the client's static noise key, checked at login. */
  noisePublic?: Uint8Array;
  /** Companion devices only: the phone should push the initial history once the device is ready. */
  historyPending?: boolean;
  /** Companion devices only: the key-index given at pairing. */
  keyIndex?: number;
}

/** A WhatsApp account. */
export interface Account {
  /** Phone number digits (the PN JID user). */
  readonly pn: string;
  /** LID digits (the LID JID user). */
  readonly lid: string;
  readonly name: string;
  readonly addressing: Addressing;
  readonly devices: Map<number, Device>;
  /** What WhatsApp shows about the account to others (profile, presence); set by tests. */
  readonly profile: SimProfile;
}

/** A simulated account's public face: about text, picture, business profile, presence and what it hides. */
export interface SimProfile {
  about?: string;
  aboutSetAt?: number;
  /** Privacy: the about text is hidden (WhatsApp answers 401 for it). */
  hideAbout?: boolean;
  /** The preview picture's bytes (served from the simulated media host). */
  picture?: Uint8Array;
  business?: { description: string; category?: string; email?: string; website?: string };
  /**
   * The answer to a presence subscription: online, or offline with a last-seen instant (ms), or
   * offline with last seen hidden; no answer at all when unset.
   */
  presence?: { state: "available" | "unavailable"; lastSeen?: number; hideLastSeen?: boolean };
}

/** The phone-number JID of an account, optionally of one device. */
export const pnJid = (a: Account, device?: number): string => jidEncode(a.pn, "s.whatsapp.net", device || undefined);
/** The LID JID of an account, optionally of one device. */
export const lidJid = (a: Account, device?: number): string => jidEncode(a.lid, "lid", device || undefined);

/** Registry of accounts by PN and LID user. */
export class Directory {
  private readonly byUser = new Map<string, Account>();
  private nextLid = 100000000000001;

  /** Creates and registers an account. */
  add(pn: string, name: string, addressing: Addressing = "pn"): Account {
    if (!/^\d{6,15}$/.test(pn)) throw new Error(`Cannot create account: phone number must be 6-15 digits, got "${pn}"`);
    if (this.byUser.has(pn)) throw new Error(`Cannot create account: ${pn} already exists`);
    const lid = String(this.nextLid++);
    const a: Account = { pn, lid, name, addressing, devices: new Map(), profile: {} };
    this.byUser.set(pn, a);
    this.byUser.set(lid, a);
    return a;
  }

  /** The account a phone number belongs to. */
  byPn(pn: string): Account | undefined {
    const a = this.byUser.get(pn);
    return a?.pn === pn ? a : undefined;
  }

  /** Resolves a user JID (PN or LID, with or without device) to its account and device id. */
  resolve(jid: string): { account: Account; device: number; server: "s.whatsapp.net" | "lid" } | undefined {
    const d = jidDecode(jid);
    if (!d || (d.server !== "s.whatsapp.net" && d.server !== "lid")) return undefined;
    const account = this.byUser.get(d.user);
    if (!account) return undefined;
    if ((d.server === "lid") !== (account.lid === d.user)) return undefined;
    return { account, device: d.device ?? 0, server: d.server };
  }
}

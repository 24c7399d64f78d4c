/**
 * The narrow interface the simulated parties (contacts, groups, primary phone) use to reach the
 * server core. Types only, so that `server.ts` can build parties without an import cycle.
 */
import type { BinaryNode, proto } from "@whiskeysockets/baileys";
import type { Account, Device } from "./model.ts";
import type { EncType } from "./signal-party.ts";

/** A group the simulator hosts. */
export interface GroupInfo {
  readonly jid: string;
  subject: string;
  readonly creation: number;
  readonly creator: Account;
  readonly participants: Account[];
  readonly addressing: "pn" | "lid";
  /** Members with admin rights besides the creator (superadmin). */
  admins?: Set<Account>;
  description?: string;
  descId?: string;
  /** The current invite code, made on first request. */
  inviteCode?: string;
}

/** Where a companion device can be reached. */
export interface CompanionRef {
  /** The companion's PN device JID (the address simulated parties use for it). */
  readonly jid: string;
  readonly device: Device;
}

/** Server services the simulated parties use. */
export interface SimCore {
  readonly self: Account;
  /** The self account's companion devices (the linked clients), online or not. */
  companions(): CompanionRef[];
  /** Encrypts `message` from `party` (device 0 of `from`) to companion `to`, starting a session from the key server if needed. */
  encryptForCompanion(from: Account, to: CompanionRef, message: proto.IMessage): Promise<{ type: EncType; ciphertext: Uint8Array }>;
  /** Delivers a stanza to a companion device now, or when it next logs in; it stays queued until the client acks it. */
  deliver(to: CompanionRef, node: BinaryNode): void;
  /** Tells the companions of a group change by `actor` (a `w:gp2` notification carrying `change`). */
  notifyGroup(g: GroupInfo, actor: Account, change: BinaryNode): void;
  /** A fresh message id in WhatsApp's style. */
  newMessageId(): string;
  /** The HTTPS media host, if started. */
  readonly media?: MediaHost;
}

/** The simulated media CDN (encrypted blobs by path). */
export interface MediaHost {
  /** "127.0.0.1:port" */
  readonly host: string;
  /** Stores an encrypted blob; returns its direct path (starting with "/"). */
  put(bytes: Uint8Array, kind: string): string;
  /** Reads a stored blob by direct path or full URL. */
  get(pathOrUrl: string): Uint8Array | undefined;
}

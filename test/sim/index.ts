/**
 * Local WhatsApp Web simulator for end-to-end tests of real Baileys.
 *
 * @example
 * ```ts
 * import "../sim/preload.ts"; // first: trust the simulator's TEST root key
 * import { startSimulator, baileysTestConfig, memoryAuthState } from "../sim/index.ts";
 * const sim = await startSimulator();
 * const sock = makeWASocket({ ...baileysTestConfig(sim), auth: memoryAuthState(), logger });
 * sock.ev.on("connection.update", ({ qr }) => qr && sim.phone.scanQr(qr));
 * // → 515 restart; reconnect with the same auth → connection: "open"
 * const alice = sim.contact("15551230001", { name: "Alice" });
 * await alice.sendText("hi");
 * await sim.close();
 * ```
 */
import type { KeyPair } from "@whiskeysockets/baileys";
import { FakeContact } from "./contact.ts";
import type { GroupInfo } from "./core.ts";
import { FakeGroup } from "./group.ts";
import type { HistorySpec } from "./history.ts";
import { startMediaServer } from "./media-server.ts";
import type { MediaServer } from "./media-server.ts";
import { trustMediaOrigin } from "./media-trust.ts";
import type { Account, Addressing } from "./model.ts";
import { pnJid } from "./model.ts";
import { FakePhone } from "./phone.ts";
import type { PushHistoryOptions } from "./phone.ts";
import { SignalParty } from "./signal-party.ts";
import { SimServer } from "./server.ts";
import { unrefPendingTimers } from "./timer-hygiene.ts";
import type { ClientStanza, Faults } from "./server.ts";

export { baileysTestConfig, SIM_WA_VERSION } from "./config.ts";
export type { FakeContact, SentMessage, SimMediaKind, TargetKey } from "./contact.ts";
export type { FakeGroup } from "./group.ts";
export type { FakePhone, PushHistoryOptions } from "./phone.ts";
export type { AppStateAction } from "./app-state.ts";
export type { HistoryConversation, HistorySpec, SimpleHistoryMessage } from "./history.ts";
export type { ReceivedMessage } from "./inbox.ts";
export { SimTimeoutError } from "./inbox.ts";
export { memoryAuthState, memoryKeyStore } from "./memory-auth.ts";
export type { MemoryAuthState, MemoryKeyStore } from "./memory-auth.ts";
export { MEDIA_TEST_CA } from "./media-cert.ts";
export { decryptMedia, encryptMedia } from "./media-crypto.ts";
export { PairingError } from "./pairing.ts";
export type { SimPoll } from "./poll.ts";
export type { SimProfile } from "./model.ts";
export type { ClientStanza, Faults } from "./server.ts";

/** Options of `startSimulator`. */
export interface SimulatorOptions {
  /** The account's phone number digits (default "15550000001"). */
  phoneNumber?: string;
  /** The account's push name (default "Sim User"). */
  pushName?: string;
  /** Primary phone platform reported at pairing (default "android"). */
  platform?: string;
  /** QR refs offered per pairing attempt (default 6, like WhatsApp: 60 s + 5 × 20 s). */
  qrRefCount?: number;
  /**
   * History the phone pushes (inline INITIAL_BOOTSTRAP) to a newly linked companion once it has
   * uploaded its keys; default: an empty one. `false`: push nothing (Baileys then waits ~20 s
   * for history before flushing its first events).
   */
  initialHistory?: HistorySpec | false;
  /** Start the HTTPS media host (test certificate) for image/voice tests (default false). */
  media?: boolean;
  /**
   * The key signing the noise certificate chain's intermediate (default: the TEST root that
   * preload.ts makes Baileys trust). Another key plays a server that is not WhatsApp.
   */
  certRootKey?: KeyPair;
  /** The phone signs pair-success with a key other than its account key (a forged account signature). */
  forgeAccountSignature?: boolean;
}

/** A running simulator. */
export interface Sim {
  /** ws://127.0.0.1:PORT/ws/chat — pass as `waWebSocketUrl` (see `baileysTestConfig`). */
  readonly url: string;
  /** https://127.0.0.1:PORT of the media host, when started with `{ media: true }`. */
  readonly mediaUrl?: string;
  /** The simulated account's user JID (phone number). */
  readonly jid: string;
  /** The account's primary phone (pairing, history, its own messages). */
  readonly phone: FakePhone;
  /** Fault switches (mutable). */
  readonly faults: Faults;
  /** Gets or creates a contact with this phone number. */
  contact(phoneDigits: string, opts?: { name?: string; addressing?: Addressing }): FakeContact;
  /** Creates a group with the account and `members`. */
  group(subject: string, members: FakeContact[], opts?: { addressing?: Addressing; withAccount?: boolean }): FakeGroup;
  /** The server's state of a group (also of groups the client created), or undefined. */
  groupState(jid: string): Readonly<GroupInfo> | undefined;
  /** Pushes a history sync from the phone to every linked companion. */
  pushHistory(spec: HistorySpec, opts?: PushHistoryOptions): Promise<void>;
  /** Resolves once a companion is logged in (after `success`). */
  waitForLogin(timeoutMs?: number): Promise<void>;
  /** Every logged-in companion session, oldest first (login and close instants, replaced or not). */
  sessionLog(): Array<{ device: string; openedAt: number; closedAt: number | null; replaced: boolean }>;
  /** The phone unlinks every companion: live sessions get stream error 401 (device_removed), later logins `failure 401`. */
  logout(): void;
  /** Another session took over: stream error conflict/replaced (Baileys: 440). */
  replaceConnection(): void;
  /** Drops the TCP connections without a close frame (network loss; Baileys: 428). */
  dropConnection(): void;
  /**
   * Sends a bad frame to the logged-in companions: "stanza" decrypts fine but is not a binary
   * node; "cipher" fails noise decryption, after which the client can read nothing more.
   */
  sendMalformedFrame(kind?: "stanza" | "cipher"): void;
  /** Resolves with the first stanza a client sent (past or future) matching `pred`, once the server handled it. */
  waitForStanza(pred: (s: ClientStanza) => boolean, timeoutMs?: number): Promise<ClientStanza>;
  /** Everything the clients sent after the handshake (iqs, receipts, acks, messages...). */
  clientStanzas(): ClientStanza[];
  /** Stanzas delivered to the linked companions and not yet acknowledged by them. */
  pendingDeliveries(): number;
  /** Resolves once every delivered stanza was acknowledged (receipt or ack) by the client. */
  waitForAcks(timeoutMs?: number): Promise<void>;
  /** Decryption failures of simulated parties (a healthy run has none). */
  readonly errors: readonly string[];
  /** The account's block list as WhatsApp holds it (phone digits), changed by the client's block/unblock. */
  blocklist(): string[];
  /** Typing states the client sent to `jid` (a person or group), oldest first: "composing", "recording", "paused". */
  chatStatesTo(jid: string): string[];
  /** The availability the client announced ("available" / "unavailable"), oldest first. */
  availability(): string[];
  /** Number of uploads the media host received. */
  mediaUploads(): number;
  /** Stops everything. */
  close(): Promise<void>;
}

/** Starts a simulator on 127.0.0.1 (ephemeral ports). */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Sim> {
  const media: MediaServer | undefined = opts.media ? await startMediaServer("sim-media-auth") : undefined;
  // Downloads go through global fetch: trust the test CA for the media origin only, in this process.
  const untrust = media ? trustMediaOrigin(media.url) : undefined;
  const contacts = new Map<Account, FakeContact>();
  const groups = new Map<string, FakeGroup>();
  let phone: FakePhone | undefined;
  const server: SimServer = new SimServer({
    phoneNumber: opts.phoneNumber ?? "15550000001",
    pushName: opts.pushName ?? "Sim User",
    platform: opts.platform ?? "android",
    qrRefCount: opts.qrRefCount ?? 6,
    media,
    certRootKey: opts.certRootKey,
    forgeAccountSignature: opts.forgeAccountSignature,
    onCompanionReady: (ref) => {
      phone?.pushInitialHistory(ref).catch((err: Error) => server.errors.push(`initial history push failed: ${err.message}`));
    },
    onDelivered: ({ account, msg }) => {
      if (account === server.self) {
        phone?.inbox.push(msg);
        return;
      }
      const c = contacts.get(account);
      if (!c) return;
      c.inbox.push(msg);
      if (msg.group) {
        if (msg.encType === "skmsg") groups.get(msg.group)?.inbox.push(msg);
        if (c.autoReceipt && msg.encType === "skmsg") c.receipt([msg.id], undefined, msg.group);
      } else if (c.autoReceipt) {
        c.receipt([msg.id]);
      }
    },
  });
  phone = new FakePhone(server, () => (opts.initialHistory === undefined ? {} : opts.initialHistory));
  await server.start();
  let groupSeq = 0;

  const sim: Sim = {
    url: server.url,
    mediaUrl: media?.url,
    jid: pnJid(server.self),
    phone,
    faults: server.faults,
    contact(phoneDigits, o = {}) {
      const existing = server.dir.byPn(phoneDigits);
      if (existing) {
        const c = contacts.get(existing);
        if (!c) throw new Error(`Cannot use ${phoneDigits} as a contact: it is the simulated account itself`);
        return c;
      }
      const account = server.dir.add(phoneDigits, o.name ?? `Contact ${phoneDigits.slice(-4)}`, o.addressing ?? "pn");
      const party = new SignalParty();
      account.devices.set(0, { id: 0, keys: party.keys, party });
      const c = new FakeContact(server, account);
      contacts.set(account, c);
      return c;
    },
    group(subject, members, o = {}) {
      const jid = `120363${String(Date.now()).slice(-8)}${String(groupSeq++).padStart(4, "0")}@g.us`;
      const info: GroupInfo = {
        jid,
        subject,
        creation: Math.floor(Date.now() / 1000),
        creator: members[0]?.account ?? server.self,
        participants: [...(o.withAccount === false ? [] : [server.self]), ...members.map((m) => m.account)],
        addressing: o.addressing ?? "pn",
      };
      server.groups.set(jid, info);
      const g = new FakeGroup(server, info);
      groups.set(jid, g);
      return g;
    },
    groupState: (jid) => server.groups.get(jid),
    pushHistory: (spec, o) => phone!.pushHistory(spec, o),
    waitForLogin: (timeoutMs = 10_000) => server.waitUntil(() => server.isOnline(), timeoutMs, "a companion login"),
    sessionLog: () => server.sessions.map(({ device, openedAt, closedAt, replaced }) => ({ device, openedAt, closedAt, replaced })),
    logout: () => server.kick("removed"),
    replaceConnection: () => server.kick("replaced"),
    dropConnection: () => server.kick("drop"),
    sendMalformedFrame: (kind = "stanza") => server.sendMalformedFrame(kind),
    async waitForStanza(pred, timeoutMs = 10_000) {
      await server.waitUntil(() => server.clientLog.some(pred), timeoutMs, "a matching client stanza");
      return server.clientLog.find(pred)!;
    },
    clientStanzas: () => [...server.clientLog],
    pendingDeliveries: () => server.companions().reduce((n, ref) => n + server.pending(ref).length, 0),
    waitForAcks: (timeoutMs = 10_000) =>
      server.waitUntil(() => server.companions().every((ref) => server.pending(ref).length === 0), timeoutMs, "the client to acknowledge every delivery"),
    errors: server.errors,
    mediaUploads: () => media?.uploads ?? 0,
    blocklist: () => [...server.blocked].map((a) => a.pn),
    chatStatesTo(jid) {
      const target = server.dir.resolve(jid)?.account;
      return server.clientLog.map((s) => s.node).filter((n) => n.tag === "chatstate" && (n.attrs.to === jid || (!!target && server.dir.resolve(n.attrs.to ?? "")?.account === target)))
        .map((n) => {
          const c = Array.isArray(n.content) ? n.content[0] : undefined;
          return c?.tag === "composing" && c.attrs.media === "audio" ? "recording" : c?.tag ?? "";
        });
    },
    availability: () => server.clientLog.map((s) => s.node).filter((n) => n.tag === "presence" && !n.attrs.to && n.attrs.type).map((n) => n.attrs.type!),
    async close() {
      await server.close();
      await media?.close();
      untrust?.();
      unrefPendingTimers();
    },
  };
  return sim;
}

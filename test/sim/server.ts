/**
 * The simulated WhatsApp Web server: accepts Baileys connections on ws://127.0.0.1:PORT/ws/chat,
 * runs the noise handshake, registers new companions (QR and pairing-code flows, driven by the
 * fake phone), logs known companions in, answers iqs, routes the client's messages to the
 * simulated parties and delivers theirs, with an offline queue that keeps stanzas until the
 * client acknowledges them. Fault hooks: delayed iq answers, dropped connections, bad frames.
 */
import { randomBytes } from "node:crypto";
import { Curve, getBinaryNodeChild, getBinaryNodeChildren } from "@whiskeysockets/baileys";
import type { BinaryNode, KeyPair, proto } from "@whiskeysockets/baileys";
import { Connection } from "./connection.ts";
import type { CompanionRef, GroupInfo, MediaHost, SimCore } from "./core.ts";
import { SimTimeoutError } from "./inbox.ts";
import { answerIq } from "./iq-handlers.ts";
import type { DeviceKeys } from "./key-bundle.ts";
import { takeBundle } from "./key-bundle.ts";
import type { Account, Device } from "./model.ts";
import { Directory, lidJid, pnJid } from "./model.ts";
import type { ClientHello } from "./noise.ts";
import { makeDeviceIdentity, PairingError, verifyDeviceSign } from "./pairing.ts";
import { makeCertChain } from "./root-key.ts";
import type { Delivered } from "./routing.ts";
import { routeClientMessage } from "./routing.ts";
import { SignalParty } from "./signal-party.ts";
import { ack, failure, iqError, iqResult, nowAttr, offlineDone, pairDevice, pairSuccess, streamError, success } from "./stanzas.ts";
import { listenWebSocket } from "./ws.ts";
import type { ListeningServer } from "./ws.ts";

/** A companion registration waiting to be paired (from the ClientPayload's devicePairingData). */
interface Registration {
  readonly conn: Connection;
  readonly noisePublic: Buffer;
  readonly keys: DeviceKeys;
  readonly refs: string[];
  /** Set by the client's `companion_hello` when it asked for a pairing code. */
  codeRequest?: { wrappedEphemeral: Uint8Array; phoneJid: string; ref: string };
  /** Resolves the phone's wait for the client's `companion_finish`. */
  onCompanionFinish?: (node: BinaryNode) => void;
  /** Fails that wait when the connection goes away. */
  onClosed?: () => void;
}

/** Injected faults (all off by default). */
export interface Faults {
  /** Delay before answering client iqs, in ms (0 = answer at once). */
  iqDelayMs: number;
  /** Only delay iqs of these namespaces (empty = all). */
  iqDelayXmlns: string[];
  /**
   * The oldest WhatsApp Web version accepted (as after a WhatsApp version bump): an older
   * client's login or pairing gets `failure 405` ("client outdated"). Unset: any version.
   */
  minClientVersion?: readonly [number, number, number] | null;
}

/** True when `v` is older than `min` (component-wise, most significant first). */
export function olderVersion(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const a = v[i] ?? 0;
    if (a !== min[i]) return a < min[i]!;
  }
  return false;
}

/** Something the client sent, kept for assertions. */
export interface ClientStanza {
  readonly device?: string;
  readonly node: BinaryNode;
}

/** Server construction options. */
export interface ServerOptions {
  phoneNumber: string;
  pushName: string;
  platform: string;
  qrRefCount: number;
  media?: MediaHost;
  /** The key that signs the noise certificate's intermediate (default: the TEST root Baileys trusts in tests). */
  certRootKey?: KeyPair;
  /** Sign the pairing's account signature with a key other than the one it names (a forged pair-success). */
  forgeAccountSignature?: boolean;
  /** Called when a new companion logs in for the first time and is ready for the phone's initial history. */
  onCompanionReady(ref: CompanionRef): void;
  /** Inbox hook: a simulated account decrypted something from the client. */
  onDelivered(d: Delivered): void;
}

const REF_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const makeRef = () => "2@" + Array.from(randomBytes(48), (b) => REF_ALPHABET[b % 64]).join("");

/** One logged-in session of a companion device (see `SimServer.sessions`). */
export interface SessionRecord {
  device: string;
  conn: unknown;
  openedAt: number;
  closedAt: number | null;
  replaced: boolean;
}

/** The server core. */
export class SimServer implements SimCore {
  readonly dir = new Directory();
  readonly self: Account;
  readonly phone: SignalParty = new SignalParty();
  readonly groups = new Map<string, GroupInfo>();
  readonly faults: Faults = { iqDelayMs: 0, iqDelayXmlns: [] };
  /** Everything clients sent after the handshake, in order, each added once handled. */
  readonly clientLog: ClientStanza[] = [];
  /** The simulated account's block list. */
  readonly blocked = new Set<Account>();
  /** Decryption failures of simulated parties (a healthy run has none). */
  readonly errors: string[] = [];
  /**
   * Every logged-in session of a companion device: when it logged in and when its connection
   * closed (null while open), and whether a newer login replaced it (stream error "replaced").
   * Lets a test prove two clients never held one device's session at once.
   */
  readonly sessions: SessionRecord[] = [];
  readonly media?: MediaHost;
  private readonly staticKey: KeyPair = Curve.generateKeyPair();
  private readonly certChain: Uint8Array;
  private readonly connections = new Set<Connection>();
  private readonly online = new Map<string, Connection>();
  private readonly outbox = new Map<string, Map<string, BinaryNode>>();
  private readonly registrations = new Map<Connection, Registration>();
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  private ws?: ListeningServer;
  private msgSeq = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly opts: ServerOptions) {
    this.self = this.dir.add(opts.phoneNumber, opts.pushName);
    this.self.devices.set(0, { id: 0, keys: this.phone.keys, party: this.phone });
    this.media = opts.media;
    this.certChain = makeCertChain(this.staticKey.public, opts.certRootKey);
  }

  /** ws://127.0.0.1:PORT/ws/chat */
  get url(): string {
    if (!this.ws) throw new Error("Simulator is not listening: call start() first");
    return `ws://127.0.0.1:${this.ws.port}/ws/chat`;
  }

  /** Starts listening. */
  async start(): Promise<void> {
    this.ws = await listenWebSocket("/ws/chat", (socket) => {
      const conn = new Connection(socket, this.staticKey, this.certChain, {
        onHello: (c, h) => this.onHello(c, h),
        onNode: (c, n) => this.onNode(c, n),
        onClose: (c) => this.onClose(c),
      });
      this.connections.add(conn);
    });
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.connections) c.terminate();
    await this.ws?.close();
  }

  // ---- SimCore -------------------------------------------------------------

  companions(): CompanionRef[] {
    return [...this.self.devices.values()].filter((d) => d.id !== 0).map((device) => ({ jid: pnJid(this.self, device.id), device }));
  }

  async encryptForCompanion(from: Account, to: CompanionRef, message: proto.IMessage) {
    const party = from.devices.get(0)?.party;
    if (!party) throw new Error(`Account ${from.pn} has no simulated primary device`);
    if (!(await party.hasSession(to.jid))) {
      if (to.device.keys.preKeys.size === 0 && !to.device.keys.signedPreKey.publicKey.length) {
        throw new Error(`Cannot encrypt to ${to.jid}: the client has not uploaded keys yet`);
      }
      await party.startSession(to.jid, takeBundle(to.device.keys));
    }
    return party.encrypt(to.jid, message);
  }

  deliver(to: CompanionRef, node: BinaryNode): void {
    const key = pnJid(this.self, to.device.id);
    const id = node.attrs.id ?? "";
    let box = this.outbox.get(key);
    if (!box) this.outbox.set(key, (box = new Map()));
    box.set(`${node.tag}:${id}`, node);
    this.online.get(key)?.send(node);
  }

  notifyGroup(g: GroupInfo, actor: Account, change: BinaryNode): void {
    const id = this.newMessageId();
    const who: Record<string, string> = g.addressing === "lid" ? { participant: lidJid(actor), participant_pn: pnJid(actor) } : { participant: pnJid(actor) };
    for (const ref of this.companions()) {
      this.deliver(ref, { tag: "notification", attrs: { from: g.jid, type: "w:gp2", id, t: nowAttr(), ...who }, content: [change] });
    }
  }

  newMessageId(): string {
    return "3EB0" + randomBytes(8).toString("hex").toUpperCase() + (this.msgSeq++).toString(16).toUpperCase();
  }

  // ---- queries for the facade ------------------------------------------------

  /** True when some companion of the account is connected and logged in. */
  isOnline(): boolean {
    return [...this.online.values()].some((c) => !c.closed);
  }

  /** Stanzas delivered to a companion that it has not acknowledged yet. */
  pending(ref: CompanionRef): BinaryNode[] {
    return [...(this.outbox.get(ref.jid)?.values() ?? [])];
  }

  /** Resolves when `check()` becomes true (re-checked after every server event). */
  waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new SimTimeoutError(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ check, resolve: done });
    });
  }

  /** Connections currently waiting for a QR scan or a pairing code. */
  pairingRequests(): Array<{ refs: string[]; codeRequested: boolean }> {
    return [...this.registrations.values()].filter((r) => !r.conn.closed).map((r) => ({ refs: r.refs, codeRequested: !!r.codeRequest }));
  }

  // ---- pairing (driven by the fake phone) -------------------------------------

  /** Finds the registration a QR ref belongs to. */
  registrationByRef(ref: string): Registration | undefined {
    for (const r of this.registrations.values()) if (!r.conn.closed && r.refs.includes(ref)) return r;
    return undefined;
  }

  /** The registration that asked for a pairing code (most recent first). */
  registrationWithCode(): Registration | undefined {
    return [...this.registrations.values()].reverse().find((r) => !r.conn.closed && r.codeRequest);
  }

  /**
   * Completes pairing on `reg`'s connection: sends pair-success signed with the phone's account
   * key, checks the companion's signature, registers the device, then asks for a restart (515).
   */
  async completePairing(reg: Registration, advSecret: Uint8Array, historyPending: boolean): Promise<CompanionRef> {
    const used = new Set(this.self.devices.keys());
    let id = 1;
    while (used.has(id)) id++;
    const keyIndex = id;
    const deviceIdentity = makeDeviceIdentity({
      accountKey: this.phone.identity,
      companionIdentity: reg.keys.identityKey,
      keyIndex,
      advSecret,
      signingKey: this.opts.forgeAccountSignature ? Curve.generateKeyPair() : undefined,
    });
    const reply = await reg.conn
      .query(pairSuccess(reg.conn.newId("pair"), { deviceIdentity, keyIndex, platform: this.opts.platform, jid: pnJid(this.self, id), lid: lidJid(this.self, id) }))
      .catch((err: Error) => {
        throw new PairingError(`The companion did not accept pair-success: ${err.message}`);
      });
    const signed = getBinaryNodeChild(getBinaryNodeChild(reply, "pair-device-sign"), "device-identity")?.content;
    if (!(signed instanceof Uint8Array) || !verifyDeviceSign(signed, reg.keys.identityKey, this.phone.identity.public)) {
      reg.conn.send(streamError(401));
      throw new PairingError("The companion answered pair-success without a valid device signature");
    }
    const device: Device = { id, keys: reg.keys, noisePublic: reg.noisePublic, historyPending, keyIndex };
    this.self.devices.set(id, device);
    this.registrations.delete(reg.conn);
    // Like WhatsApp: ask the client to reconnect and log in with its new credentials.
    reg.conn.send(streamError(515));
    this.closeSoon(reg.conn);
    this.notify();
    return { jid: pnJid(this.self, id), device };
  }

  /** Sends the primary_hello notification of code pairing and waits for the client's companion_finish. */
  async codePairingHello(reg: Registration, primaryIdentity: Uint8Array, wrappedPrimaryEphemeral: Uint8Array): Promise<BinaryNode> {
    const req = reg.codeRequest!;
    const finish = new Promise<BinaryNode>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PairingError("The client did not finish code pairing within 15 s")), 15_000);
      reg.onCompanionFinish = (node) => {
        clearTimeout(timer);
        resolve(node);
      };
      reg.onClosed = () => {
        clearTimeout(timer);
        reject(new PairingError("The client disconnected before finishing code pairing"));
      };
    });
    const node: BinaryNode = {
      tag: "notification",
      attrs: { from: "s.whatsapp.net", type: "link_code_companion_reg", id: reg.conn.newId("lc"), t: nowAttr() },
      content: [
        {
          tag: "link_code_companion_reg",
          attrs: { stage: "primary_hello" },
          content: [
            { tag: "link_code_pairing_ref", attrs: {}, content: Buffer.from(req.ref) },
            { tag: "primary_identity_pub", attrs: {}, content: primaryIdentity },
            { tag: "link_code_pairing_wrapped_primary_ephemeral_pub", attrs: {}, content: wrappedPrimaryEphemeral },
          ],
        },
      ],
    };
    reg.conn.send(node);
    return finish;
  }

  // ---- faults ----------------------------------------------------------------------

  /** Ends every logged-in companion session: `how` = "drop" (network loss), "replaced" (440), "removed" (401, unlinked by the phone). */
  kick(how: "drop" | "replaced" | "removed"): void {
    for (const conn of this.online.values()) {
      if (how === "drop") conn.terminate();
      else {
        const reason = how === "replaced" ? streamError(undefined, { tag: "conflict", attrs: { type: "replaced" } }) : streamError(401, { tag: "conflict", attrs: { type: "device_removed" } });
        conn.send(reason);
        this.closeSoon(conn);
      }
    }
    if (how === "removed") {
      // Unlinking removes every companion, connected or not.
      for (const id of [...this.self.devices.keys()]) if (id !== 0) this.self.devices.delete(id);
      this.outbox.clear();
    }
  }

  /**
   * Sends a bad frame to each logged-in companion: "stanza" = properly encrypted bytes that are
   * not a binary node; "cipher" = bytes that fail noise decryption (the client's read counter
   * then no longer matches ours, so it cannot read anything after it).
   */
  sendMalformedFrame(kind: "stanza" | "cipher"): void {
    for (const conn of this.online.values()) {
      if (kind === "stanza") conn.sendFrame(Buffer.from([0x00, 0xf8, 0xff, 0x13, 0x37, 0xee]));
      else conn.sendUnencryptedFrame(randomBytes(40));
    }
  }

  // ---- connection events -------------------------------------------------------------

  private async onHello(conn: Connection, hello: ClientHello): Promise<void> {
    const p = hello.payload;
    const min = this.faults.minClientVersion;
    const av = p.userAgent?.appVersion;
    if (min && olderVersion([av?.primary ?? 0, av?.secondary ?? 0, av?.tertiary ?? 0], min)) {
      conn.send(failure(405));
      this.closeSoon(conn);
      return;
    }
    if (p.devicePairingData) return this.startRegistration(conn, hello);
    const pn = String(p.username ?? "");
    const account = this.dir.byPn(pn);
    const device = account?.devices.get(p.device ?? 0);
    if (!account || account !== this.self || !device?.noisePublic || !Buffer.from(device.noisePublic).equals(hello.noisePublic)) {
      conn.send(failure(401));
      this.closeSoon(conn);
      return;
    }
    const key = pnJid(account, device.id);
    const previous = this.online.get(key);
    if (previous && previous !== conn && !previous.closed) {
      const open = this.sessions.find((r) => r.conn === previous && r.closedAt === null);
      if (open) open.replaced = true;
      previous.send(streamError(undefined, { tag: "conflict", attrs: { type: "replaced" } }));
      this.closeSoon(previous);
    }
    this.sessions.push({ device: key, conn, openedAt: Date.now(), closedAt: null, replaced: false });
    conn.deviceKey = key;
    conn.deviceId = device.id;
    this.online.set(key, conn);
    conn.send(success(lidJid(account, device.id)));
    // Redeliver everything not acknowledged yet, marked offline, then close the offline queue.
    const queued = [...(this.outbox.get(key)?.values() ?? [])];
    for (const n of queued) conn.send({ ...n, attrs: { ...n.attrs, offline: "1" } });
    conn.send(offlineDone(queued.length));
    if (device.historyPending && device.keys.preKeys.size > 0) this.companionReady(device);
    this.notify();
  }

  private startRegistration(conn: Connection, hello: ClientHello): void {
    const d = hello.payload.devicePairingData!;
    const uint = (b?: Uint8Array | null) => (b ? [...b].reduce((n, x) => n * 256 + x, 0) : 0);
    const reg: Registration = {
      conn,
      noisePublic: hello.noisePublic,
      keys: {
        registrationId: uint(d.eRegid),
        identityKey: new Uint8Array(d.eIdent ?? []),
        signedPreKey: { keyId: uint(d.eSkeyId), publicKey: new Uint8Array(d.eSkeyVal ?? []), signature: new Uint8Array(d.eSkeySig ?? []) },
        preKeys: new Map(),
      },
      refs: Array.from({ length: this.opts.qrRefCount }, makeRef),
    };
    this.registrations.set(conn, reg);
    conn.query(pairDevice(conn.newId("pd"), reg.refs)).catch(() => {});
    this.notify();
  }

  private onClose(conn: Connection): void {
    for (const r of this.sessions) if (r.conn === conn && r.closedAt === null) r.closedAt = Date.now();
    this.connections.delete(conn);
    this.registrations.get(conn)?.onClosed?.();
    this.registrations.delete(conn);
    if (conn.deviceKey && this.online.get(conn.deviceKey) === conn) this.online.delete(conn.deviceKey);
    this.notify();
  }

  private async onNode(conn: Connection, node: BinaryNode): Promise<void> {
    const device = conn.deviceKey;
    try {
      await this.handleNode(conn, node);
    } finally {
      // Logged once handled, so a waiter sees the stanza's effects (routing, receipts) done.
      this.clientLog.push({ device, node });
      this.notify();
    }
  }

  private async handleNode(conn: Connection, node: BinaryNode): Promise<void> {
    switch (node.tag) {
      case "iq":
        return this.onIq(conn, node);
      case "message":
        return this.onMessage(conn, node);
      case "receipt":
        this.acked(conn, "message", [node.attrs.id ?? "", ...getBinaryNodeChildren(getBinaryNodeChild(node, "list"), "item").map((i) => i.attrs.id ?? "")]);
        conn.send(ack(node));
        return;
      case "ack":
        this.acked(conn, node.attrs.class ?? "", [node.attrs.id ?? ""]);
        return;
      case "presence":
        return this.onPresence(conn, node);
      default:
        return; // chatstate, ib telemetry: recorded only
    }
  }

  /**
   * A presence subscription is answered, as WhatsApp does, with the person's presence when they
   * share it (online; offline with last seen, or with last seen hidden: "deny"), else not at all.
   */
  private onPresence(conn: Connection, node: BinaryNode): void {
    if (node.attrs.type !== "subscribe" || !node.attrs.to) return;
    const r = this.dir.resolve(node.attrs.to);
    const p = r?.account.profile.presence;
    if (!r || !p) return;
    const from = r.server === "lid" ? lidJid(r.account) : pnJid(r.account);
    const attrs: Record<string, string> = { from, type: p.state };
    if (p.state === "unavailable") attrs.last = p.hideLastSeen || !p.lastSeen ? "deny" : String(Math.floor(p.lastSeen / 1000));
    conn.send({ tag: "presence", attrs });
  }

  private acked(conn: Connection, tag: string, ids: string[]): void {
    if (!conn.deviceKey) return;
    const box = this.outbox.get(conn.deviceKey);
    for (const id of ids) box?.delete(`${tag}:${id}`);
  }

  private onIq(conn: Connection, iq: BinaryNode): void {
    if (iq.attrs.type === "result" || iq.attrs.type === "error") return;
    const first = Array.isArray(iq.content) ? iq.content[0] : undefined;
    if (iq.attrs.xmlns === "md" && first?.tag === "link_code_companion_reg") return this.onLinkCode(conn, iq, first);
    const device = conn.deviceId !== undefined ? this.self.devices.get(conn.deviceId) : undefined;
    const reply = answerIq(
      {
        dir: this.dir,
        device,
        account: conn.deviceKey ? this.self : undefined,
        groups: this.groups,
        media: this.media,
        blocked: this.blocked,
        onPreKeysUploaded: () => {
          if (device?.historyPending) this.companionReady(device);
        },
        notifyGroup: (g, actor, change) => this.notifyGroup(g, actor, change),
        onRemoveCompanion: () => {
          if (device && device.id !== 0) this.self.devices.delete(device.id);
          if (conn.deviceKey) this.outbox.delete(conn.deviceKey);
        },
      },
      iq,
    );
    const delay = this.faults.iqDelayMs;
    const applies = delay > 0 && (this.faults.iqDelayXmlns.length === 0 || this.faults.iqDelayXmlns.includes(iq.attrs.xmlns ?? ""));
    if (applies) this.later(delay, () => conn.send(reply));
    else conn.send(reply);
  }

  private onLinkCode(conn: Connection, iq: BinaryNode, reg: BinaryNode): void {
    const r = this.registrations.get(conn);
    const stage = reg.attrs.stage;
    if (!r) {
      conn.send(iqError(iq, 400, "bad-request"));
      return;
    }
    if (stage === "companion_hello") {
      const wrapped = getBinaryNodeChild(reg, "link_code_pairing_wrapped_companion_ephemeral_pub")?.content;
      const ref = makeRef();
      r.codeRequest = { wrappedEphemeral: wrapped instanceof Uint8Array ? wrapped : new Uint8Array(), phoneJid: reg.attrs.jid ?? "", ref };
      conn.send(iqResult(iq, [{ tag: "link_code_companion_reg", attrs: {}, content: [{ tag: "link_code_pairing_ref", attrs: {}, content: Buffer.from(ref) }] }]));
      this.notify();
    } else if (stage === "companion_finish") {
      conn.send(iqResult(iq));
      r.onCompanionFinish?.(reg);
    } else {
      conn.send(iqResult(iq));
    }
  }

  private async onMessage(conn: Connection, node: BinaryNode): Promise<void> {
    const key = conn.deviceKey;
    conn.send(ack(node));
    if (!key || conn.deviceId === undefined) return;
    const { delivered, errors } = await routeClientMessage({ dir: this.dir, groups: this.groups }, { account: this.self, device: conn.deviceId, jid: key }, node);
    this.errors.push(...errors);
    for (const d of delivered) this.opts.onDelivered(d);
    this.notify();
  }

  private companionReady(device: Device): void {
    device.historyPending = false;
    this.opts.onCompanionReady({ jid: pnJid(this.self, device.id), device });
  }

  private closeSoon(conn: Connection): void {
    // Let the client read the last stanza and close itself; drop it if it does not.
    this.later(2000, () => conn.terminate());
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}

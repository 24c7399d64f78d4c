/**
 * The connection actor's logic, independent of the actor kernel: it owns the Baileys socket,
 * the store-backed auth state and the link state machine, answers ConnectionMsg requests, and
 * forwards data events to the sync actor.
 *
 * Socket events, retry timers and link-control requests (relink, logout, pairing code) run one
 * at a time on an internal serial lane, not behind the mailbox: a slow request (an upload, a
 * download) must not hold up Baileys' events, above all the saving of its credentials.
 * Sends and queries run directly on the open socket, several at once (the actor defers their
 * replies); messages to one chat still go out in the order asked, through per-chat lanes.
 */
import { makeWASocket } from "@whiskeysockets/baileys";
import type { BaileysEventMap, ConnectionState as BaileysConnectionState, UserFacingSocketConfig, WAMessageKey, WASocket } from "@whiskeysockets/baileys";
import { proto } from "@whiskeysockets/baileys";
import { createLogger, type Logger } from "../log.ts";
import type { SessionStore } from "../store/ports.ts";
import type { WhatsAppMirror } from "./requests.ts";
import type { LinkChangeMsg, LinkStatus } from "../status/types.ts";
import { makeStoreAuthState, type StoreAuthState } from "./auth_state.ts";
import { type BaileysLogger, type BaileysLogLevel, createBaileysLogger } from "./baileys_logger.ts";
import { guardConsole } from "./console_guard.ts";
import { WhatsAppNotReadyError, WhatsAppRequestError } from "./errors.ts";
import { PresenceCache } from "./presence_cache.ts";
import { GroupCache } from "./group_cache.ts";
import { applyHistoryProgress, buildLinkStatus, emptyHistory, notReadyReason } from "./link_status.ts";
import { SYNC_EVENTS } from "./mapping/events.ts";
import { isLidJid, jidOf } from "../ids/jid.ts";
import type { ChosenId, ConnectionMsg } from "./protocol.ts";
import { CLOSE, initialLinkState, type LinkEffect, type LinkEvent, type LinkState, type ReconnectPolicy, transition } from "./reconnect.ts";
import * as req from "./requests.ts";
import { createKeyedLanes } from "./chat_lanes.ts";
import { buildSocketConfig } from "./socket_config.ts";
import { processSocketEvents } from "./socket_events.ts";
import { installStrictCurveVerify } from "./strict_curve.ts";
import type { SyncEventsMsg } from "./sync_core.ts";
import { createWaVersionSource, formatWaVersion, type WaVersionSource } from "./wa_version.ts";
import { isActionMsg, runAction } from "./actions.ts";

import { CONNECTION } from "./names.ts";

/** Registry name of the connection actor. */
export { CONNECTION };

/** Options of the connection actor (from config, plus seams for tests and the simulator). */
export interface ConnectionOptions {
  /** Where the session (creds and Signal keys) lives; may be a separate database. */
  authRepo: SessionStore;
  /** The message store (getMessage, quoting, downloads, on-demand history). */
  repo: WhatsAppMirror;
  /** Base URL of the status page, for messages such as "open <baseUrl>/qr to link". */
  baseUrl: string;
  /** Baileys' log level (default `warn`). */
  logLevel?: BaileysLogLevel;
  /** Our own log (default `createLogger("whatsapp")`); Baileys' lines go to `baileysLog`. */
  log?: Logger;
  baileysLog?: Logger;
  /** Request a pairing code for this phone number as soon as the first QR arrives. */
  pairingPhone?: string | null;
  waWebSocketUrl?: string | null;
  /** Origins download_media may fetch from besides WhatsApp's media hosts (`--extra-media-hosts`, a simulator). */
  mediaOrigins?: readonly string[];
  defaultQueryTimeoutMs?: number | null;
  connectTimeoutMs?: number | null;
  /** Last-word socket config (tests, simulator): `fetchAgent`, `options`, `keepAliveIntervalMs`... */
  socketOverrides?: Partial<UserFacingSocketConfig>;
  /** Socket factory (default Baileys' `makeWASocket`). */
  makeSocket?: (config: UserFacingSocketConfig) => WASocket;
  /** Uniform [0, 1) for backoff jitter (default `Math.random`). */
  random?: () => number;
  policy?: ReconnectPolicy;
  /** Registry name of the sync actor (default "sync"). */
  syncName?: string;
  /** Registry names told every link state change (`{ type: "link", state, previous, error, at }`), e.g. the webhook actor. */
  linkWatchers?: readonly string[];
  /** The WhatsApp Web version to present and refresh after a 405 (default: Baileys' own, never fetched). */
  waVersion?: WaVersionSource;
}

/** What the core needs from the kernel. */
export interface ConnectionPorts {
  now(): number;
  /** Runs `fn` after `ms` on the kernel clock; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
  /** Fire-and-forget to another actor by registry name: event batches to sync, link changes to the watchers. */
  tell(name: string, msg: SyncEventsMsg | LinkChangeMsg): void;
  /** Crashes the actor (an error outside a request: the session could not be saved...). */
  fail(error: unknown): void;
}

/** The connection logic. */
export class ConnectionCore {
  readonly log: Logger;
  readonly baileysLogger: BaileysLogger;
  readonly groups = new GroupCache();
  /** Presence heard from WhatsApp (get_presence). */
  readonly presence = new PresenceCache();
  #auth!: StoreAuthState;
  #link: LinkState;
  #sock: WASocket | null = null;
  /** Generation of the current socket; events of older sockets are ignored. */
  #gen = 0;
  #cancelRetry: (() => void) | null = null;
  #qr: string | null = null;
  #pairingCode: string | null = null;
  #pairingAsked = false;
  #qrLogged = false;
  #lastEventAt: number | null = null;
  #history = emptyHistory();
  #lane: Promise<unknown> = Promise.resolve();
  /** Message-producing requests, serial per chat (see chat_lanes.ts). */
  readonly #chats = createKeyedLanes();
  readonly #version: WaVersionSource;
  /** A 405 was already answered with a refreshed version since the last open (retry only once). */
  #outdatedRetried = false;
  /** `terminate()` was called: this core never opens a socket again. */
  #terminated = false;

  constructor(readonly opts: ConnectionOptions, readonly ports: ConnectionPorts) {
    this.log = opts.log ?? createLogger("whatsapp");
    this.baileysLogger = createBaileysLogger({ level: opts.logLevel ?? "warn", log: opts.baileysLog });
    this.#link = initialLinkState(ports.now());
    this.#version = opts.waVersion ?? createWaVersionSource({ setting: "bundled", repo: opts.authRepo, fetcher: null });
  }

  /** Loads the session and opens the first socket. */
  async start(): Promise<void> {
    // libsignal prints session records (with private keys) to stdout: never let that through.
    guardConsole();
    this.#auth = await makeStoreAuthState(this.opts.authRepo);
    await this.#version.start();
    await this.#serial(() => this.#apply({ type: "start", linked: this.#auth.isLinked() }));
  }

  /** Ends the socket (orderly stop). */
  async stop(): Promise<void> {
    await this.#serial(() => this.#apply({ type: "stop" }));
  }

  /** Runs `fn` after everything queued on the lane before it. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lane.then(fn, fn);
    this.#lane = run.catch(() => {});
    return run;
  }

  /** Lane work started by Baileys or a timer: a failure there crashes the actor. */
  #background(fn: () => Promise<void>): void {
    this.#serial(fn).catch((err) => this.ports.fail(err));
  }

  /** Ends the socket at once (the actor was killed). */
  kill(): void {
    this.#closeSocket();
    this.#cancelRetry?.();
  }

  /**
   * Ends the socket and drops its TCP connection at once, without waiting for WhatsApp to answer
   * the close frame (a leader that lost its lease must be off the wire within a bound).
   */
  terminate(): void {
    this.#terminated = true;
    const ws = (this.#sock as { ws?: { socket?: { terminate?: () => void } | null } } | null)?.ws;
    this.kill();
    try {
      ws?.socket?.terminate?.();
    } catch {
      // already gone
    }
  }

  /** The status snapshot. */
  status(): LinkStatus {
    const me = this.#auth?.state.creds.me;
    const v = this.#version.current();
    return buildLinkStatus(this.#link, {
      webVersion: { version: formatWaVersion(v.version), origin: v.origin },
      me: me?.id && this.#link.linked ? { id: jidOf(me.id) ?? me.id, pushName: me.name ?? null } : null,
      qr: this.#qr,
      pairingCode: this.#pairingCode,
      lastEventAt: this.#lastEventAt,
      history: this.#history,
    });
  }

  /** The current socket (tests). */
  get socket(): WASocket | null {
    return this.#sock;
  }

  /**
   * Answers one request; domain problems throw `WhatsAppRequestError`. Requests may overlap: a
   * send (text, media, reaction, edit, revoke) starts after the earlier sends to the same chat.
   */
  async request(msg: ConnectionMsg): Promise<unknown> {
    switch (msg.type) {
      case "status":
        return this.status();
      case "historyProgress":
        this.#history = applyHistoryProgress(this.#history, msg, this.ports.now());
        return { ok: true };
      case "relink":
        await this.#serial(() => this.#userEvent({ type: "relink" }));
        return { ok: true };
      case "reconnect":
        await this.#serial(() => this.#userEvent({ type: "reconnect" }));
        return { ok: true };
      case "logout":
        return this.#serial(() => this.#logout());
      case "requestPairingCode":
        return { code: await this.#serial(() => this.#requestPairingCode(msg.phone)) };
      case "downloadMedia":
        // A store that is restarting fails this download only, not the connection (and its sends in flight).
        return req.downloadMedia(this.#deps(this.#link.phase === "open" ? this.#sock : null), msg).catch((err) => {
          throw asRequestError(err);
        });
    }
    const chosen = (msg as ChosenId).messageId;
    const d = this.#deps(this.#openSocket(), chosen); // not connected: refused at once
    // In chat order; the socket is looked up again when the send's turn comes (it may have closed).
    const inChatOrder = <T>(jid: string, send: (d: req.RequestDeps) => Promise<T>) =>
      this.#chats.run(jidOf(jid) ?? jid, () => send(this.#deps(this.#openSocket(), chosen)));
    try {
      switch (msg.type) {
        case "sendText":
          return await inChatOrder(msg.jid, (d) => req.sendText(d, msg));
        case "sendMedia":
          return await inChatOrder(msg.jid, (d) => req.sendMedia(d, msg));
        case "react":
          return await inChatOrder(msg.target.chatJid, (d) => req.react(d, msg));
        case "edit":
          return await inChatOrder(msg.target.chatJid, (d) => req.edit(d, msg));
        case "revoke":
          return await inChatOrder(msg.target.chatJid, (d) => req.revoke(d, msg));
        case "markRead":
          return await req.markRead(d, msg);
        case "fetchHistory":
          return await req.fetchHistory(d, msg);
        case "groupMetadata":
          return await req.groupMetadata(d, msg);
        case "onWhatsApp":
          return await req.onWhatsApp(d, msg);
      }
      if (isActionMsg(msg)) return await runAction(d, msg, inChatOrder);
    } catch (err) {
      throw asRequestError(err);
    }
    throw new WhatsAppRequestError(`Unknown request ${JSON.stringify((msg as { type?: unknown }).type)}`);
  }

  #deps(sock: WASocket | null, messageId?: string): req.RequestDeps {
    return {
      messageId,
      sock,
      repo: this.opts.repo,
      groups: this.groups,
      presence: this.presence,
      logger: this.baileysLogger,
      fetchOptions: this.opts.socketOverrides?.options,
      mediaOrigins: this.opts.mediaOrigins,
    };
  }

  #openSocket(): WASocket {
    const why = notReadyReason(this.#link, this.ports.now(), this.opts.baseUrl);
    if (why !== null || !this.#sock) throw new WhatsAppNotReadyError(why ?? "WhatsApp is not connected");
    return this.#sock;
  }

  async #userEvent(e: LinkEvent): Promise<void> {
    const refused = await this.#apply(e);
    if (refused) throw new WhatsAppRequestError(refused);
  }

  async #logout(): Promise<{ ok: true }> {
    if (this.#link.phase === "open" && this.#sock) {
      // Baileys tells WhatsApp to remove this device, then closes with 401: the machine clears the session.
      await this.#sock.logout();
    } else if (this.#link.phase !== "logged_out") {
      await this.#apply({ type: "forget" });
    }
    return { ok: true };
  }

  async #requestPairingCode(phone: string): Promise<string> {
    const digits = req.needPhoneDigits(phone);
    const phase = this.#link.phase;
    if (phase === "open") throw new WhatsAppRequestError("WhatsApp is already linked: log out first to link another account");
    if ((phase !== "qr" && phase !== "pairing_code") || !this.#sock) {
      throw new WhatsAppNotReadyError(
        phase === "logged_out"
          ? "WhatsApp logged this device out: start a new link (relink) first, then request the code"
          : "WhatsApp is still connecting: request the pairing code again in a few seconds",
      );
    }
    const gen = this.#gen;
    let code: string;
    try {
      code = await this.#sock.requestPairingCode(digits);
    } catch (err) {
      throw asRequestError(err);
    }
    if (gen === this.#gen) {
      this.#pairingCode = code;
      await this.#apply({ type: "pairingCode" });
      this.log.info(`pairing code issued: enter it on the phone (shown at ${this.opts.baseUrl}/qr)`);
    }
    return code;
  }

  /** Runs one machine event and its effects, in order. Returns the refusal, if any. */
  async #apply(e: LinkEvent): Promise<string | undefined> {
    const t = transition(this.#link, e, { now: this.ports.now(), random: this.opts.random ?? Math.random, policy: this.opts.policy });
    const before = this.#link.phase;
    this.#link = t.state;
    if (before !== t.state.phase) {
      this.log.info("whatsapp link state", { from: before, to: t.state.phase, attempt: t.state.attempt });
      const change: LinkChangeMsg = { type: "link", state: t.state.phase, previous: before, error: t.state.lastError, at: this.ports.now() };
      for (const name of this.opts.linkWatchers ?? []) this.ports.tell(name, change);
    }
    for (const effect of t.effects) await this.#effect(effect);
    return t.refused;
  }

  async #effect(effect: LinkEffect): Promise<void> {
    switch (effect.type) {
      case "connect":
        this.#connect();
        return;
      case "scheduleRetry": {
        this.#cancelRetry?.();
        const gen = this.#gen;
        this.#cancelRetry = this.ports.setTimer(effect.delayMs, () =>
          this.#background(async () => {
            if (gen !== this.#gen) return; // the link moved on meanwhile
            this.#cancelRetry = null;
            await this.#apply({ type: "retryDue" });
          }));
        return;
      }
      case "cancelRetry":
        this.#cancelRetry?.();
        this.#cancelRetry = null;
        return;
      case "clearSession":
        this.#closeSocket();
        await this.#auth.clear();
        this.groups.clear();
        this.#qr = null;
        this.#pairingCode = null;
        this.log.info("whatsapp session cleared");
        return;
      case "closeSocket":
        this.#closeSocket();
        return;
    }
  }

  #connect(): void {
    this.#closeSocket();
    if (this.#terminated) return; // terminated: no socket ever again (a start still in flight must not open one)
    const gen = ++this.#gen;
    this.#qr = null;
    this.#pairingCode = null;
    this.#pairingAsked = false;
    this.#qrLogged = false;
    const config = buildSocketConfig({
      auth: this.#auth.state,
      logger: this.baileysLogger,
      getMessage: (key) => this.#getMessage(key),
      cachedGroupMetadata: (jid) => Promise.resolve(this.groups.get(jid)),
      waWebSocketUrl: this.opts.waWebSocketUrl,
      version: this.#version.current().version,
      defaultQueryTimeoutMs: this.opts.defaultQueryTimeoutMs,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      overrides: this.opts.socketOverrides,
    });
    let sock: WASocket;
    try {
      // Before any handshake: Baileys' own Curve.verify accepts bad signatures (see strict_curve.ts).
      installStrictCurveVerify();
      sock = (this.opts.makeSocket ?? makeWASocket)(config);
    } catch (err) {
      // A socket that cannot even be built is a failed attempt like any other.
      this.log.warn("whatsapp socket creation failed", { error: err });
      const events = { "connection.update": { connection: "close" as const, lastDisconnect: { error: err as Error, date: new Date() } } };
      this.#background(() => this.#onSocketEvents(gen, events));
      return;
    }
    this.#sock = sock;
    // Not sock.ev.process: Baileys drops its buffered and in-flight events when a socket ends (see socket_events.ts).
    processSocketEvents(sock, (events) => this.#background(() => this.#onSocketEvents(gen, events)));
  }

  #closeSocket(): void {
    const sock = this.#sock;
    if (!sock) return;
    this.#sock = null;
    this.#gen++; // its late events (the close we cause) are ignored
    sock.end(undefined).catch(() => {});
  }

  async #onSocketEvents(gen: number, events: Partial<BaileysEventMap>): Promise<void> {
    const current = gen === this.#gen;
    if (current) this.#lastEventAt = this.ports.now();
    // Credentials first: a pairing's creds must be saved before the restart it triggers.
    if (events["creds.update"]) await this.#auth.saveCreds();
    // Data is data even from a socket we have moved past (e.g. our own send, echoed just after a close).
    this.#forwardToSync(events);
    if (!current) return;
    this.groups.observe(events);
    this.presence.observe(events);
    const status = events["messaging-history.status"];
    if (status?.status === "complete") {
      this.#history = applyHistoryProgress(this.#history, { progress: null, messages: 0, chats: 0, complete: true }, this.ports.now());
    }
    const update = events["connection.update"];
    if (update) await this.#onConnectionUpdate(update);
  }

  #forwardToSync(events: Partial<BaileysEventMap>): void {
    const picked: Partial<BaileysEventMap> = {};
    let any = false;
    for (const name of SYNC_EVENTS) {
      if (events[name] !== undefined) {
        (picked as Record<string, unknown>)[name] = events[name];
        any = true;
      }
    }
    if (!any) return;
    const me = this.#auth.state.creds.me;
    const msg: SyncEventsMsg = {
      type: "events",
      events: picked,
      me: me?.id ? { id: jidOf(me.id) ?? me.id, lid: jidOf(me.lid) } : null,
    };
    this.ports.tell(this.opts.syncName ?? "sync", msg);
  }

  async #onConnectionUpdate(u: Partial<BaileysConnectionState>): Promise<void> {
    if (u.isNewLogin) this.log.info("whatsapp device linked; reconnecting with the new session");
    if (u.qr) {
      this.#qr = u.qr;
      await this.#apply({ type: "qr" });
      if (!this.#qrLogged && this.#link.phase === "qr") {
        this.#qrLogged = true;
        this.log.info(`open ${this.opts.baseUrl}/qr to link`);
      }
      if (this.opts.pairingPhone && !this.#pairingAsked && this.#link.phase === "qr") {
        this.#pairingAsked = true;
        try {
          await this.#requestPairingCode(this.opts.pairingPhone);
        } catch (err) {
          this.log.warn("pairing code request failed", { error: err });
        }
      }
    }
    if (u.connection === "connecting") await this.#apply({ type: "connecting" });
    if (u.connection === "open") {
      this.#qr = null;
      this.#pairingCode = null;
      this.#outdatedRetried = false;
      await this.#apply({ type: "open" });
      await this.#version.connected();
    }
    if (u.connection === "close") {
      this.#sock = null; // Baileys has ended it
      const err = u.lastDisconnect?.error as (Error & { output?: { statusCode?: number } }) | undefined;
      const code = typeof err?.output?.statusCode === "number" ? err.output.statusCode : null;
      this.log.info("whatsapp connection closed", { statusCode: code, reason: err?.message ?? "closed" });
      let versionRefreshed = false;
      if (code === CLOSE.clientOutdated && !this.#outdatedRetried) {
        // WhatsApp moved on: fetch its current version and try once more with it.
        this.#outdatedRetried = true;
        versionRefreshed = await this.#version.refresh();
        this.log.warn("whatsapp says the client is outdated (405)", { refreshed: versionRefreshed });
      }
      await this.#apply({ type: "closed", statusCode: code, reason: err?.message ?? "", versionRefreshed });
    }
  }

  /** Baileys asks for a message it must re-send (retry receipts): answered from the raw bytes we stored. */
  async #getMessage(key: WAMessageKey): Promise<proto.IMessage | undefined> {
    if (!key.id) return undefined;
    const chats = new Set<string>();
    const main = jidOf(key.remoteJid);
    if (main) chats.add(main);
    const alt = jidOf(key.remoteJidAlt);
    if (alt) chats.add(alt);
    if (isLidJid(main) && this.#sock) {
      const pn = jidOf(await this.#sock.signalRepository.lidMapping.getPNForLID(main).catch(() => null));
      if (pn) chats.add(pn);
    }
    for (const chat of chats) {
      const raw = await this.opts.repo.getRawMessage(chat, key.id).catch(() => null);
      if (raw) return proto.WebMessageInfo.decode(raw).message ?? undefined;
    }
    return undefined;
  }
}

function asRequestError(err: unknown): Error {
  if (err instanceof WhatsAppRequestError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new WhatsAppRequestError(`WhatsApp request failed: ${message}`, { cause: err });
}

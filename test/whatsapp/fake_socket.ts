/**
 * A stand-in for a Baileys socket at the `makeSocket` seam of the connection actor (a seam we
 * own). Its event emitter is Baileys' REAL event buffer (`makeEventBuffer`), so events reach the
 * actor exactly as `sock.ev.process` delivers them; the test drives what WhatsApp "does".
 * End-to-end behaviour with a real socket is covered by the simulator smoke test.
 */
import { makeEventBuffer, proto } from "@whiskeysockets/baileys";
import type { AnyMessageContent, BaileysEventMap, UserFacingSocketConfig, WAMessage, WAMessageKey, WASocket } from "@whiskeysockets/baileys";
import { silentLogger } from "../sim/silent-logger.ts";
import { T0 } from "./fixtures.ts";

/** A close error as Baileys builds it (a Boom: the status code lives in `output.statusCode`). */
export function closeError(statusCode: number | null, message = "closed"): Error {
  const e = new Error(message);
  if (statusCode !== null) Object.assign(e, { isBoom: true, output: { statusCode } });
  return e;
}

/** One fake socket; `calls` records what the actor asked of it. */
export class FakeSocket {
  readonly ev = makeEventBuffer(silentLogger as never);
  readonly calls: Array<{ fn: string; args: unknown[] }> = [];
  ended = false;
  /** What the next sendMessage / updateMediaMessage do; tests replace these (a promise holds the send open). */
  onSend: (jid: string, content: AnyMessageContent) => WAMessage | Promise<WAMessage> = (jid) => ({
    key: { remoteJid: jid, fromMe: true, id: `3EB0FAKE${this.calls.length}` },
    messageTimestamp: T0,
  });
  onUpdateMedia: (msg: WAMessage) => WAMessage = (m) => m;
  readonly signalRepository = { lidMapping: { getPNForLID: (_lid: string) => Promise.resolve(null as string | null) } };

  constructor(readonly config: UserFacingSocketConfig) {
    // As Baileys' own socket does: credential updates are merged into the auth state it was given.
    this.ev.on("creds.update", (update) => void Object.assign(config.auth.creds, update));
  }

  emit<K extends keyof BaileysEventMap>(event: K, data: BaileysEventMap[K]): void {
    this.ev.emit(event, data);
  }

  /** WhatsApp closes the connection with `statusCode` (null: no code at all). */
  close(statusCode: number | null, message = "closed"): void {
    if (this.ended) return;
    this.ended = true;
    this.emit("connection.update", { connection: "close", lastDisconnect: { error: closeError(statusCode, message), date: new Date() } });
  }

  async end(error: Error | undefined): Promise<void> {
    await Promise.resolve(); // answers asynchronously, as the socket does
    this.calls.push({ fn: "end", args: [error] });
    if (this.ended) return;
    this.ended = true;
    this.emit("connection.update", { connection: "close", lastDisconnect: { error, date: new Date() } });
  }

  async logout(): Promise<void> {
    await Promise.resolve(); // answers asynchronously, as the socket does
    this.calls.push({ fn: "logout", args: [] });
    this.close(401, "Intentional Logout");
  }

  async requestPairingCode(phone: string): Promise<string> {
    await Promise.resolve(); // answers asynchronously, as the socket does
    this.calls.push({ fn: "requestPairingCode", args: [phone] });
    return "ABCD2345";
  }

  async sendMessage(jid: string, content: AnyMessageContent, options?: unknown): Promise<WAMessage> {
    await Promise.resolve(); // answers asynchronously, as the socket does
    this.calls.push({ fn: "sendMessage", args: [jid, content, options] });
    return this.onSend(jid, content);
  }

  async readMessages(keys: WAMessageKey[]): Promise<void> {
    await Promise.resolve(); // answers asynchronously, as the socket does
    this.calls.push({ fn: "readMessages", args: [keys] });
  }

  async fetchMessageHistory(count: number, key: WAMessageKey, ts: number): Promise<string> {
    await Promise.resolve(); // answers asynchronously, as the socket does
    this.calls.push({ fn: "fetchMessageHistory", args: [count, key, ts] });
    return "PDO-REQUEST-1";
  }

  async updateMediaMessage(msg: WAMessage): Promise<WAMessage> {
    await Promise.resolve(); // answers asynchronously, as the socket does
    this.calls.push({ fn: "updateMediaMessage", args: [msg.key.id] });
    return this.onUpdateMedia(msg);
  }

  async onWhatsApp(...phones: string[]): Promise<Array<{ jid: string; exists: boolean }>> {
    await Promise.resolve();
    this.calls.push({ fn: "onWhatsApp", args: phones });
    return [{ jid: `${phones[0]}@s.whatsapp.net`, exists: true }];
  }

  called(fn: string): unknown[][] {
    return this.calls.filter((c) => c.fn === fn).map((c) => c.args);
  }
}

/** A factory for the `makeSocket` option that keeps every socket it made. */
export function fakeSockets(): { make: (config: UserFacingSocketConfig) => WASocket; all: FakeSocket[]; last(): FakeSocket } {
  const all: FakeSocket[] = [];
  return {
    all,
    make: (config) => {
      const s = new FakeSocket(config);
      all.push(s);
      return s as unknown as WASocket;
    },
    last: () => all[all.length - 1],
  };
}

/** A linked account's credentials fields as pair-success sets them. */
export function pairedCreds(me: string, lid: string) {
  return { me: { id: me.replace("@", ":3@"), lid, name: "Me" }, account: proto.ADVSignedDeviceIdentity.fromObject({ details: new Uint8Array([1, 2]) }), platform: "android" };
}

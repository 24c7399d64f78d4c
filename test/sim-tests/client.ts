/**
 * Test helper: a real Baileys socket (`makeWASocket`) pointed at the simulator, with an event
 * recorder to await events by predicate. In-memory auth state, silent pino logger.
 */
import makeWASocket from "@whiskeysockets/baileys";
import type { BaileysEventMap, UserFacingSocketConfig } from "@whiskeysockets/baileys";
import pino from "pino";
import { baileysTestConfig } from "../sim/index.ts";
import type { MemoryAuthState, Sim } from "../sim/index.ts";

/** The socket type `makeWASocket` returns. */
export type Socket = ReturnType<typeof makeWASocket>;

const logger = pino({ level: "silent" });

/** Events the recorder keeps. */
const RECORDED = ["connection.update", "messages.upsert", "messages.update", "messages.reaction", "message-receipt.update", "messaging-history.set", "creds.update"] as const;
type Recorded = (typeof RECORDED)[number];

/** A connected Baileys client under test. */
export interface Client {
  readonly sock: Socket;
  /** Resolves with the status code Baileys closed with (undefined if none). */
  readonly closed: Promise<number | undefined>;
  /** Every recorded event payload of `name`, oldest first. */
  events<K extends Recorded>(name: K): BaileysEventMap[K][];
  /** Resolves with the first payload of `name` (past or future) that matches `pred`. */
  waitFor<K extends Recorded>(name: K, pred?: (e: BaileysEventMap[K]) => boolean, timeoutMs?: number): Promise<BaileysEventMap[K]>;
  /** Ends the socket and waits for it to close. */
  end(): Promise<void>;
}

/** Connects a Baileys socket to the simulator with `auth`. */
export function connect(sim: Sim, auth: MemoryAuthState, extra: Partial<UserFacingSocketConfig> = {}): Client {
  const sock = makeWASocket({ ...baileysTestConfig(sim), auth, logger, markOnlineOnConnect: false, ...extra });
  const log = new Map<Recorded, unknown[]>();
  let waiters: Array<{ name: Recorded; pred: (e: unknown) => boolean; resolve: (e: unknown) => void }> = [];
  for (const name of RECORDED) {
    log.set(name, []);
    sock.ev.on(name, (e: unknown) => {
      log.get(name)!.push(e);
      waiters = waiters.filter((w) => {
        if (w.name !== name || !w.pred(e)) return true;
        w.resolve(e);
        return false;
      });
    });
  }
  const closed = new Promise<number | undefined>((resolve) => {
    sock.ev.on("connection.update", (u) => {
      if (u.connection === "close") resolve((u.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode);
    });
  });
  const client: Client = {
    sock,
    closed,
    events: <K extends Recorded>(name: K) => [...(log.get(name) as BaileysEventMap[K][])],
    waitFor<K extends Recorded>(name: K, pred: (e: BaileysEventMap[K]) => boolean = () => true, timeoutMs = 15_000) {
      const found = (log.get(name) as BaileysEventMap[K][]).find(pred);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<BaileysEventMap[K]>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w.resolve !== done);
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for Baileys event ${name}`));
        }, timeoutMs);
        const done = (e: unknown) => {
          clearTimeout(timer);
          resolve(e as BaileysEventMap[K]);
        };
        waiters.push({ name, pred: pred as (e: unknown) => boolean, resolve: done });
      });
    },
    async end() {
      sock.end(undefined);
      await closed;
    },
  };
  return client;
}

/**
 * Links a fresh companion by QR: the first socket shows a QR, the fake phone scans it, the
 * server asks for a restart and the socket closes with 515. Returns that status code.
 */
export async function pairByQr(sim: Sim, auth: MemoryAuthState): Promise<number | undefined> {
  const c = connect(sim, auth);
  const { qr } = await c.waitFor("connection.update", (u) => !!u.qr);
  await sim.phone.scanQr(qr!);
  return c.closed;
}

/** Connects with saved credentials and waits for `connection: "open"`. */
export async function login(sim: Sim, auth: MemoryAuthState, extra: Partial<UserFacingSocketConfig> = {}): Promise<Client> {
  const c = connect(sim, auth, extra);
  await Promise.race([
    c.waitFor("connection.update", (u) => u.connection === "open"),
    c.closed.then((code) => {
      throw new Error(`Connection closed with ${code} before it opened`);
    }),
  ]);
  return c;
}

/** Pairs a fresh in-memory companion and logs it in; returns the open client. */
export async function pairAndLogin(sim: Sim, auth: MemoryAuthState): Promise<Client> {
  const code = await pairByQr(sim, auth);
  if (code !== 515) throw new Error(`Pairing should end with 515 (restart required), got ${code}`);
  return login(sim, auth);
}

/**
 * The leader's side of the outbox: claims requests with its fencing token, runs each on its own
 * WhatsApp connection, and records the outcome (with the WhatsApp message id) in the same
 * transaction that marks the row settled, fenced again.
 *
 * Never a duplicate, never a lost acknowledgement. Before calling its socket the leader records,
 * fenced and durably, that it is handing the request over (`claimed` -> `sending`, markHanding);
 * only then may anything reach WhatsApp. A request inherited from a dead leader (claimed with an
 * older token, never settled) is therefore one of:
 * - still `claimed`: provably never handed to WhatsApp, so it runs now, as if new (a stale leader
 *   that wakes up later cannot send it: its mark needs its own claim token, which moved on);
 * - `sending`, a send: if the mirror holds our own message under the id chosen before sending, it
 *   went out (settled "sent" from the mirror). Otherwise the leader died between handing it over
 *   and storing its echo (or before the socket wrote it: nothing can tell those apart), so its
 *   outcome is UNKNOWN: settled failed with SendOutcomeUnknownError's text and an "unknown"
 *   marker, NOT sent again (a second relay of one id reaches the contact twice, as the simulator
 *   shows). The caller is told to check the chat; should the copy reach the mirror later, the
 *   caller's side reports it sent after all (outbox_client.ts);
 * - `sending`, anything else: failed with "may or may not have happened"; never run twice.
 * A result that was recorded ("sent") is durable in the row before the caller is answered, so
 * nothing acknowledged is lost with a leader.
 */
import type { Logger } from "../log.ts";
import { decodeOpsBinary, encodeOpsBinary } from "../store/codec_binary.ts";
import type { Pg } from "../store/postgres/client.ts";
import { WhatsAppNotReadyError } from "../whatsapp/errors.ts";
import type { ConnectionMsg, SendResult } from "../whatsapp/protocol.ts";
import type { Channels } from "./channels.ts";
import { isStaleLeader } from "./errors.ts";
import { unknownOutcome } from "./outbox_kinds.ts";
import { type Claimed, claimNext, markHanding, mirroredSend, requeue, settle, type Settlement } from "./outbox_sql.ts";

/** What the worker needs. */
export interface OutboxWorkerDeps {
  pg: Pg;
  /** The store's channels (read once the database answers). */
  channels(): Promise<Channels>;
  instanceId: string;
  /** The fencing token while this instance leads, else null (then nothing is claimed). */
  fence(): number | null;
  /** The local connection actor. */
  ask(msg: ConnectionMsg): Promise<unknown>;
  /** True when the local WhatsApp link is open (requests are claimed only then). */
  linkOpen(): Promise<boolean>;
  now(): number;
  log: Logger;
  /** Requests run at once (sends to one chat keep their order in the connection's chat lanes). */
  concurrency?: number;
  /** Test hook: called after a send was handed to WhatsApp, before its outcome is recorded. */
  afterSend?: (row: Claimed["row"]) => Promise<void> | void;
}

/** The worker. */
export interface OutboxWorker {
  /** Claims and runs what it can now (call on NOTIFY, on a timer, on becoming leader). */
  pump(): void;
  /** Requests running now. */
  running(): number;
}

/** Creates the worker. */
export function createOutboxWorker(d: OutboxWorkerDeps): OutboxWorker {
  const busy = new Set<number>();
  const limit = d.concurrency ?? 4;
  let filling = false;
  let again = false;
  let pauseUntil = 0;

  const fill = async () => {
    for (;;) {
      const token = d.fence();
      if (token === null || busy.size >= limit || d.now() < pauseUntil) return;
      if (!(await d.linkOpen())) return;
      let claimed: Claimed | null;
      try {
        claimed = await claimNext(d.pg, d.instanceId, token, d.now(), [...busy], (await d.channels()).done);
      } catch (err) {
        d.log.warn("outbox claim failed", { error: err });
        return;
      }
      if (!claimed) return;
      const c = claimed;
      busy.add(c.row.id);
      void run(c, token).finally(() => {
        busy.delete(c.row.id);
        pump();
      });
    }
  };

  const pump = () => {
    if (filling) {
      again = true;
      return;
    }
    filling = true;
    void (async () => {
      try {
        do {
          again = false;
          await fill();
        } while (again);
      } finally {
        filling = false;
      }
    })();
  };

  const record = async (id: number, token: number, s: Settlement) => {
    for (let attempt = 1;; attempt++) {
      try {
        await settle(d.pg, id, d.instanceId, token, s, d.now(), (await d.channels()).done);
        return;
      } catch (err) {
        // Stale token: a newer leader owns the row now and settles it (see the module doc). A
        // database hiccup: try again a few times, else the row waits for the next leader.
        if (isStaleLeader(err) || attempt >= 3) {
          d.log.warn("outbox result not recorded", { id, error: err });
          return;
        }
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  };

  const run = async ({ row, inherited, handed }: Claimed, token: number) => {
    if (!row.request) return await record(row.id, token, failed("The request's content is gone"));
    const msg = decodeOpsBinary<ConnectionMsg>(row.request)[0]!;
    if (inherited && handed) {
      if (row.kind !== "send") {
        return await record(row.id, token, failed("The WhatsApp leader stopped while running this request: it may or may not have happened"));
      }
      const mirrored = row.waMessageId ? await mirroredSend(d.pg, row.waMessageId).catch(() => null) : null;
      if (mirrored) {
        d.log.info("outbox: inherited send already went out (found in the mirror)", { id: row.id });
        const result: SendResult = { id: row.waMessageId!, chatJid: mirrored.chatJid, ts: mirrored.ts };
        return await record(row.id, token, { state: "sent", result: encodeOpsBinary([result]), error: null, waMessageId: row.waMessageId });
      }
      d.log.info("outbox: inherited send not in the mirror; outcome unknown, not resent", { id: row.id });
      return await record(row.id, token, unknownOutcome(row.waMessageId));
    }
    if (inherited) d.log.info("outbox: inherited request was never handed to WhatsApp; running it", { id: row.id });
    try {
      await markHanding(d.pg, row.id, d.instanceId, token);
    } catch (err) {
      // Not marked, so not sent. Stale: a newer leader owns it. A database hiccup: put it back.
      d.log.warn("outbox: could not mark the request as handed over; not sent", { id: row.id, error: err });
      if (!isStaleLeader(err)) {
        pauseUntil = d.now() + 1_000;
        await requeue(d.pg, row.id, d.instanceId, token).catch(() => {});
      }
      return;
    }
    let reply: unknown;
    try {
      reply = await d.ask(msg);
    } catch (err) {
      if (err instanceof WhatsAppNotReadyError) {
        // Refused before anything was sent: back in the queue, and a short pause before claiming again.
        pauseUntil = d.now() + 1_000;
        await requeue(d.pg, row.id, d.instanceId, token).catch(() => {});
        return;
      }
      return await record(row.id, token, failed((err as Error).message ?? String(err)));
    }
    await d.afterSend?.(row);
    const id = (reply as { id?: unknown } | null)?.id;
    await record(row.id, token, {
      state: "sent",
      result: encodeOpsBinary([reply ?? { ok: true }]),
      error: null,
      waMessageId: row.kind === "send" && typeof id === "string" ? id : null,
    });
  };

  return { pump, running: () => busy.size };
}

function failed(error: string): Settlement {
  return { state: "failed", result: null, error, waMessageId: null };
}

/**
 * The caller's side of the outbox: on a cluster member, every WhatsApp request of the tools and
 * the approval page (`WhatsAppPort.ask`) becomes an outbox row that the leader runs; the answer
 * comes back through the row, with a NOTIFY to wake the caller (and a poll in case one is missed).
 * The send guard, the confirmation dialog, rate limits and the audit line have already run on
 * this instance by then: the outbox carries only what was approved.
 *
 * Media uploads from any member travel as bytes inside the row (`request`, bytea), capped at
 * `maxRequestBytes`: the database is the one thing every member shares (Cloud Run instances have
 * no common disk), a row commits atomically with its request, and the bytes are dropped when the
 * request settles.
 */
import { decodeOpsBinary, encodeOpsBinary } from "../store/codec_binary.ts";
import type { Pg } from "../store/postgres/client.ts";
import { SendOutcomeUnknownError, WhatsAppRequestError } from "../whatsapp/errors.ts";
import type { AskConnection, ConnectionMsg, SendResult } from "../whatsapp/protocol.ts";
import type { Channels } from "./channels.ts";
import { chatOf, isUnknownOutcome, newMessageId, outboxKind, withChosenId } from "./outbox_kinds.ts";
import { enqueue, expireIfPending, getOutboxRow, mirroredSend, type OutboxRow } from "./outbox_sql.ts";

/** Wakes callers waiting on outbox rows (fed by LISTEN on the done channel). */
export interface DoneWaiter {
  /** Resolves when `id` is announced settled, or after `ms`, whichever comes first. */
  wait(id: number, ms: number): Promise<void>;
  /** An outbox row was settled. */
  wake(id: number): void;
}

/** Creates a waiter. */
export function createDoneWaiter(): DoneWaiter {
  const waiting = new Map<number, Set<() => void>>();
  return {
    wait(id, ms) {
      return new Promise((resolve) => {
        let set = waiting.get(id);
        if (!set) waiting.set(id, (set = new Set()));
        const done = () => {
          clearTimeout(timer);
          set!.delete(done);
          if (set!.size === 0 && waiting.get(id) === set) waiting.delete(id);
          resolve();
        };
        const timer = setTimeout(done, ms);
        set.add(done);
      });
    },
    wake(id) {
      for (const f of [...(waiting.get(id) ?? [])]) f();
    },
  };
}

/** What the caller's side needs. */
export interface OutboxClientDeps {
  pg: Pg;
  channels: Channels;
  instanceId: string;
  waiter: DoneWaiter;
  now(): number;
  /** Fills bytes with random values (message ids). */
  random(bytes: Uint8Array): void;
  /** A fresh idempotency key. */
  newKey(): string;
  /** How long a request may wait for the leader (and for its answer). */
  timeoutMs(msg: ConnectionMsg): number;
  /** Largest encoded request (media included). */
  maxRequestBytes: number;
}

/** Largest request by default: 64 MiB (WhatsApp's own media limits are about this size). */
export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024;

/** How often a waiting caller re-reads its row even without a notification. */
const POLL_MS = 1_000;

/** Extra time a request the leader already started gets to finish after the caller's deadline. */
const STARTED_GRACE_MS = 30_000;

/**
 * `WhatsAppPort.ask` through the outbox. The leader runs this same message on its connection
 * actor and the row carries that reply back, so the reply has the message's reply type.
 */
export function outboxAsk(d: OutboxClientDeps): AskConnection {
  const ask = async (msg: ConnectionMsg): Promise<unknown> => {
    const kind = outboxKind(msg);
    const messageId = kind === "send" ? newMessageId(d.random) : null;
    const request = encodeOpsBinary([withChosenId(msg, messageId)]);
    if (request.byteLength > d.maxRequestBytes) {
      throw new WhatsAppRequestError(
        `Cannot pass this request to the WhatsApp leader: it is ${mb(request.byteLength)} MB, at most ${mb(d.maxRequestBytes)} MB`,
      );
    }
    const timeout = d.timeoutMs(msg);
    const created = d.now();
    const row = {
      idemKey: d.newKey(),
      kind,
      request,
      waMessageId: messageId,
      chatJid: chatOf(msg),
      origin: d.instanceId,
      createdAt: created,
      expiresAt: created + timeout,
    };
    // Same key on the retry: if the first INSERT committed but its answer was lost, no second row.
    const id = await enqueue(d.pg, row, d.channels.outbox).catch(() => enqueue(d.pg, row, d.channels.outbox));
    const done = await settled(d, id, created + timeout, kind === "send");
    if (isUnknownOutcome(done)) {
      // The copy may have reached the mirror since the leader settled it: then it went out.
      const mirrored = done.waMessageId ? await mirroredSend(d.pg, done.waMessageId).catch(() => null) : null;
      if (mirrored) return { id: done.waMessageId!, chatJid: mirrored.chatJid, ts: mirrored.ts } satisfies SendResult;
      throw new SendOutcomeUnknownError(done.error ?? "The outcome of this send is unknown: check the chat before sending it again.");
    }
    return resultOf(done);
  };
  return ask as AskConnection;
}

async function settled(d: OutboxClientDeps, id: number, deadline: number, isSend: boolean): Promise<OutboxRow> {
  let grace = false;
  for (;;) {
    const row = await getOutboxRow(d.pg, id);
    if (!row) throw new WhatsAppRequestError("The outbox request disappeared before it was answered");
    if (row.state !== "pending" && row.state !== "claimed" && row.state !== "sending") return row;
    const now = d.now();
    if (now >= deadline) {
      if (await expireIfPending(d.pg, id, now, "The caller stopped waiting before any WhatsApp leader took the request", d.channels.done)) {
        throw new WhatsAppRequestError(
          "No cluster member holds the WhatsApp connection right now: the request was not sent (nothing went out). Try again shortly.",
        );
      }
      if (grace && now >= deadline + STARTED_GRACE_MS) {
        if (isSend) {
          throw new SendOutcomeUnknownError(
            `The WhatsApp leader started this send but has not confirmed it (outbox request ${id}): it may or may not be delivered, and it is never sent twice. Check the chat (e.g. with list_messages) before sending it again.`,
          );
        }
        throw new WhatsAppRequestError(`The WhatsApp leader started this request but has not answered (outbox request ${id}).`);
      }
      grace = true;
    }
    await d.waiter.wait(id, POLL_MS);
  }
}

function resultOf(row: OutboxRow): unknown {
  if (row.state === "sent") return row.result ? decodeOpsBinary<unknown>(row.result)[0] : { ok: true };
  throw new WhatsAppRequestError(row.error ?? `The WhatsApp request ended as ${row.state}`);
}

function mb(n: number): string {
  return (n / (1024 * 1024)).toFixed(1);
}

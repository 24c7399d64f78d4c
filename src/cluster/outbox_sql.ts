/**
 * The outbox table (`wa_outbox`) in SQL. Callers on any member enqueue; only the lease holder
 * claims and settles, each inside a transaction that ends with the fence check, so a stale
 * leader can neither take a request nor record a result.
 */
import type { Pg, Queryable } from "../store/postgres/client.ts";
import { query } from "../store/postgres/client.ts";
import { checkFence, StaleLeaderError } from "./lease_sql.ts";
import type { OutboxKind } from "./outbox_kinds.ts";

/**
 * Where a request stands. "claimed": a leader took it and has NOT handed it to WhatsApp yet
 * (provably not sent); "sending": the leader recorded, before calling its socket, that it is
 * handing the request over (from then on it may have gone out).
 */
export type OutboxState = "pending" | "claimed" | "sending" | "sent" | "failed" | "expired";

/** One row. */
export interface OutboxRow {
  id: number;
  idemKey: string;
  kind: OutboxKind;
  request: Uint8Array | null;
  waMessageId: string | null;
  chatJid: string | null;
  state: OutboxState;
  origin: string;
  createdAt: number;
  expiresAt: number;
  claimedBy: string | null;
  claimToken: number | null;
  attempts: number;
  settledAt: number | null;
  result: Uint8Array | null;
  error: string | null;
}

/** A new request. */
export interface NewOutboxRow {
  idemKey: string;
  kind: OutboxKind;
  request: Uint8Array;
  waMessageId: string | null;
  chatJid: string | null;
  origin: string;
  createdAt: number;
  expiresAt: number;
}

const bytes = (v: unknown): Uint8Array | null =>
  v instanceof Uint8Array ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice() : null;
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function rowOf(r: Record<string, unknown>): OutboxRow {
  return {
    id: Number(r.id),
    idemKey: String(r.idem_key),
    kind: r.kind === "send" ? "send" : "once",
    request: bytes(r.request),
    waMessageId: str(r.wa_message_id),
    chatJid: str(r.chat_jid),
    state: String(r.state) as OutboxState,
    origin: String(r.origin),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    claimedBy: str(r.claimed_by),
    claimToken: num(r.claim_token),
    attempts: Number(r.attempts),
    settledAt: num(r.settled_at),
    result: bytes(r.result),
    error: str(r.error),
  };
}

/**
 * Records a request (once per idempotency key: a second enqueue with the same key returns the
 * first row's id) and wakes the leader.
 */
export async function enqueue(pg: Pg, row: NewOutboxRow, channel: string): Promise<number> {
  return await pg.begin(async (tx) => {
    const inserted = await query(
      tx,
      `INSERT INTO wa_outbox (idem_key, kind, request, request_bytes, wa_message_id, chat_jid, origin, created_at, expires_at)
       VALUES (:key, :kind, :request, :size, :mid, :chat, :origin, :created, :expires)
       ON CONFLICT (idem_key) DO NOTHING RETURNING id`,
      {
        key: row.idemKey,
        kind: row.kind,
        request: row.request,
        size: row.request.byteLength,
        mid: row.waMessageId,
        chat: row.chatJid,
        origin: row.origin,
        created: row.createdAt,
        expires: row.expiresAt,
      },
    );
    const id = inserted[0]
      ? Number(inserted[0].id)
      : Number((await query(tx, "SELECT id FROM wa_outbox WHERE idem_key = :key", { key: row.idemKey }))[0]!.id);
    await tx.unsafe("SELECT pg_notify($1, $2)", [channel, String(id)]);
    return id;
  });
}

/** One row by id. */
export async function getOutboxRow(db: Queryable, id: number): Promise<OutboxRow | null> {
  const r = (await query(db, "SELECT * FROM wa_outbox WHERE id = :id", { id }))[0];
  return r ? rowOf(r) : null;
}

/** Gives up on a request nobody has claimed yet (the caller stopped waiting). True if it was still pending. */
export async function expireIfPending(pg: Pg, id: number, now: number, reason: string, doneChannel: string): Promise<boolean> {
  return await pg.begin(async (tx) => {
    const rows = await query(
      tx,
      "UPDATE wa_outbox SET state = 'expired', settled_at = :now, error = :reason, request = NULL WHERE id = :id AND state = 'pending' RETURNING id",
      { id, now, reason },
    );
    if (rows.length) await tx.unsafe("SELECT pg_notify($1, $2)", [doneChannel, String(id)]);
    return rows.length === 1;
  });
}

/**
 * A claimed request. `inherited`: a previous leader had claimed it and did not settle it;
 * `handed`: that leader had already marked it as handed to WhatsApp (so it may have gone out).
 */
export interface Claimed {
  row: OutboxRow;
  inherited: boolean;
  handed: boolean;
}

/**
 * Claims the oldest open request this leader may run (pending and not expired, or left half-done
 * by an older token), skipping `busy` ids; expires pending requests past their deadline on the way.
 */
export async function claimNext(pg: Pg, me: string, token: number, now: number, busy: readonly number[], doneChannel: string): Promise<Claimed | null> {
  return await pg.begin(async (tx) => {
    const expired = await query(
      tx,
      `UPDATE wa_outbox SET state = 'expired', settled_at = :now, request = NULL,
              error = 'No WhatsApp leader took this request before it expired: it was not sent'
        WHERE state = 'pending' AND expires_at <= :now RETURNING id`,
      { now },
    );
    for (const e of expired) await tx.unsafe("SELECT pg_notify($1, $2)", [doneChannel, String(e.id)]);
    const found = (await query(
      tx,
      `SELECT * FROM wa_outbox
        WHERE ((state = 'pending' AND expires_at > :now) OR (state IN ('claimed', 'sending') AND claim_token < :token))
          AND NOT (id = ANY(:busy::bigint[]))
        ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1`,
      { now, token, busy: [...busy] },
    ))[0];
    if (!found) {
      await checkFence(tx, me, token);
      return null;
    }
    const before = rowOf(found);
    await query(tx, "UPDATE wa_outbox SET state = 'claimed', claimed_by = :me, claim_token = :token, attempts = attempts + 1 WHERE id = :id", {
      id: before.id,
      me,
      token,
    });
    await checkFence(tx, me, token);
    return {
      row: { ...before, state: "claimed", claimedBy: me, claimToken: token, attempts: before.attempts + 1 },
      inherited: before.state !== "pending",
      handed: before.state === "sending",
    };
  });
}

/** The outcome of a claimed request. */
export interface Settlement {
  state: "sent" | "failed";
  result: Uint8Array | null;
  error: string | null;
  waMessageId: string | null;
}

/**
 * Records the outcome (the WhatsApp message id with "sent", in one transaction), drops the
 * request's bytes, and tells the caller. Throws StaleLeaderError if the token moved on.
 */
export async function settle(pg: Pg, id: number, me: string, token: number, s: Settlement, now: number, doneChannel: string): Promise<void> {
  await pg.begin(async (tx) => {
    const rows = await query(
      tx,
      `UPDATE wa_outbox SET state = :state, result = :result, error = :error, settled_at = :now, request = NULL,
              wa_message_id = coalesce(:mid, wa_message_id)
        WHERE id = :id AND claim_token = :token AND state IN ('claimed', 'sending') RETURNING id`,
      { id, token, state: s.state, result: s.result, error: s.error, now, mid: s.waMessageId },
    );
    if (rows.length !== 1) throw new StaleLeaderError(`Outbox request ${id} is no longer claimed by token ${token}`);
    await tx.unsafe("SELECT pg_notify($1, $2)", [doneChannel, String(id)]);
    await checkFence(tx, me, token);
  });
}

/**
 * Records, durably and fenced, that this leader is about to hand a claimed request to WhatsApp.
 * Until this commits, the request provably did not go out, so a successor may run it again; after
 * it, a successor may not. Throws StaleLeaderError if the row or the lease moved on (then nothing
 * may be sent: a newer leader owns the request).
 */
export async function markHanding(pg: Pg, id: number, me: string, token: number): Promise<void> {
  await pg.begin(async (tx) => {
    const rows = await query(tx, "UPDATE wa_outbox SET state = 'sending' WHERE id = :id AND claim_token = :token AND state = 'claimed' RETURNING id", {
      id,
      token,
    });
    if (rows.length !== 1) throw new StaleLeaderError(`Outbox request ${id} is no longer claimed by token ${token}`);
    await checkFence(tx, me, token);
  });
}

/** Puts a claimed request back (it provably did not start: WhatsApp was not connected). */
export async function requeue(pg: Pg, id: number, me: string, token: number): Promise<void> {
  await pg.begin(async (tx) => {
    await query(tx, "UPDATE wa_outbox SET state = 'pending', claimed_by = NULL, claim_token = NULL WHERE id = :id AND claim_token = :token AND state IN ('claimed', 'sending')", {
      id,
      token,
    });
    await checkFence(tx, me, token);
  });
}

/**
 * Evidence that a send under this id went out: our own message in the mirror (Baileys stores what
 * it relayed, through the old leader's sync). Delivery receipts of a 1:1 chat arrive as status
 * updates of that message, which cannot be recorded without it, so they are no evidence here.
 */
export async function mirroredSend(db: Queryable, waMessageId: string): Promise<{ chatJid: string; ts: number } | null> {
  const r = (await query(db, "SELECT chat_jid, ts FROM messages WHERE id = :id AND from_me LIMIT 1", { id: waMessageId }))[0];
  return r ? { chatJid: String(r.chat_jid), ts: Number(r.ts) } : null;
}

/** Deletes settled requests older than `before` (ms). */
export async function pruneOutbox(db: Queryable, before: number): Promise<number> {
  return (await query(db, "DELETE FROM wa_outbox WHERE settled_at IS NOT NULL AND settled_at < :before RETURNING id", { before })).length;
}

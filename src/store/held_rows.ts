/**
 * Held sends in SQL, for both backends: the row mapping, and the statements with named
 * parameters (`:name`), which both dialects accept as written (the PostgreSQL client rewrites
 * named parameters; sql.js binds them). Pure.
 */
import { toNum, toStr, type Row } from "./rows.ts";
import type { HeldSendRow, HeldStatus, WriteOp } from "./types.ts";

/** A `held_sends` row as the store port returns it. */
export function heldFromRow(r: Row): HeldSendRow {
  return {
    id: String(r.id),
    createdAt: toNum(r.created_at) ?? 0,
    expiresAt: toNum(r.expires_at) ?? 0,
    session: toStr(r.session),
    contentHash: String(r.content_hash),
    request: String(r.request),
    status: String(r.status) as HeldStatus,
    claim: toStr(r.claim),
    settledAt: toNum(r.settled_at),
    messageId: toStr(r.message_id),
    detail: toStr(r.detail),
  };
}

const COLUMNS = "id, created_at, expires_at, session, content_hash, request, status, claim, settled_at, message_id, detail";

/** One held send by id (`:id`). */
export const GET_HELD = `SELECT ${COLUMNS} FROM held_sends WHERE id = :id`;

/** `status` is in `:statuses` (a JSON array of statuses), or `:statuses` is null: the filter of both lists. */
export function statusFilter(dialect: "sqlite" | "postgres"): string {
  return dialect === "sqlite"
    ? ":statuses IS NULL OR status IN (SELECT value FROM json_each(:statuses))"
    : "CAST(:statuses AS text) IS NULL OR status IN (SELECT jsonb_array_elements_text(CAST(:statuses AS text)::jsonb))";
}

/** Newest first; `:statuses` is a JSON array of statuses, or null for all (`:limit`). */
export function listHeldSql(dialect: "sqlite" | "postgres"): string {
  return `SELECT ${COLUMNS} FROM held_sends WHERE (${statusFilter(dialect)}) ORDER BY created_at DESC, id LIMIT :limit`;
}

/** The statement and named parameters of one held-send op. */
export function heldOpSql(op: Extract<WriteOp, { op: "holdSend" | "claimHeldSend" | "settleHeldSend" }>): [string, Record<string, unknown>] {
  switch (op.op) {
    case "holdSend": {
      const h = op.held;
      return [
        `INSERT INTO held_sends (${COLUMNS}) VALUES
         (:id, :created_at, :expires_at, :session, :content_hash, :request, :status, :claim, :settled_at, :message_id, :detail)
         ON CONFLICT (id) DO NOTHING`,
        {
          id: h.id,
          created_at: h.createdAt,
          expires_at: h.expiresAt,
          session: h.session,
          content_hash: h.contentHash,
          request: h.request,
          status: h.status,
          claim: h.claim,
          settled_at: h.settledAt,
          message_id: h.messageId,
          detail: h.detail,
        },
      ];
    }
    case "claimHeldSend":
      return [
        `UPDATE held_sends SET status = :to, claim = :claim, settled_at = :at, detail = :detail
         WHERE id = :id AND status = 'waiting'`,
        { id: op.id, to: op.to, claim: op.claim, at: op.at, detail: op.detail ?? null },
      ];
    case "settleHeldSend":
      return [
        `UPDATE held_sends SET status = :to, settled_at = :at, message_id = :message_id, detail = :detail
         WHERE id = :id AND claim = :claim AND status = 'sending'`,
        { id: op.id, to: op.to, claim: op.claim, at: op.at, message_id: op.messageId ?? null, detail: op.detail ?? null },
      ];
  }
}

/**
 * Scheduled sends in SQL, for both backends: the row mapping, and the statements with named
 * parameters (`:name`), which both dialects accept as written (the PostgreSQL client rewrites
 * named parameters; sql.js binds them). Pure.
 */
import { statusFilter } from "./held_rows.ts";
import { toBool, toNum, toStr, type Row } from "./rows.ts";
import type { ScheduledSendRow, ScheduledStatus, WriteOp } from "./types.ts";

/** A `scheduled_sends` row as the store port returns it. */
export function scheduledFromRow(r: Row): ScheduledSendRow {
  return {
    id: String(r.id),
    createdAt: toNum(r.created_at) ?? 0,
    dueAt: toNum(r.due_at) ?? 0,
    session: toStr(r.session),
    confirmed: toBool(r.confirmed),
    contentHash: String(r.content_hash),
    request: String(r.request),
    messageId: String(r.message_id),
    status: String(r.status) as ScheduledStatus,
    claim: toStr(r.claim),
    attempts: toNum(r.attempts) ?? 0,
    lastAttemptAt: toNum(r.last_attempt_at),
    settledAt: toNum(r.settled_at),
    lateMs: toNum(r.late_ms),
    detail: toStr(r.detail),
  };
}

const COLUMNS = "id, created_at, due_at, session, confirmed, content_hash, request, message_id, status, claim, " +
  "attempts, last_attempt_at, settled_at, late_ms, detail";

/** One scheduled send by id (`:id`). */
export const GET_SCHEDULED = `SELECT ${COLUMNS} FROM scheduled_sends WHERE id = :id`;

/** Soonest first (latest first with `latestFirst`); `:statuses` is a JSON array of statuses, or null for all (`:limit`). */
export function listScheduledSql(dialect: "sqlite" | "postgres", latestFirst = false): string {
  const order = latestFirst ? "due_at DESC, id DESC" : "due_at, id";
  return `SELECT ${COLUMNS} FROM scheduled_sends WHERE (${statusFilter(dialect)}) ORDER BY ${order} LIMIT :limit`;
}

/** States a scheduled send does not leave (except "unknown", which may still turn out "sent"). */
export const FINAL_SCHEDULED: readonly ScheduledStatus[] = ["sent", "failed", "expired", "cancelled", "unknown"];

/** The statement and named parameters of one scheduled-send op. */
export function scheduledOpSql(op: Extract<WriteOp, { op: "scheduleSend" | "moveScheduled" }>): [string, Record<string, unknown>] {
  if (op.op === "scheduleSend") {
    const h = op.item;
    return [
      `INSERT INTO scheduled_sends (${COLUMNS}) VALUES
       (:id, :created_at, :due_at, :session, :confirmed, :content_hash, :request, :message_id, :status, :claim,
        :attempts, :last_attempt_at, :settled_at, :late_ms, :detail)
       ON CONFLICT (id) DO NOTHING`,
      {
        id: h.id,
        created_at: h.createdAt,
        due_at: h.dueAt,
        session: h.session,
        confirmed: h.confirmed ? 1 : 0,
        content_hash: h.contentHash,
        request: h.request,
        message_id: h.messageId,
        status: h.status,
        claim: h.claim,
        attempts: h.attempts,
        last_attempt_at: h.lastAttemptAt,
        settled_at: h.settledAt,
        late_ms: h.lateMs,
        detail: h.detail,
      },
    ];
  }
  const sending = op.to === "sending" ? 1 : 0;
  const final = FINAL_SCHEDULED.includes(op.to) ? 1 : 0;
  return [
    `UPDATE scheduled_sends SET
       status = :to,
       claim = :claim,
       attempts = attempts + :sending,
       last_attempt_at = CASE WHEN :sending = 1 THEN :at ELSE last_attempt_at END,
       settled_at = CASE WHEN :final = 1 THEN :at ELSE settled_at END,
       detail = CASE WHEN :set_detail = 1 THEN :detail ELSE detail END,
       late_ms = CASE WHEN :set_late = 1 THEN :late_ms ELSE late_ms END
     WHERE id = :id AND status = :from AND (:any_claim = 1 OR claim = :expect_claim)`,
    {
      id: op.id,
      from: op.from,
      to: op.to,
      claim: op.claim,
      at: op.at,
      sending,
      final,
      set_detail: op.detail !== undefined ? 1 : 0,
      detail: op.detail ?? null,
      set_late: op.lateMs !== undefined ? 1 : 0,
      late_ms: op.lateMs ?? null,
      any_claim: op.expectClaim === undefined || op.expectClaim === null ? 1 : 0,
      expect_claim: op.expectClaim ?? "",
    },
  ];
}

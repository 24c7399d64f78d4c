/**
 * The webhook outbox in SQL, for both backends (see migrations/sqlite/0009_webhook_outbox.sql):
 * the statements with named parameters (`:name`, accepted by sql.js and rewritten by our
 * PostgreSQL client), the row mappings, and the one place where an event is matched against the
 * endpoints' filters. Pure.
 *
 * An event is written in the batch that causes it: `apply` inserts the live feed row, then
 * `ENQUEUE_LIVE` copies it into `webhook_events` when an active endpoint takes it, then
 * `DELIVERIES_FOR_EVENT` adds one pending delivery per such endpoint. Same commit, so a crash
 * either keeps the change and its outbox rows or neither.
 */
import { toNum, toStr, type Row } from "./rows.ts";
import type { WebhookDue, WebhookEndpointStatus, WebhookEventKind, WriteOp } from "./types.ts";

/** The SQL dialects of the two stores. */
export type Dialect = "sqlite" | "postgres";

/** Dead deliveries kept (the newest); older ones are dropped, their count stays on the endpoint. */
export const MAX_DEAD_DELIVERIES = 10_000;

/**
 * `value` is an element of the JSON array (text) `list`. PostgreSQL: a parameter cast straight
 * to jsonb would be sent as a JSON string, hence the text step.
 */
function inList(d: Dialect, list: string, value: string): string {
  return d === "sqlite"
    ? `EXISTS (SELECT 1 FROM json_each(${list}) WHERE value = ${value})`
    : `EXISTS (SELECT 1 FROM jsonb_array_elements_text(CAST(CAST(${list} AS text) AS jsonb)) AS j(v) WHERE j.v = ${value})`;
}

/** Endpoint `e` is active and takes an event of `kind` in `chat` (link events have no chat). */
function accepts(d: Dialect, kind: string, chat: string): string {
  return `e.active = 1 AND ${inList(d, "e.events", kind)}
    AND (${kind} = 'link' OR e.chats IS NULL OR ${inList(d, "e.chats", chat)})`;
}

/** Copies live feed entry `:seq` into the outbox when some endpoint takes it; returns the event's seq. */
export function enqueueLiveSql(d: Dialect): string {
  return `INSERT INTO webhook_events (kind, chat_jid, message_id, at, created_at)
    SELECT l.kind, l.chat_jid, l.message_id, l.at, CAST(:now AS BIGINT) FROM live_events l
    WHERE l.seq = CAST(:seq AS BIGINT)
      AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE ${accepts(d, "l.kind", "l.chat_jid")})
    RETURNING seq`;
}

/** Queues a link state change (`:at`, `:detail`) when some endpoint takes link events; returns its seq. */
export function enqueueLinkSql(d: Dialect): string {
  return `INSERT INTO webhook_events (kind, chat_jid, message_id, at, detail, created_at)
    SELECT 'link', NULL, NULL, CAST(:at AS BIGINT), CAST(:detail AS TEXT), CAST(:at AS BIGINT)
    WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE ${accepts(d, "'link'", "NULL")})
    RETURNING seq`;
}

/** One pending delivery of event `:seq` per endpoint that takes it. */
export function deliveriesForEventSql(d: Dialect): string {
  return `INSERT INTO webhook_deliveries (event_seq, url, status, attempts, next_at)
    SELECT ev.seq, e.url, 'pending', 0, 0 FROM webhook_events ev
    JOIN webhook_endpoints e ON ${accepts(d, "ev.kind", "ev.chat_jid")}
    WHERE ev.seq = CAST(:seq AS BIGINT)`;
}

/** One statement with its named parameters. */
export type Statement = [string, Record<string, unknown>];

/** The statements of a webhook op other than the two enqueues (run in order). */
export function webhookOpSql(
  d: Dialect,
  op: Extract<WriteOp, { op: "setWebhookEndpoints" | "webhookAttempt" | "expireWebhooks" }>,
): Statement[] {
  switch (op.op) {
    case "setWebhookEndpoints": {
      const urls = JSON.stringify(op.endpoints.map((e) => e.url));
      return [
        ...op.endpoints.map((e): Statement => [
          `INSERT INTO webhook_endpoints (url, active, chats, events) VALUES (:url, 1, :chats, :events)
           ON CONFLICT (url) DO UPDATE SET active = 1, chats = excluded.chats, events = excluded.events`,
          { url: e.url, chats: e.chats ? JSON.stringify(e.chats) : null, events: JSON.stringify(e.events) },
        ]),
        [`UPDATE webhook_endpoints SET active = 0 WHERE active = 1 AND NOT ${inList(d, ":urls", "url")}`, { urls }],
        [
          `UPDATE webhook_endpoints SET dead = dead + (SELECT count(*) FROM webhook_deliveries d
             WHERE d.url = webhook_endpoints.url AND d.status = 'pending') WHERE active = 0`,
          {},
        ],
        [
          `UPDATE webhook_deliveries SET status = 'dead', last_error = 'the URL is no longer configured', settled_at = CAST(:at AS BIGINT)
           WHERE status = 'pending' AND url IN (SELECT url FROM webhook_endpoints WHERE active = 0)`,
          { at: op.at },
        ],
      ];
    }
    case "webhookAttempt": {
      const key = { seq: op.eventSeq, url: op.url };
      const pending = `EXISTS (SELECT 1 FROM webhook_deliveries
        WHERE event_seq = CAST(:seq AS BIGINT) AND url = :url AND status = 'pending')`;
      if (op.result === "delivered") {
        return [
          [
            `UPDATE webhook_endpoints SET delivered = delivered + 1, failures = 0, next_at = 0, last_delivered_at = CAST(:at AS BIGINT)
             WHERE url = :url AND ${pending}`,
            { ...key, at: op.at },
          ],
          ["DELETE FROM webhook_deliveries WHERE event_seq = CAST(:seq AS BIGINT) AND url = :url AND status = 'pending'", key],
          [
            `DELETE FROM webhook_events WHERE seq = CAST(:seq AS BIGINT)
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE event_seq = CAST(:seq AS BIGINT))`,
            { seq: op.eventSeq },
          ],
        ];
      }
      const failed = {
        ...key,
        at: op.at,
        error: op.error ?? null,
        gate: op.endpointRetryAt ?? null,
        dead: op.result === "dead" ? 1 : 0,
      };
      return [
        [
          `UPDATE webhook_endpoints SET failures = failures + 1, dead = dead + CAST(:dead AS INTEGER),
             next_at = coalesce(CAST(:gate AS BIGINT), next_at), last_error = CAST(:error AS TEXT), last_error_at = CAST(:at AS BIGINT)
           WHERE url = :url AND ${pending}`,
          failed,
        ],
        op.result === "dead"
          ? [
            `UPDATE webhook_deliveries SET status = 'dead', attempts = attempts + 1, last_error = CAST(:error AS TEXT), settled_at = CAST(:at AS BIGINT)
             WHERE event_seq = CAST(:seq AS BIGINT) AND url = :url AND status = 'pending'`,
            { ...key, at: op.at, error: op.error ?? null },
          ]
          : [
            `UPDATE webhook_deliveries SET attempts = attempts + 1, next_at = CAST(:next AS BIGINT), last_error = CAST(:error AS TEXT)
             WHERE event_seq = CAST(:seq AS BIGINT) AND url = :url AND status = 'pending'`,
            { ...key, next: op.nextAt ?? op.at, error: op.error ?? null },
          ],
      ];
    }
    case "expireWebhooks": {
      const old = `SELECT seq FROM webhook_events WHERE created_at < CAST(:before AS BIGINT)`;
      return [
        [
          `UPDATE webhook_endpoints SET dead = dead + (SELECT count(*) FROM webhook_deliveries d
             WHERE d.url = webhook_endpoints.url AND d.status = 'pending' AND d.event_seq IN (${old}))`,
          { before: op.before },
        ],
        [
          `UPDATE webhook_deliveries SET status = 'dead', settled_at = CAST(:at AS BIGINT),
             last_error = coalesce(last_error || '; ', '') || 'gave up: older than the maximum age'
           WHERE status = 'pending' AND event_seq IN (${old})`,
          { before: op.before, at: op.at },
        ],
        [
          `DELETE FROM webhook_deliveries WHERE status = 'dead' AND event_seq < (SELECT event_seq FROM webhook_deliveries
             WHERE status = 'dead' ORDER BY event_seq DESC LIMIT 1 OFFSET ${MAX_DEAD_DELIVERIES - 1})`,
          {},
        ],
        ["DELETE FROM webhook_events WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = webhook_events.seq)", {}],
      ];
    }
  }
}

/** Deliveries due at `:now`, oldest event first, at most `:limit`. */
export const WEBHOOK_DUE = `SELECT d.event_seq, d.url, d.attempts, ev.kind, ev.chat_jid, ev.message_id, ev.at, ev.detail, ev.created_at
  FROM webhook_deliveries d
  JOIN webhook_events ev ON ev.seq = d.event_seq
  JOIN webhook_endpoints e ON e.url = d.url
  WHERE d.status = 'pending' AND e.active = 1 AND d.next_at <= CAST(:now AS BIGINT) AND e.next_at <= CAST(:now AS BIGINT)
  ORDER BY d.event_seq, d.url LIMIT CAST(:limit AS INTEGER)`;

/** The earliest instant a pending delivery becomes due. */
export const WEBHOOK_NEXT_DUE = `SELECT min(CASE WHEN d.next_at > e.next_at THEN d.next_at ELSE e.next_at END) AS next
  FROM webhook_deliveries d JOIN webhook_endpoints e ON e.url = d.url
  WHERE d.status = 'pending' AND e.active = 1`;

/** Active endpoints with their counters. */
export const WEBHOOK_STATUS = `SELECT e.url, e.failures, e.next_at, e.delivered, e.dead, e.last_error, e.last_error_at, e.last_delivered_at,
    (SELECT count(*) FROM webhook_deliveries d WHERE d.url = e.url AND d.status = 'pending') AS pending,
    (SELECT min(ev.created_at) FROM webhook_deliveries d JOIN webhook_events ev ON ev.seq = d.event_seq
      WHERE d.url = e.url AND d.status = 'pending') AS oldest_pending_at
  FROM webhook_endpoints e WHERE e.active = 1 ORDER BY e.url`;

/** A `WEBHOOK_DUE` row. */
export function webhookDueFromRow(r: Row): WebhookDue {
  return {
    eventSeq: toNum(r.event_seq) ?? 0,
    url: String(r.url),
    attempts: toNum(r.attempts) ?? 0,
    kind: String(r.kind) as WebhookEventKind,
    chatJid: toStr(r.chat_jid),
    messageId: toStr(r.message_id),
    at: toNum(r.at) ?? 0,
    detail: toStr(r.detail),
    createdAt: toNum(r.created_at) ?? 0,
  };
}

/** A `WEBHOOK_STATUS` row. */
export function webhookStatusFromRow(r: Row, now: number): WebhookEndpointStatus {
  const gate = toNum(r.next_at) ?? 0;
  return {
    url: String(r.url),
    pending: toNum(r.pending) ?? 0,
    delivered: toNum(r.delivered) ?? 0,
    dead: toNum(r.dead) ?? 0,
    failures: toNum(r.failures) ?? 0,
    retryAt: gate > now ? gate : null,
    lastError: toStr(r.last_error),
    lastErrorAt: toNum(r.last_error_at),
    lastDeliveredAt: toNum(r.last_delivered_at),
    oldestPendingAt: toNum(r.oldest_pending_at),
  };
}

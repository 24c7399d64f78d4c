/**
 * The statements of the write ops that decide nothing (the write plan hands them to the
 * executors as `direct` steps): auth and meta rows, held sends, scheduled sends, webhook
 * endpoints and attempts. Named parameters (`:name`), which both dialects accept as written.
 * A link event is not here: its second statement needs the first one's answer. Pure.
 */
import { heldOpSql } from "./held_rows.ts";
import { scheduledOpSql } from "./scheduled_rows.ts";
import { type Dialect, type Statement, webhookOpSql } from "./webhook_rows.ts";
import type { DirectOp } from "./write_plan/steps.ts";

/** The statements of one op, run in order. */
export function directOpSql(d: Dialect, op: Exclude<DirectOp, { op: "recordLinkEvent" }>): Statement[] {
  switch (op.op) {
    case "setAuth":
      return op.value === null
        ? [["DELETE FROM auth WHERE category = :c AND id = :id", { c: op.category, id: op.id }]]
        : [[
          "INSERT INTO auth (category, id, value) VALUES (:c, :id, :v) ON CONFLICT (category, id) DO UPDATE SET value = excluded.value",
          { c: op.category, id: op.id, v: op.value },
        ]];
    case "clearAuth":
      return [["DELETE FROM auth", {}]];
    case "setMeta":
      return op.value === null
        ? [["DELETE FROM meta WHERE key = :k", { k: op.key }]]
        : [["INSERT INTO meta (key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", { k: op.key, v: op.value }]];
    case "holdSend":
    case "claimHeldSend":
    case "settleHeldSend":
      return [heldOpSql(op)];
    case "scheduleSend":
    case "moveScheduled":
      return [scheduledOpSql(op)];
    case "setWebhookEndpoints":
    case "webhookAttempt":
    case "expireWebhooks":
      return webhookOpSql(d, op);
  }
}

/** A link event's parameters for `enqueueLinkSql` (`:at`, `:detail`). */
export function linkEventParams(op: Extract<DirectOp, { op: "recordLinkEvent" }>): Record<string, unknown> {
  return { at: op.at, detail: JSON.stringify({ state: op.state, previous: op.previous, error: op.error }) };
}

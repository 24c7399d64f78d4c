/**
 * Where the webhooks stand, as get_sync_status and /api/status show it: totals and one entry per
 * configured endpoint, named by scheme, host and port only (paths and queries of webhook URLs
 * often carry tokens). Pure.
 */
import type { WebhookEndpointStatus } from "../store/types.ts";
import { endpointLabel } from "./settings.ts";

/** One endpoint. Instants are ISO 8601 (UTC), null when never. */
export interface WebhookEndpointView {
  endpoint: string;
  pending: number;
  delivered: number;
  dead: number;
  /** The last attempt failed (and nothing succeeded since). */
  failing: boolean;
  consecutive_failures: number;
  /** The receiver said it is unavailable: nothing is sent to it before this. */
  retry_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  last_delivered_at: string | null;
  oldest_pending_at: string | null;
}

/** Totals and endpoints; null when no webhook is configured. */
export interface WebhooksView {
  pending: number;
  delivered: number;
  dead: number;
  failing: boolean;
  endpoints: WebhookEndpointView[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The view of the store's endpoint rows (empty: null). */
export function webhooksView(rows: readonly WebhookEndpointStatus[]): WebhooksView | null {
  if (rows.length === 0) return null;
  const endpoints = rows.map((r): WebhookEndpointView => ({
    endpoint: endpointLabel(r.url),
    pending: r.pending,
    delivered: r.delivered,
    dead: r.dead,
    failing: r.failures > 0,
    consecutive_failures: r.failures,
    retry_at: iso(r.retryAt),
    last_error: r.lastError,
    last_error_at: iso(r.lastErrorAt),
    last_delivered_at: iso(r.lastDeliveredAt),
    oldest_pending_at: iso(r.oldestPendingAt),
  }));
  const sum = (k: "pending" | "delivered" | "dead") => endpoints.reduce((n, e) => n + e[k], 0);
  return { pending: sum("pending"), delivered: sum("delivered"), dead: sum("dead"), failing: endpoints.some((e) => e.failing), endpoints };
}

/** One line for text summaries, or null when webhooks are off. */
export function webhooksSummary(v: WebhooksView | null): string | null {
  if (!v) return null;
  const failing = v.endpoints.filter((e) => e.failing);
  return `Webhooks: ${v.pending} pending, ${v.delivered} delivered, ${v.dead} given up` +
    (failing.length > 0 ? `; failing: ${failing.map((e) => `${e.endpoint} (${e.last_error ?? "error"})`).join(", ")}` : "") + ".";
}

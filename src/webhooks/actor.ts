/**
 * The webhook actor (registry name "webhooks"): delivers the store's webhook outbox, at least
 * once. It never holds events itself: they are written by the store in the commit of the change
 * that causes them (or, for link state changes, by this actor's own commit when the connection
 * tells it), so a crash or restart loses nothing; on start it simply delivers what is pending.
 *
 * Messages: `wake` (the live hub saw new feed entries, or a timer fired) and `link` (from the
 * connection actor). A delivery round runs beside the mailbox: due rows are read from the store,
 * grouped by endpoint, sent (up to 4 at a time per endpoint), and each outcome is committed
 * before the next look at the outbox (`policy.ts` decides retry, gate or dead). After a round a
 * timer is set for the earliest pending row. The store decides what is due, so a restarted actor
 * picks up exactly where the store stands.
 *
 * Guarantees: every event some endpoint takes is POSTed to it until a 2xx, or until it is given up
 * (attempts or age), then kept as dead and counted. A 2xx whose commit is lost (crash in between)
 * is sent again: receivers dedupe by the event id. No order is guaranteed, per endpoint or
 * otherwise (retries and the parallel sends reorder); `occurred_at` and the message timestamp
 * say when things happened.
 */
import type { Behavior } from "../../supervisors/mod.ts";
import { createLogger, type Logger } from "../log.ts";
import type { LiveSource } from "../live/types.ts";
import type { Repository, WebhookDue, WriteOp } from "../store/types.ts";
import type { WebhookMsg } from "./client.ts";
import { type FetchLike, postWebhook } from "./deliver.ts";
import { buildWebhookPayload } from "./payload.ts";
import { type AttemptOutcome, DEFAULT_BACKOFF, endpointUnavailable, planAttempt, type RetryPolicy } from "./policy.ts";
import { endpointLabel, type WebhookSettings } from "./settings.ts";
import { EVENT_ID_HEADER, EVENT_KIND_HEADER, SIGNATURE_HEADER, signWebhook, webhookEventId } from "./signature.ts";


/** The store calls the actor makes (all messages to the store actor in the app). */
export type WebhookRepo = Pick<Repository, "commit" | "webhookDue" | "webhookNextDue" | "webhookStatus" | "getMessage">;

/** Options of the actor. */
export interface WebhookActorOptions {
  settings: WebhookSettings;
  repo: WebhookRepo;
  /** New live feed entries wake the actor. */
  live?: LiveSource;
  log?: Logger;
  fetch?: FetchLike;
  /** Backoff steps (default 1 s doubling to 10 min). */
  backoff?: { baseMs: number; capMs: number };
  random?: () => number;
  /** Sent as User-Agent. */
  userAgent?: string;
  /** How often deliveries past the maximum age are given up (default 60 s). */
  sweepMs?: number;
}

/** Deliveries read per look at the outbox. */
const PAGE = 200;
/** Requests in flight per endpoint. */
const PER_ENDPOINT = 4;
/** Bounds of the timer set after a round. */
const MIN_WAIT_MS = 100;
const MAX_WAIT_MS = 60_000;
/** After a round failed on the store (restarting), try again after this. */
const STORE_RETRY_MS = 2_000;

/** The behaviour; a fresh one per incarnation. */
export function webhookBehavior(opts: WebhookActorOptions): Behavior<WebhookMsg> {
  const s = opts.settings;
  const log = opts.log ?? createLogger("webhooks");
  const policy: RetryPolicy = {
    ...(opts.backoff ?? DEFAULT_BACKOFF),
    maxAttempts: s.maxAttempts,
    maxAgeMs: s.maxAgeMs,
    random: opts.random ?? Math.random,
  };
  const labels = new Map(s.urls.map((u, i) => [u, `#${i + 1} ${endpointLabel(u)}`]));
  const label = (url: string) => labels.get(url) ?? endpointLabel(url);
  const failures = new Map<string, number>();
  let running: Promise<void> | null = null;
  let again = false;
  let timer: unknown = null;
  let lastSweep = -Infinity;

  return {
    async start(ctx) {
      const status = await opts.repo.webhookStatus();
      if (s.urls.length === 0) {
        // Webhooks were turned off: stop queueing for the old URLs (their pending rows become dead).
        if (status.length > 0) await opts.repo.commit([{ op: "setWebhookEndpoints", endpoints: [], at: ctx.clock.now() }]);
        return;
      }
      await opts.repo.commit([{
        op: "setWebhookEndpoints",
        endpoints: s.urls.map((url) => ({ url, chats: s.chats, events: s.events })),
        at: ctx.clock.now(),
      }]);
      for (const e of status) failures.set(e.url, e.failures);
      const unsubscribe = opts.live?.subscribe((c) => {
        if (c.events.length > 0) ctx.self.tell({ type: "wake" });
      });
      ctx.signal.addEventListener("abort", () => {
        unsubscribe?.();
        if (timer !== null) ctx.clock.clearTimeout(timer);
      }, { once: true });
      log.info("webhooks on", { endpoints: [...labels.values()], events: s.events, chats: s.chats?.length ?? "all", bodies: s.includeBody });
      ctx.self.tell({ type: "wake" }); // what was pending before the restart
    },

    async receive(msg, ctx) {
      if (s.urls.length === 0) return;
      if (msg.type === "link") {
        if (!s.events.includes("link")) return;
        try {
          await opts.repo.commit([{ op: "recordLinkEvent", state: msg.state, previous: msg.previous, error: msg.error, at: msg.at }]);
        } catch (err) {
          // The store is restarting: this one change is not reported (the next one will be).
          log.warn("link state change not queued for webhooks", { error: err instanceof Error ? err.name : "error" });
          return;
        }
      }
      if (running) {
        again = true;
        return;
      }
      if (timer !== null) ctx.clock.clearTimeout(timer);
      timer = null;
      running = (async () => {
        let wait: number | null;
        try {
          do {
            again = false;
            await round(ctx.signal, () => ctx.clock.now());
          } while (again && !ctx.signal.aborted);
          const next = await opts.repo.webhookNextDue();
          const now = ctx.clock.now();
          wait = next === null ? null : Math.min(Math.max(next - now, MIN_WAIT_MS), MAX_WAIT_MS);
          // Old rows are given up even while their endpoint is gated: look at least once a sweep.
          if (wait !== null) wait = Math.min(wait, opts.sweepMs ?? 60_000);
        } catch (err) {
          if (ctx.signal.aborted) return;
          log.warn("webhook round failed; trying again", { error: err instanceof Error ? err.name : "error" });
          wait = STORE_RETRY_MS;
        } finally {
          running = null;
        }
        if (ctx.signal.aborted) return;
        if (again) ctx.self.tell({ type: "wake" });
        else if (wait !== null) timer = ctx.clock.setTimeout(() => ctx.self.tell({ type: "wake" }), wait);
      })();
    },

    async stop() {
      await running?.catch(() => {});
    },
  };

  async function round(signal: AbortSignal, now: () => number): Promise<void> {
    if (now() - lastSweep >= (opts.sweepMs ?? 60_000)) {
      await opts.repo.commit([{ op: "expireWebhooks", before: now() - s.maxAgeMs, at: now() }]);
      lastSweep = now();
    }
    for (;;) {
      const due = await opts.repo.webhookDue(now(), PAGE);
      if (due.length === 0 || signal.aborted) return;
      const lanes = new Map<string, WebhookDue[]>();
      for (const d of due) lanes.set(d.url, [...(lanes.get(d.url) ?? []), d]);
      await Promise.all([...lanes.values()].map((rows) => lane(rows, signal, now)));
      if (due.length < PAGE) return;
    }
  }

  /** One endpoint's due rows, `PER_ENDPOINT` at a time; stops at the first "unavailable". */
  async function lane(rows: WebhookDue[], signal: AbortSignal, now: () => number): Promise<void> {
    let next = 0;
    let blocked = false;
    const worker = async () => {
      while (!blocked && !signal.aborted && next < rows.length) {
        const row = rows[next++]!;
        const outcome = await attempt(row, signal);
        if (signal.aborted) return; // stopping: the row stays pending and is sent again after the restart
        await record(row, outcome, now());
        if (!outcome.ok && endpointUnavailable(outcome)) blocked = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PER_ENDPOINT, rows.length) }, worker));
  }

  async function attempt(row: WebhookDue, signal: AbortSignal): Promise<AttemptOutcome> {
    const message = row.kind !== "link" && row.chatJid && row.messageId ? await opts.repo.getMessage(row.chatJid, row.messageId) : null;
    const id = await webhookEventId(row.kind === "link" ? ["link", row.at, row.eventSeq] : [row.kind, row.chatJid, row.messageId, row.at]);
    const body = JSON.stringify(buildWebhookPayload(id, row, message, s.includeBody));
    const signature = await signWebhook(s.secret ?? "", Math.floor(Date.now() / 1000), body);
    return await postWebhook({
      url: row.url,
      body,
      headers: {
        "content-type": "application/json",
        "user-agent": opts.userAgent ?? "whatsapp-mcp-webhooks",
        [SIGNATURE_HEADER]: signature,
        [EVENT_ID_HEADER]: id,
        [EVENT_KIND_HEADER]: row.kind,
        "X-WhatsApp-MCP-Attempt": String(row.attempts + 1),
      },
      timeoutMs: s.timeoutMs,
      signal,
      fetch: opts.fetch,
    });
  }

  async function record(row: WebhookDue, outcome: AttemptOutcome, at: number): Promise<void> {
    const before = failures.get(row.url) ?? 0;
    const op: WriteOp = planAttempt(row, outcome, at, before, policy);
    // Counted before the commit's await, so parallel attempts of one endpoint see each other.
    failures.set(row.url, outcome.ok ? 0 : before + 1);
    await opts.repo.commit([op]);
    // Logs name the endpoint by number and host only, and never carry bodies or phone numbers.
    if (outcome.ok) {
      if (before > 0) log.info("webhook endpoint reachable again", { endpoint: label(row.url), failures: before });
      return;
    }
    if (op.op === "webhookAttempt" && op.result === "dead") {
      log.warn("webhook event given up (kept as dead)", { endpoint: label(row.url), kind: row.kind, error: outcome.error });
    } else if (before === 0) {
      log.warn("webhook delivery failed; retrying with backoff", { endpoint: label(row.url), error: outcome.error });
    }
  }
}

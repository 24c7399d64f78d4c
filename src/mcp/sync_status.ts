/**
 * The sync status as get_sync_status, check_bridge_status and the two resources show it: link
 * state and store counters. Never the QR string or pairing code (they grant the right to link
 * the account); errors pass through the log redactor.
 */
import { z } from "zod";
import { redact } from "../log.ts";
import type { StoreStats } from "../store/types.ts";
import type { LinkStatus } from "../whatsapp/protocol.ts";
import { isoUtc } from "./dates.ts";
import type { ToolDeps } from "./deps.ts";
import { storeLocationText } from "../config/store_location.ts";
import { linkProblem, qrUrl, readLinkStatus } from "./link.ts";
import { type WebhooksView, webhooksSummary, webhooksView } from "../webhooks/status.ts";

const nstr = z.string().nullable();
const nnum = z.number().nullable();

/** The status object (output schema shape of get_sync_status). */
export const syncStatusShape = {
  whatsapp: z.object({
    state: z.string(),
    connected: z.boolean(),
    linked: z.boolean(),
    since: nstr,
    account: nstr.describe("The linked account's phone number"),
    last_event_at: nstr,
    last_error: nstr,
    reconnect_attempt: z.number().int(),
    next_retry_at: nstr,
    problem: nstr.describe("What is wrong and what to do, when not connected"),
    web_version: nstr.optional().describe("WhatsApp Web version presented, and where it came from"),
    history: z.object({
      syncs: z.number().int(),
      messages: z.number().int(),
      chats: z.number().int(),
      last_sync_at: nstr,
      progress: nnum.describe("Initial history sync, percent"),
      in_progress: z.boolean(),
    }),
  }),
  store: z.object({
    backend: z.string(),
    messages: z.number().int(),
    chats: z.number().int(),
    people: z.number().int(),
    oldest_message_at: nstr,
    newest_message_at: nstr,
    size_bytes: nnum,
    last_error: nstr,
    refused_changes: z.number().int().optional().describe(
      "Edits and deletes not applied because they did not come from the message's sender (or, for a delete, a group admin)",
    ),
  }).nullable(),
  store_location: z.object({
    folder: z.string().describe("The data folder: the local store, or locks and downloads with PostgreSQL"),
    database: nstr.describe("host:port/database of the PostgreSQL store, null for the local store"),
  }).nullable(),
  webhooks: z.object({
    pending: z.number().int(),
    delivered: z.number().int(),
    dead: z.number().int().describe("Events given up (too many attempts or too old), kept in the store"),
    failing: z.boolean(),
    endpoints: z.array(z.object({
      endpoint: z.string().describe("Scheme, host and port of the URL (its path may carry a token)"),
      pending: z.number().int(),
      delivered: z.number().int(),
      dead: z.number().int(),
      failing: z.boolean(),
      consecutive_failures: z.number().int(),
      retry_at: nstr,
      last_error: nstr,
      last_error_at: nstr,
      last_delivered_at: nstr,
      oldest_pending_at: nstr,
    })),
  }).nullable().optional().describe("Webhook delivery (WHATSAPP_MCP_WEBHOOK_URL); null when none is configured"),
  status_url: nstr.describe("The status page; null when it could not be served (MCP still works)"),
  cluster: z.object({
    role: z.enum(["leader", "follower", "single"]).describe("leader: holds the WhatsApp connection; follower: serves reads, sends go through the leader; single: not in a cluster"),
    instance_id: z.string(),
    leader_id: nstr.describe("The member holding the WhatsApp connection (null while a new leader is chosen)"),
    members: z.array(z.object({
      instance_id: z.string(),
      role: z.enum(["leader", "follower"]),
      host: nstr,
      pid: nnum,
      version: nstr,
      last_seen_ms: z.number(),
    })).describe("Members seen recently (empty for a single instance)"),
  }).nullable().optional(),
  link_url: nstr.describe("Where to link the account (QR code), when not linked"),
};

const statusSchema = z.object(syncStatusShape);

/** The status object. */
export type SyncStatus = z.infer<typeof statusSchema>;

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : isoUtc(ms));

function whatsappPart(s: LinkStatus | null, statusUrl: string | null): SyncStatus["whatsapp"] {
  const me = s?.me?.id ?? null;
  const digits = me ? /^(\d+)/.exec(me)?.[1] ?? null : null;
  return {
    state: s?.state ?? "unknown",
    connected: s?.state === "open",
    linked: !!s?.me,
    since: iso(s?.since),
    account: digits && me?.includes("@s.whatsapp.net") ? `+${digits}` : null,
    last_event_at: iso(s?.lastEventAt),
    last_error: s?.lastError ? redact(s.lastError) : null,
    reconnect_attempt: s?.reconnectAttempt ?? 0,
    next_retry_at: iso(s?.nextRetryAt),
    problem: linkProblem(s, statusUrl),
    ...(s?.webVersion ? { web_version: `${s.webVersion.version} (${s.webVersion.origin})` } : {}),
    history: {
      syncs: s?.history.syncs ?? 0,
      messages: s?.history.messages ?? 0,
      chats: s?.history.chats ?? 0,
      last_sync_at: iso(s?.history.lastSyncAt),
      progress: s?.history.progress ?? null,
      in_progress: s?.history.inProgress ?? false,
    },
  };
}

function storePart(st: StoreStats | null): SyncStatus["store"] {
  if (!st) return null;
  return {
    backend: st.backend,
    messages: st.messages,
    chats: st.chats,
    people: st.people,
    oldest_message_at: iso(st.oldestMessageAt),
    newest_message_at: iso(st.newestMessageAt),
    size_bytes: st.sizeBytes ?? null,
    last_error: st.lastError ? redact(st.lastError) : null,
    refused_changes: st.refusedChanges ?? 0,
  };
}

/** Gathers the status; a failing store or connection actor shows as null / "unknown", never throws. */
export async function readSyncStatus(deps: Pick<ToolDeps, "whatsapp" | "repository" | "config" | "cluster">): Promise<SyncStatus> {
  const link = await readLinkStatus(deps);
  let stats: StoreStats | null = null;
  try {
    stats = await deps.repository.stats();
  } catch {
    stats = null;
  }
  let webhooks: WebhooksView | null = null;
  try {
    webhooks = webhooksView(await deps.repository.webhookStatus());
  } catch {
    webhooks = null;
  }
  const statusUrl = deps.config.statusUrl;
  return {
    whatsapp: whatsappPart(link, statusUrl),
    store: storePart(stats),
    store_location: deps.config.storeLocation ?? null,
    webhooks,
    status_url: statusUrl ? `${statusUrl.replace(/\/+$/, "")}/status` : null,
    link_url: link?.state === "open" ? null : qrUrl(statusUrl),
    ...(deps.cluster ? { cluster: deps.cluster() } : {}),
  };
}

/** One-paragraph summary for text blocks. */
export function statusSummary(s: SyncStatus): string {
  const lines: string[] = [];
  lines.push(
    s.whatsapp.connected
      ? `WhatsApp is connected${s.whatsapp.account ? ` as ${s.whatsapp.account}` : ""}.`
      : s.whatsapp.problem ?? `WhatsApp is not connected (${s.whatsapp.state}).`,
  );
  if (s.whatsapp.history.in_progress) {
    lines.push(`History sync in progress${s.whatsapp.history.progress !== null ? ` (${s.whatsapp.history.progress}%)` : ""}.`);
  }
  if (s.store) {
    lines.push(
      `Local copy (${s.store.backend}): ${s.store.messages} messages in ${s.store.chats} chats, ${s.store.people} people` +
        (s.store.oldest_message_at ? `, from ${s.store.oldest_message_at} to ${s.store.newest_message_at}` : "") + ".",
    );
    if (s.store.refused_changes) {
      lines.push(
        `${s.store.refused_changes} edits or deletes were not applied: they came from someone other than the message's sender ` +
          "(WhatsApp would not honour them either).",
      );
    }
  } else {
    lines.push("The local store did not answer.");
  }
  if (s.store_location) lines.push(`Data: ${storeLocationText(s.store_location)}.`);
  const hooks = webhooksSummary(s.webhooks ?? null);
  if (hooks) lines.push(hooks);
  lines.push(s.status_url ? `Status page: ${s.status_url}` : "No status page (its port could not be bound, or it is turned off).");
  if (s.whatsapp.last_error) lines.push(`Last error: ${s.whatsapp.last_error}`);
  if (s.cluster && s.cluster.role !== "single") {
    lines.push(
      `Cluster: this instance (${s.cluster.instance_id}) is ${s.cluster.role === "leader" ? "the leader" : "a follower"}; ` +
        `leader ${s.cluster.leader_id ?? "being chosen"}; ${s.cluster.members.length} members.`,
    );
  }
  return lines.join("\n");
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]!));
}

/** A small self-contained HTML page (no scripts, no external resources) for `whatsapp://status-ui`. */
export function statusHtml(s: SyncStatus): string {
  const row = (k: string, v: string | number | boolean | null) =>
    `<tr><th>${esc(k)}</th><td>${v === null ? "—" : esc(String(v))}</td></tr>`;
  const st = s.store;
  const link = s.link_url ? `<p class="warn">${esc(s.whatsapp.problem ?? "Not linked")}</p>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>WhatsApp MCP status</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5em;color:#111}h1{font-size:1.2em}table{border-collapse:collapse}
th,td{text-align:left;padding:.25em .8em;border-bottom:1px solid #ddd}th{font-weight:600;color:#444}
.ok{color:#087f23}.bad{color:#b00020}.warn{background:#fff4e5;padding:.5em;border-radius:4px}</style></head>
<body><h1>WhatsApp MCP status: <span class="${s.whatsapp.connected ? "ok" : "bad"}">${esc(s.whatsapp.state)}</span></h1>
${link}
<table>
${row("Connected", s.whatsapp.connected)}
${row("Account", s.whatsapp.account)}
${row("Since", s.whatsapp.since)}
${row("Last event", s.whatsapp.last_event_at)}
${row("Reconnect attempt", s.whatsapp.reconnect_attempt)}
${row("Last error", s.whatsapp.last_error)}
${row("WhatsApp Web version", s.whatsapp.web_version ?? null)}
${row("History syncs", s.whatsapp.history.syncs)}
${row("History sync progress", s.whatsapp.history.progress === null ? null : `${s.whatsapp.history.progress}%`)}
${row("Store", st ? st.backend : "not answering")}
${row("Messages", st?.messages ?? null)}
${row("Chats", st?.chats ?? null)}
${row("People", st?.people ?? null)}
${row("Oldest message", st?.oldest_message_at ?? null)}
${row("Newest message", st?.newest_message_at ?? null)}
${row("Size (bytes)", st?.size_bytes ?? null)}
${row("Store folder", s.store_location?.folder ?? null)}
${row("Refused edits/deletes", st?.refused_changes ?? null)}
${row("Webhooks", webhooksSummary(s.webhooks ?? null))}
${row("Status page", s.status_url)}
</table></body></html>`;
}

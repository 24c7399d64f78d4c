/**
 * The status dashboard: rendered with the current view, then kept fresh by a small script that
 * polls `/api/status` and applies its `view` to the elements marked `data-k` (no reload).
 */
import type { StatusView } from "../status-view.ts";
import { esc, layout } from "./html.ts";
import type { Chrome } from "./html.ts";

/** How often the dashboard polls. */
export const STATUS_POLL_MS = 3000;

const field = (v: StatusView, k: string) => `<span data-k="${k}">${esc(v.fields[k])}</span>`;
const row = (v: StatusView, label: string, k: string) => `<dt>${esc(label)}</dt><dd data-k="${k}">${esc(v.fields[k])}</dd>`;
const tile = (v: StatusView, label: string, k: string) =>
  `<div class="tile"><div class="label">${esc(label)}</div><div class="value" data-k="${k}">${esc(v.fields[k])}</div></div>`;

/** The script; it only touches textContent, attributes and the DOM it owns. */
function script(pollMs: number): string {
  return `
(() => {
  const $ = (s) => document.querySelector(s);
  const badge = $("#badge"), label = $("#badge-label"), notice = $("#link-notice");
  const progress = $("#progress"), errors = $("#errors"), updated = $("#updated"), conn = $("#conn");
  function apply(v) {
    for (const [k, t] of Object.entries(v.fields)) {
      for (const el of document.querySelectorAll('[data-k="' + k + '"]')) if (el.textContent !== t) el.textContent = t;
    }
    badge.className = "badge tone-" + v.badge.tone;
    badge.dataset.state = v.badge.state;
    label.textContent = v.badge.label;
    notice.hidden = !v.linking;
    progress.hidden = v.progress === null;
    if (v.progress !== null) progress.value = v.progress;
    errors.hidden = !(v.fields.linkError || v.fields.storeError);
  }
  async function tick() {
    try {
      const res = await fetch("/api/status", { headers: { accept: "application/json" }, cache: "no-store", credentials: "same-origin" });
      if (res.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); return; }
      if (!res.ok) throw new Error("HTTP " + res.status);
      const body = await res.json();
      apply(body.view);
      const count = $("#approvals-count");
      if (count && typeof body.approvalsWaiting === "number") {
        count.textContent = String(body.approvalsWaiting);
        count.hidden = body.approvalsWaiting === 0;
      }
      updated.textContent = new Date().toLocaleTimeString();
      conn.hidden = true;
    } catch {
      conn.hidden = false;
    } finally {
      setTimeout(tick, ${pollMs});
    }
  }
  updated.textContent = new Date().toLocaleTimeString();
  setTimeout(tick, ${pollMs});
})();`;
}

/** The full dashboard page. */
export function renderStatusPage(v: StatusView, opts: { nonce: string; chrome: Chrome; pollMs?: number }): string {
  const pollMs = opts.pollMs ?? STATUS_POLL_MS;
  const hasErrors = Boolean(v.fields.linkError || v.fields.storeError);
  const body = `
<section class="card hero">
  <div>
    <h1 data-k="account">${esc(v.fields.account)}</h1>
    <div class="muted">${field(v, "accountId")}</div>
  </div>
  <div class="right">
    <div id="badge" class="badge tone-${v.badge.tone}" data-state="${esc(v.badge.state)}"><span class="dot"></span><span id="badge-label">${esc(v.badge.label)}</span></div>
    <div class="muted small">${field(v, "since")}</div>
  </div>
</section>
<div id="link-notice" class="notice"${v.linking ? "" : " hidden"}><span>This server is not linked to a WhatsApp account.</span><a href="/qr">Link a device →</a></div>
<section class="tiles">
  ${tile(v, "Messages", "messages")}
  ${tile(v, "Chats", "chats")}
  ${tile(v, "Contacts", "contacts")}
  ${tile(v, "Store size", "size")}
</section>
<section class="card">
  <h2>History sync</h2>
  <progress id="progress" max="100" value="${v.progress ?? 0}"${v.progress === null ? " hidden" : ""}></progress>
  <dl>${row(v, "State", "history")}${row(v, "Last sync", "lastSync")}${row(v, "Oldest message", "oldest")}${row(v, "Newest message", "newest")}</dl>
</section>
<section class="grid2">
  <div class="card">
    <h2>Connection</h2>
    <dl>${row(v, "Last event", "lastEvent")}${row(v, "Reconnect", "reconnect")}${row(v, "Session store", "sessionBackend")}</dl>
  </div>
  <div class="card">
    <h2>Store</h2>
    <dl>${row(v, "Backend", "backend")}${row(v, "Folder", "folder")}${v.fields.database !== "—" ? row(v, "Database", "database") : ""}${row(v, "Journal", "journal")}${row(v, "Snapshot", "snapshot")}${row(v, "Webhooks", "webhooks")}</dl>
  </div>
</section>
<section id="errors" class="card errors"${hasErrors ? "" : " hidden"}>
  <h2>Last error</h2>
  <p data-k="linkError">${esc(v.fields.linkError)}</p>
  <p data-k="storeError">${esc(v.fields.storeError)}</p>
</section>`;
  const footer = `<span>Updated <span id="updated">—</span></span><span>·</span><span>refreshes every ${pollMs / 1000} s</span>` +
    `<span>·</span><a href="/api/status">JSON</a><span id="conn" class="offline" hidden>· server not reachable, retrying…</span>`;
  return layout({ title: `WhatsApp MCP · ${v.badge.label}`, nonce: opts.nonce, chrome: opts.chrome, body, footer, script: script(pollMs) });
}

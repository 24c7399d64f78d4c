/**
 * The approval page: every held send with exactly what would be sent (the text as the
 * confirmation dialog shows it: hidden characters visible, long whitespace runs collapsed),
 * attachments with a thumbnail for images, the reason, who asked and the time left, and
 * Approve / Decline buttons (POST forms with a CSRF token). A small script counts down, keeps
 * the waiting count fresh and raises a browser notification for a new held send while open.
 */
import type { HeldSendView } from "../approve/types.ts";
import { esc, layout } from "./html.ts";
import type { Chrome } from "./html.ts";

/** How often the page polls for new held sends. */
export const APPROVE_POLL_MS = 3000;

/** A message above the list after a decision. */
export interface ApproveFeedback {
  tone: "ok" | "bad" | "warn";
  text: string;
}

const STATUS_LABEL: Record<HeldSendView["status"], [string, string]> = {
  waiting: ["Waiting for you", "warn"],
  sending: ["Sending", "info"],
  sent: ["Sent", "ok"],
  declined: ["Declined", "idle"],
  expired: ["Expired, not sent", "idle"],
  failed: ["Not sent", "bad"],
};

function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

function recipientRows(v: HeldSendView): string {
  const r = v.recipient;
  const source = { contact: "saved contact", profile: "their own profile name, not verified", business: "business name", group: "group" }[
    r.nameSource ?? ""
  ];
  const name = r.name ? `${esc(r.name)}${source ? ` <span class="muted small">(${esc(source)})</span>` : ""}` : `<span class="muted">(no name known)</span>`;
  if (r.kind === "group") return `<dt>To group</dt><dd>${name}</dd><dt>Group ID</dt><dd>${esc(r.jid)}</dd>`;
  return `<dt>To</dt><dd>${name}</dd><dt>Number</dt><dd>${esc(r.phone ?? "(unknown)")}</dd><dt>WhatsApp ID</dt><dd>${esc(r.jid)}</dd>`;
}

function card(v: HeldSendView, csrf: string, now: number): string {
  const [label, tone] = STATUS_LABEL[v.status];
  const rows = [
    recipientRows(v),
    `<dt>Why you are asked</dt><dd class="reason">${esc(v.reason)}</dd>`,
    `<dt>Asked by</dt><dd>${esc(v.session ?? "an MCP client")} at ${esc(when(v.createdAt))}</dd>`,
    v.status === "waiting"
      ? `<dt>Time left</dt><dd data-expires="${v.expiresAt}" data-now="${now}">${esc(Math.max(0, Math.ceil((v.expiresAt - now) / 1000)))} s</dd>`
      : "",
    v.quotedId ? `<dt>In reply to</dt><dd>${esc(v.quotedId)}</dd>` : "",
    v.mentions.length ? `<dt>Mentions</dt><dd>${esc(v.mentions.join(", "))}</dd>` : "",
    v.messageId ? `<dt>Message id</dt><dd>${esc(v.messageId)}</dd>` : "",
    v.detail ? `<dt>Detail</dt><dd>${esc(v.detail)}</dd>` : "",
  ].join("");
  const files = v.attachments.map((a) =>
    `<div class="attachment">${
      a.image && v.status === "waiting"
        ? `<img class="thumb" alt="preview of ${esc(a.name)}" src="/approve/${encodeURIComponent(v.id)}/attachment/${a.index}">`
        : ""
    }<div><b>${esc(a.name)}</b><div class="muted small">${esc(a.kind)}, ${esc(size(a.bytes))}${
      a.seconds !== undefined ? `, ${esc(Math.round(a.seconds))} s` : ""
    }</div></div></div>`
  ).join("");
  const text = v.text === null ? "" : `<h3>Text <span class="muted small">(${v.textChars} characters, ${v.textLines} line${
    v.textLines === 1 ? "" : "s"
  }), shown in full</span></h3><pre class="held-text">${esc(v.text)}</pre>`;
  const id = encodeURIComponent(v.id);
  const buttons = v.status === "waiting"
    ? `<div class="actions">
<form method="post" action="/approve/${id}/approve"><input type="hidden" name="csrf" value="${esc(csrf)}"><button class="primary" type="submit">${esc(v.approveLabel ?? "Approve and send")}</button></form>
<form method="post" action="/approve/${id}/decline"><input type="hidden" name="csrf" value="${esc(csrf)}"><button class="secondary" type="submit">Decline</button></form>
</div>`
    : "";
  return `<section class="card held" id="held-${esc(v.id)}" data-status="${esc(v.status)}">
<div class="hero"><h1>${esc(v.action)}</h1><span class="badge tone-${tone}"><span class="dot"></span>${esc(label)}</span></div>
<dl>${rows}</dl>
${files ? `<div class="attachments">${files}</div>` : ""}
${text}
${buttons}
</section>`;
}

const CSS = `
.held h1{font-size:19px}
.held dl{margin-top:14px}
.held h3{font-size:14px;margin:16px 0 6px}
.reason{font-weight:600}
pre.held-text{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;padding:12px 14px;border-radius:10px;background:var(--bg);
border:1px solid var(--line);font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.attachments{display:grid;gap:10px;margin-top:14px}
.attachment{display:flex;gap:12px;align-items:center}
img.thumb{width:96px;height:96px;object-fit:cover;border-radius:8px;border:1px solid var(--line)}
.actions{display:flex;gap:10px;margin-top:16px}
.actions form{margin:0}
button.secondary{padding:10px 16px;border-radius:10px;border:1px solid var(--line);background:var(--card);color:var(--text);
font:inherit;font-weight:600;cursor:pointer}
.feedback{padding:12px 16px;border-radius:12px;margin-bottom:16px;font-weight:600}
`;

function script(pollMs: number, waiting: number): string {
  return `
(() => {
  let known = ${waiting};
  const left = (el) => {
    const ms = Number(el.dataset.expires) - (Date.now() - start) - Number(el.dataset.now);
    const s = Math.max(0, Math.ceil(ms / 1000));
    el.textContent = s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s";
  };
  const start = Date.now();
  const tick = () => { for (const el of document.querySelectorAll("[data-expires]")) left(el); };
  tick();
  setInterval(tick, 1000);
  const ask = document.querySelector("#notify");
  if (ask && "Notification" in window && Notification.permission === "default") {
    ask.hidden = false;
    ask.addEventListener("click", () => Notification.requestPermission().then(() => { ask.hidden = true; }));
  }
  const count = document.querySelector("#approvals-count");
  async function poll() {
    try {
      const res = await fetch("/approve/pending.json", { headers: { accept: "application/json" }, cache: "no-store", credentials: "same-origin" });
      if (!res.ok) return;
      const p = await res.json();
      if (count) { count.textContent = String(p.waiting); count.hidden = p.waiting === 0; }
      if (p.waiting > known && "Notification" in window && Notification.permission === "granted") {
        new Notification("WhatsApp MCP: a send is waiting for your approval", { body: "Open the approval page to check it.", tag: "whatsapp-mcp-approve" });
      }
      if (p.waiting !== known && document.body.dataset.list === "1") location.reload();
      known = p.waiting;
    } catch {}
  }
  setInterval(poll, ${pollMs});
})();`;
}

/** The page: all held sends (`list`), or one (`/approve/{id}`). */
export function renderApprovePage(
  views: HeldSendView[],
  opts: { nonce: string; chrome: Chrome; csrf: string; now: number; single: boolean; feedback?: ApproveFeedback | null },
): string {
  const waiting = views.filter((v) => v.status === "waiting");
  const feedback = opts.feedback ? `<div class="feedback tone-${opts.feedback.tone}" role="status">${esc(opts.feedback.text)}</div>` : "";
  const intro = opts.single
    ? `<p class="muted small"><a href="/approve">All held sends</a></p>`
    : `<div class="card"><div class="hero"><h1>${waiting.length === 0 ? "Nothing is waiting for your approval" : `${waiting.length} send${
      waiting.length === 1 ? " is" : "s are"
    } waiting for your approval`}</h1><button class="secondary" id="notify" hidden type="button">Notify me</button></div>
<p class="muted small">Your assistant asked to send these on WhatsApp as you. Nothing is sent unless you approve it here;
check the recipient and the full text. A send you do not approve expires unsent.</p></div>`;
  const cards = views.map((v) => card(v, opts.csrf, opts.now)).join("\n");
  const empty = views.length === 0 && opts.single ? `<div class="card">There is no held send with this id.</div>` : "";
  const body = `<style nonce="${esc(opts.nonce)}">${CSS}</style>${feedback}${intro}${cards}${empty}`;
  const page = layout({
    title: waiting.length > 0 ? `(${waiting.length}) Approve sends · WhatsApp MCP` : "Approve sends · WhatsApp MCP",
    nonce: opts.nonce,
    chrome: opts.chrome,
    body,
    script: script(APPROVE_POLL_MS, waiting.length),
  });
  return opts.single ? page : page.replace("<body>", `<body data-list="1">`);
}

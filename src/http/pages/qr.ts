/**
 * The link page: the QR code (inline SVG made locally), swapped in place as WhatsApp rotates
 * it by polling `/api/qr`; "linked" once the connection is open; and a pairing-code form as the
 * alternative to scanning.
 */
import type { QrView } from "../qr-view.ts";
import { esc, layout } from "./html.ts";
import type { Chrome } from "./html.ts";

/** How often the QR page polls (WhatsApp rotates the code every 20-60 s). */
export const QR_POLL_MS = 2000;

/** Extra state from a pairing-code form submission. */
export interface PairingFeedback {
  code?: string | null;
  error?: string | null;
  phone?: string | null;
}

function script(pollMs: number): string {
  return `
(() => {
  const $ = (s) => document.querySelector(s);
  const box = $("#qr-box"), linked = $("#linked"), scan = $("#scan"), pair = $("#pair");
  const badge = $("#badge"), label = $("#badge-label"), codeBox = $("#code-box"), code = $("#code");
  const who = $("#linked-as"), conn = $("#conn");
  let current = box.dataset.qr === "1" ? box.innerHTML : "";
  function setQr(svg) {
    if (svg === current) return;
    current = svg || "";
    if (svg) {
      const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
      box.replaceChildren(document.importNode(doc.documentElement, true));
      box.dataset.qr = "1";
      box.dataset.rev = String(Number(box.dataset.rev || "0") + 1);
    } else {
      const p = document.createElement("div");
      p.className = "wait";
      p.textContent = "Waiting for WhatsApp to offer a QR code…";
      box.replaceChildren(p);
      box.dataset.qr = "0";
    }
  }
  function apply(v) {
    badge.className = "badge tone-" + v.badge.tone;
    badge.dataset.state = v.badge.state;
    label.textContent = v.badge.label;
    linked.hidden = !v.linked;
    scan.hidden = v.linked;
    pair.hidden = v.linked || !v.canPair;
    if (v.linked) {
      who.textContent = v.account ? ((v.account.name ? v.account.name + " · " : "") + v.account.number) : "";
      setQr(null);
    } else {
      setQr(v.svg);
    }
    if (v.pairingCode) { code.textContent = v.pairingCode; codeBox.hidden = false; }
  }
  async function tick() {
    try {
      const res = await fetch("/api/qr", { headers: { accept: "application/json" }, cache: "no-store", credentials: "same-origin" });
      if (res.status === 401) { location.href = "/login?next=/qr"; return; }
      if (!res.ok) throw new Error("HTTP " + res.status);
      apply(await res.json());
      conn.hidden = true;
    } catch {
      conn.hidden = false;
    } finally {
      setTimeout(tick, ${pollMs});
    }
  }
  setTimeout(tick, ${pollMs});
})();`;
}

/** The full link page. */
export function renderQrPage(
  v: QrView,
  opts: { nonce: string; chrome: Chrome; csrf: string; pollMs?: number; feedback?: PairingFeedback },
): string {
  const pollMs = opts.pollMs ?? QR_POLL_MS;
  const fb = opts.feedback ?? {};
  const shownCode = v.pairingCode ?? fb.code ?? null;
  const who = v.account ? (v.account.name ? `${v.account.name} · ` : "") + v.account.number : "";
  const qrInner = v.svg ?? `<div class="wait">Waiting for WhatsApp to offer a QR code…</div>`;
  const body = `
<section class="card center">
  <div id="badge" class="badge tone-${v.badge.tone}" data-state="${esc(v.badge.state)}"><span class="dot"></span><span id="badge-label">${esc(v.badge.label)}</span></div>
  <div id="linked" class="linked"${v.linked ? "" : " hidden"}>
    <div class="check" aria-hidden="true">✓</div>
    <h2>Linked</h2>
    <div class="muted" id="linked-as">${esc(who)}</div>
    <p><a href="/status">Open the status page →</a></p>
  </div>
  <div id="scan"${v.linked ? " hidden" : ""}>
    <div id="qr-box" class="qr" data-qr="${v.svg ? "1" : "0"}" data-rev="0">${qrInner}</div>
    <ol class="steps">
      <li>Open <b>WhatsApp</b> on your phone.</li>
      <li>Go to <b>Settings → Linked devices → Link a device</b>.</li>
      <li>Point the camera at this code. It refreshes by itself.</li>
    </ol>
  </div>
</section>
<section id="pair" class="card"${v.linked || !v.canPair ? " hidden" : ""}>
  <h2>Link with phone number instead</h2>
  ${fb.error ? `<p class="error-msg" role="alert">${esc(fb.error)}</p>` : ""}
  <form class="stack" method="post" action="/qr/pairing-code" autocomplete="off">
    <input type="hidden" name="csrf" value="${esc(opts.csrf)}">
    <label for="phone">Your phone number, with country code</label>
    <input id="phone" name="phone" type="tel" inputmode="tel" placeholder="+49 151 23456789" required maxlength="32" value="${esc(fb.phone ?? "")}">
    <button class="primary" type="submit">Get pairing code</button>
  </form>
  <div id="code-box"${shownCode ? "" : " hidden"}>
    <p class="muted">On your phone: <b>Linked devices → Link a device → Link with phone number instead</b>, then type:</p>
    <div class="code" id="code">${esc(shownCode ?? "")}</div>
  </div>
</section>`;
  const footer = `<span>The QR code is generated on this machine and never sent anywhere.</span><span id="conn" class="offline" hidden>· server not reachable, retrying…</span>`;
  return layout({ title: "WhatsApp MCP · Link device", nonce: opts.nonce, chrome: opts.chrome, body, footer, narrow: true, script: script(pollMs) });
}

/**
 * HTML building blocks shared by the pages: escaping, the layout with its inline CSS, and the
 * nonce'd script tag. No external assets: everything a page needs is in the response.
 */

/** Escapes text for HTML content and attribute values. */
export function esc(text: string | number | null | undefined): string {
  return String(text ?? "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Serialises data for a `<script type="application/json">` block (no `</script>` breakout). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

/** What the header shows on the right. */
export interface Chrome {
  /** Current page, for the nav highlight. */
  page: "status" | "qr" | "login" | "approve";
  /** Signed in through the login form: show a sign-out button carrying this CSRF token. */
  signOutCsrf: string | null;
  /** Sends waiting for approval (a badge on the Approvals link); absent: no approvals page. */
  pending?: number | null;
}

const CSS = `
:root{--bg:#f4f6f8;--card:#fff;--text:#1c2530;--muted:#667382;--line:#e3e8ee;--accent:#0b8a5f;
--ok:#0b8a5f;--ok-bg:#e3f5ed;--warn:#a15c00;--warn-bg:#fff1d6;--info:#1f5fbf;--info-bg:#e3edfb;
--bad:#b42318;--bad-bg:#fde8e6;--idle:#5b6573;--idle-bg:#eceff3;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0f1419;--card:#171e26;--text:#e6edf3;--muted:#93a1b0;
--line:#26313d;--accent:#35c48d;--ok:#4ad39b;--ok-bg:#113325;--warn:#f0b74d;--warn-bg:#3a2c0e;--info:#7fb0ff;
--info-bg:#15284a;--bad:#ff8a7f;--bad-bg:#441a17;--idle:#a3adba;--idle-bg:#232c36}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif;-webkit-font-smoothing:antialiased}
a{color:var(--accent)}
header.top{display:flex;align-items:center;justify-content:space-between;gap:16px;padding:14px 24px;min-height:64px;
background:var(--card);border-bottom:1px solid var(--line)}
.brand{display:flex;align-items:center;gap:10px;font-weight:650;font-size:16px}
.logo{display:inline-grid;place-items:center;width:28px;height:28px;border-radius:8px;background:var(--accent);
color:#fff;font-size:15px}
nav{display:flex;align-items:center;gap:6px}
nav a,nav button{color:var(--muted);text-decoration:none;padding:6px 10px;border-radius:8px;font:inherit;
background:none;border:0;cursor:pointer}
nav a[aria-current=page]{color:var(--text);background:var(--bg);font-weight:600}
nav a:hover,nav button:hover{color:var(--text)}
nav form{margin:0}
main{max-width:980px;margin:0 auto;padding:24px}
main.narrow{max-width:560px}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:20px 22px;margin-bottom:16px}
.card h2{margin:0 0 12px;font-size:13px;letter-spacing:.06em;text-transform:uppercase;color:var(--muted);font-weight:650}
.hero{display:flex;align-items:center;justify-content:space-between;gap:16px;flex-wrap:wrap}
.hero h1{margin:0;font-size:22px;font-weight:650}
.muted{color:var(--muted)}
.small{font-size:13px}
.badge{display:inline-flex;align-items:center;gap:8px;padding:6px 12px;border-radius:999px;font-weight:600;
font-size:14px;white-space:nowrap}
.badge .dot{width:9px;height:9px;border-radius:50%;background:currentColor}
.tone-ok{color:var(--ok);background:var(--ok-bg)}
.tone-warn{color:var(--warn);background:var(--warn-bg)}
.tone-info{color:var(--info);background:var(--info-bg)}
.tone-bad{color:var(--bad);background:var(--bad-bg)}
.tone-idle{color:var(--idle);background:var(--idle-bg)}
.tone-warn .dot,.tone-info .dot{animation:pulse 1.6s ease-in-out infinite}
@keyframes pulse{50%{opacity:.35}}
@media (prefers-reduced-motion:reduce){.badge .dot{animation:none}}
.right{text-align:right}
.notice{display:flex;align-items:center;justify-content:space-between;gap:12px;padding:14px 18px;border-radius:12px;
margin-bottom:16px;background:var(--warn-bg);color:var(--warn);font-weight:550}
.notice a{color:inherit;font-weight:650}
.tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:16px;margin-bottom:16px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:16px 18px}
.tile .label{color:var(--muted);font-size:13px}
.tile .value{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums;margin-top:2px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.grid2 .card{margin-bottom:16px}
dl{display:grid;grid-template-columns:minmax(120px,max-content) 1fr;gap:8px 18px;margin:0}
dt{color:var(--muted)}
dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
progress{width:100%;height:8px;border:0;border-radius:99px;overflow:hidden;margin:4px 0 14px;appearance:none;
background:var(--line)}
progress::-webkit-progress-bar{background:var(--line)}
progress::-webkit-progress-value{background:var(--accent);transition:width .4s}
progress::-moz-progress-bar{background:var(--accent)}
.errors{border-color:var(--bad-bg)}
.errors h2{color:var(--bad)}
.errors p{margin:0 0 6px;color:var(--bad);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;
overflow-wrap:anywhere}
.errors p:empty{display:none}
footer{max-width:980px;margin:0 auto;padding:0 24px 32px;color:var(--muted);font-size:13px;display:flex;gap:8px;
flex-wrap:wrap}
footer.narrow{max-width:560px}
.offline{color:var(--bad)}
.center{text-align:center}
.qr{display:grid;place-items:center;margin:18px auto 8px;width:min(320px,100%);aspect-ratio:1;border-radius:12px;
background:#fff;border:1px solid var(--line);padding:10px}
.qr svg{width:100%;height:100%;display:block}
.qr .wait{color:#667382;font-size:14px;padding:24px}
.linked{padding:28px 10px 14px}
.linked .check{display:inline-grid;place-items:center;width:64px;height:64px;border-radius:50%;background:var(--ok-bg);
color:var(--ok);font-size:34px;font-weight:700}
.linked h2{text-transform:none;letter-spacing:0;font-size:20px;color:var(--text);margin:12px 0 4px}
ol.steps{text-align:left;margin:14px auto 0;padding-left:22px;max-width:380px;color:var(--muted)}
ol.steps b{color:var(--text);font-weight:600}
form.stack{display:grid;gap:10px}
label{font-weight:600;font-size:14px}
input[type=tel],input[type=password],input[type=text]{width:100%;padding:10px 12px;border-radius:10px;border:1px solid var(--line);
background:var(--bg);color:var(--text);font:inherit}
input:focus{outline:2px solid var(--accent);outline-offset:1px}
button.primary{padding:10px 16px;border-radius:10px;border:0;background:var(--accent);color:#fff;font:inherit;font-weight:600;
cursor:pointer}
button.primary:hover{filter:brightness(1.07)}
.code{font:700 30px/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.12em;margin:10px 0;
padding:14px;border-radius:12px;background:var(--bg);text-align:center}
.error-msg{color:var(--bad);background:var(--bad-bg);padding:10px 12px;border-radius:10px;margin:0 0 12px}
.count{display:inline-grid;place-items:center;min-width:20px;height:20px;padding:0 6px;margin-left:4px;border-radius:99px;
background:var(--bad);color:#fff;font-size:12px;font-weight:700}
[hidden]{display:none!important}
@media (max-width:760px){.tiles{grid-template-columns:repeat(2,1fr)}.grid2{grid-template-columns:1fr}
main{padding:16px}header.top{padding:12px 16px}}
`;

/** A complete page. `script` is plain JavaScript, emitted with the CSP nonce. */
export function layout(opts: {
  title: string;
  nonce: string;
  chrome: Chrome;
  body: string;
  script?: string;
  narrow?: boolean;
  footer?: string;
}): string {
  const { chrome, nonce } = opts;
  const cur = (p: Chrome["page"]) => (chrome.page === p ? ` aria-current="page"` : "");
  const signOut = chrome.signOutCsrf
    ? `<form method="post" action="/logout"><input type="hidden" name="csrf" value="${esc(chrome.signOutCsrf)}"><button type="submit">Sign out</button></form>`
    : "";
  const approvals = chrome.pending === undefined || chrome.pending === null
    ? ""
    : `<a href="/approve"${cur("approve")}>Approvals <span id="approvals-count" class="count"${chrome.pending > 0 ? "" : " hidden"} ` +
      `aria-label="${esc(chrome.pending)} waiting">${esc(chrome.pending)}</span></a>`;
  const nav = chrome.page === "login"
    ? ""
    : `<nav><a href="/status"${cur("status")}>Status</a>${approvals}<a href="/qr"${cur("qr")}>Link device</a>${signOut}</nav>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${esc(opts.title)}</title>
<style nonce="${esc(nonce)}">${CSS}</style>
</head>
<body>
<header class="top"><div class="brand"><span class="logo" aria-hidden="true">✆</span>WhatsApp MCP</div>${nav}</header>
<main${opts.narrow ? ` class="narrow"` : ""}>
${opts.body}
</main>
${opts.footer ? `<footer${opts.narrow ? ` class="narrow"` : ""}>${opts.footer}</footer>` : ""}
${opts.script ? `<script nonce="${esc(nonce)}">${opts.script}</script>` : ""}
</body>
</html>`;
}

/**
 * The sign-in page for browsers when authentication is configured: paste the access token
 * (MCP_AUTH_TOKEN, or an OAuth JWT such as a Google ID token) once; the server answers with a
 * session cookie (HttpOnly, SameSite=Strict) so the token is not kept in the browser.
 */
import { esc, layout } from "./html.ts";

/** The sign-in page. */
export function renderLoginPage(opts: { nonce: string; csrf: string; next: string; error?: string | null; oauth: boolean }): string {
  const hint = opts.oauth
    ? "Paste the access token set in MCP_AUTH_TOKEN, or an OAuth ID token for an allowed account."
    : "Paste the access token set in MCP_AUTH_TOKEN on the server.";
  const body = `
<section class="card">
  <h2>Sign in</h2>
  <p class="muted">${esc(hint)}</p>
  ${opts.error ? `<p class="error-msg" role="alert">${esc(opts.error)}</p>` : ""}
  <form class="stack" method="post" action="/login" autocomplete="off">
    <input type="hidden" name="csrf" value="${esc(opts.csrf)}">
    <input type="hidden" name="next" value="${esc(opts.next)}">
    <label for="token">Access token</label>
    <input id="token" name="token" type="password" required maxlength="3500" autofocus>
    <button class="primary" type="submit">Sign in</button>
  </form>
</section>`;
  return layout({ title: "WhatsApp MCP · Sign in", nonce: opts.nonce, chrome: { page: "login", signOutCsrf: null }, body, narrow: true });
}

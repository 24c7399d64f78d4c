/**
 * DNS-rebinding protection (Host and Origin allow-lists) and the security headers every
 * response carries. Pure functions over Web `Request`/`Headers`.
 */

/** Which Host and Origin values this server answers to. */
export interface HostPolicy {
  /** Lower-case `host[:port]` values accepted in the Host header. */
  hosts: Set<string>;
  /** Lower-case origins accepted in the Origin header. */
  origins: Set<string>;
}

function bracket(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function isWildcard(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1");
  return h === "" || h === "0.0.0.0" || h === "::" || h === "0:0:0:0:0:0:0:0";
}

/**
 * The allow-lists for a server bound to `bindHost:port`: the loopback names with that port,
 * the bound address itself when it is a specific one, and the host of the public URL.
 */
export function hostPolicy(bindHost: string, port: number, publicUrl: string | null): HostPolicy {
  const hosts = new Set<string>();
  const origins = new Set<string>();
  const add = (hostname: string, p: number, scheme: "http" | "https", defaultPort: number) => {
    const h = bracket(hostname.toLowerCase());
    hosts.add(`${h}:${p}`);
    origins.add(`${scheme}://${h}:${p}`);
    if (p === defaultPort) {
      hosts.add(h);
      origins.add(`${scheme}://${h}`);
    }
  };
  for (const name of ["127.0.0.1", "localhost", "::1"]) add(name, port, "http", 80);
  // A specific bound address is safe to accept literally: a rebinding attack carries the attacker's name.
  if (!isWildcard(bindHost)) add(bindHost.replace(/^\[(.*)\]$/, "$1"), port, "http", 80);
  if (publicUrl) {
    const u = new URL(publicUrl);
    const scheme = u.protocol === "https:" ? "https" : "http";
    const def = scheme === "https" ? 443 : 80;
    add(u.hostname, u.port ? Number(u.port) : def, scheme, def);
  }
  return { hosts, origins };
}

/** Why a request was turned away, or null when Host and Origin are acceptable. */
export function hostOriginProblem(req: Request, policy: HostPolicy, opts: { checkOrigin?: boolean } = {}): string | null {
  const host = (req.headers.get("host") ?? new URL(req.url).host).trim().toLowerCase();
  if (!policy.hosts.has(host)) return "Host header not allowed";
  if (opts.checkOrigin === false) return null;
  const site = req.headers.get("sec-fetch-site");
  const unsafe = req.method !== "GET" && req.method !== "HEAD" && req.method !== "OPTIONS";
  // Browsers say where a request comes from; other local ports are "same-site", so only same-origin counts.
  if (unsafe && site !== null && site !== "same-origin" && site !== "none") return "cross-site request refused";
  const origin = req.headers.get("origin");
  // Browsers send Origin on cross-origin requests and on every POST; non-browser clients
  // (MCP clients, curl) usually send none, which is fine: rebinding needs a browser.
  if (origin === null) return null;
  const o = origin.trim().toLowerCase();
  // With `Referrer-Policy: no-referrer` Chromium sends "Origin: null" on our own form posts;
  // it is accepted only when the browser also vouches the request is same-origin.
  if (o === "null") return site === "same-origin" ? null : "Origin not allowed";
  return policy.origins.has(o) ? null : "Origin not allowed";
}

/** Content-Security-Policy for JSON and other non-page responses: nothing may load or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Content-Security-Policy for our pages: inline script and style only with this response's nonce. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Sets the headers every response carries (a page's own CSP is kept). Nothing here is cacheable. */
export function applySecurityHeaders(headers: Headers): void {
  headers.set("Cache-Control", "no-store");
  if (!headers.has("Content-Security-Policy")) headers.set("Content-Security-Policy", API_CSP);
  headers.set("X-Frame-Options", "DENY");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "no-referrer");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Resource-Policy", "same-origin");
}

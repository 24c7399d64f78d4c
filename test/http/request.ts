/**
 * Request helpers for testing the app through `app.request()` (no socket), with a cookie jar.
 */
import type { ConnInfo } from "hono/conninfo";

/** What the helpers need of an app: Hono's `request()` (env = what a runtime adapter would bind). */
export interface RequestApp {
  request(url: string, init?: RequestInit, env?: unknown): Response | Promise<Response>;
}

/** The env a runtime adapter binds for a client at `address` (see src/runtime/serve_node.ts). */
export function fromAddress(address: string): { conn: ConnInfo } {
  return { conn: { remote: { address, port: 50000, transport: "tcp", addressType: address.includes(":") ? "IPv6" : "IPv4" } } };
}

/** The Host a browser sends to a server bound to 127.0.0.1:8080. */
export const HOST = "127.0.0.1:8080";

/** A minimal cookie jar: remembers Set-Cookie values and sends them back. */
export class Jar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const i = pair!.indexOf("=");
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** Sends a request with Host set (unless given) and the jar's cookies; stores new cookies. `from`: the client address. */
export async function call(app: RequestApp, path: string, init: RequestInit & { jar?: Jar; from?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("host")) headers.set("host", HOST);
  if (init.jar && init.jar.cookies.size > 0 && !headers.has("cookie")) headers.set("cookie", init.jar.header());
  const { jar: _jar, from, ...rest } = init;
  const res = await app.request(`http://${headers.get("host")}${path}`, { ...rest, headers }, from ? fromAddress(from) : undefined);
  init.jar?.take(res);
  return res;
}

/** POSTs a urlencoded form. */
export function postForm(app: RequestApp, path: string, fields: Record<string, string>, init: RequestInit & { jar?: Jar; from?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/x-www-form-urlencoded");
  return call(app, path, { ...init, method: "POST", headers, body: new URLSearchParams(fields).toString() });
}

/** The CSRF token embedded in a page's form. */
export function csrfFrom(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error("no CSRF token in page");
  return m[1]!;
}

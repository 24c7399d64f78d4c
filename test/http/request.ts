/**
 * Request helpers for testing the app through `app.request()` (no socket), with a cookie jar.
 */
import type { Hono } from "hono";

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

/** Sends a request with Host set (unless given) and the jar's cookies; stores new cookies. */
export async function call(app: Hono, path: string, init: RequestInit & { jar?: Jar } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("host")) headers.set("host", HOST);
  if (init.jar && init.jar.cookies.size > 0 && !headers.has("cookie")) headers.set("cookie", init.jar.header());
  const res = await app.request(`http://${headers.get("host")}${path}`, { ...init, headers });
  init.jar?.take(res);
  return res;
}

/** POSTs a urlencoded form. */
export function postForm(app: Hono, path: string, fields: Record<string, string>, init: RequestInit & { jar?: Jar } = {}): Promise<Response> {
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

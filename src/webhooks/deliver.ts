/**
 * One webhook attempt: a POST with the signed JSON body, bounded by a timeout. Redirects are not
 * followed automatically: only a 307/308 to the same origin (the method and body kept) is
 * followed, up to 3 times; any other redirect is a failed attempt (a receiver must not be able
 * to bounce the event, and its signature, to another host). The answer's body is not read.
 */
import { describeFetchFailure } from "../fetch_failure.ts";
import { type AttemptOutcome, retryAfterMs } from "./policy.ts";

/** The fetch this module needs (the global one by default; a test may pass its own). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** One POST. */
export interface PostRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the attempt (the actor is stopping). */
  signal?: AbortSignal;
  fetch?: FetchLike;
}

const MAX_REDIRECTS = 3;

/** Sends `req`; never throws (every failure is an outcome with a reason free of the URL). */
export async function postWebhook(req: PostRequest): Promise<AttemptOutcome> {
  const doFetch = req.fetch ?? ((input, init) => fetch(input, init));
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error(`timed out after ${req.timeoutMs} ms`)), req.timeoutMs);
  const stop = () => ctl.abort(new Error("stopped"));
  req.signal?.addEventListener("abort", stop, { once: true });
  let url = req.url;
  try {
    for (let hop = 0;; hop++) {
      const res = await doFetch(url, { method: "POST", headers: req.headers, body: req.body, redirect: "manual", signal: ctl.signal });
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      if (res.type === "opaqueredirect" || (res.status >= 300 && res.status < 400)) {
        const next = sameOriginTarget(url, res);
        if (next && hop < MAX_REDIRECTS) {
          url = next;
          continue;
        }
        const status = res.status || 302;
        return { ok: false, status, error: `HTTP ${status}: redirects are followed only to the same origin with 307/308, at most ${MAX_REDIRECTS}` };
      }
      const reason = res.status >= 500 || res.status === 408 || res.status === 429 ? "unavailable" : "rejected the event";
      return { ok: false, status: res.status, error: `HTTP ${res.status} (${reason})`, retryAfterMs: retryAfterMs(res.headers.get("retry-after"), Date.now()) };
    }
  } catch (err) {
    const why = ctl.signal.aborted && ctl.signal.reason instanceof Error ? ctl.signal.reason.message : describeFetchFailure(err, "the receiver");
    return { ok: false, status: null, error: why.startsWith("timed out") ? `the receiver ${why}` : why };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", stop);
  }
}

/** The Location of a 307/308 when it stays on the same origin, else null. */
function sameOriginTarget(from: string, res: Response): string | null {
  if (res.status !== 307 && res.status !== 308) return null;
  const location = res.headers.get("location");
  if (!location) return null;
  try {
    const next = new URL(location, from);
    return next.origin === new URL(from).origin ? next.href : null;
  } catch {
    return null;
  }
}

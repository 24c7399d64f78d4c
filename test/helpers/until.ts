/** How `until` polls. */
export interface UntilOptions {
  /** Milliseconds between probes (default 25). */
  everyMs?: number;
  /**
   * Whether a probe's failure means "not yet" (poll on) rather than the test's failure (thrown at
   * once). Default: a failed connection (`isConnectionFailure`), which a probe over HTTP meets
   * while a server starts, restarts or closes a kept-alive socket.
   */
  notYet?: (err: unknown) => boolean;
}

/**
 * Polls `probe` until it gives a truthy value (returned), or throws after `timeoutMs` (saying the
 * last failure that meant "not yet", if any).
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 20_000,
  o: UntilOptions = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  const notYet = o.notYet ?? isConnectionFailure;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      if (!notYet(err)) throw err;
      lastError = err;
    }
    if (Date.now() > end) {
      throw new Error(`Timed out waiting for ${what}${lastError ? ` (last error: ${messageOf(lastError)})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, o.everyMs ?? 25));
  }
}

const CONNECTION_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);
/** Deno's fetch says it in words (and the OS error numbers: 104 reset, 111 refused, 32 broken pipe; Windows 10054, 10061). */
const CONNECTION_WORDS = /socket hang up|other side closed|connection (?:reset|refused|closed)|broken pipe|error sending request|os error (?:104|111|32|10054|10061)\b/i;

/**
 * Whether `err` is a connection that failed (refused, reset, closed under the request) rather than
 * an answer: Node's fetch rejects with "fetch failed" and the socket's error as its cause (or
 * "terminated" when the body was cut), Deno's with the reason in its message.
 */
export function isConnectionFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
    if (typeof message === "string" && CONNECTION_WORDS.test(message)) return true;
  }
  return false;
}

function messageOf(err: unknown): string {
  const cause = (err as { cause?: { message?: unknown } }).cause?.message;
  return `${(err as Error).message ?? String(err)}${typeof cause === "string" ? ` (${cause})` : ""}`;
}

/**
 * Why an outgoing HTTP request failed, in words a user can act on (DNS, certificate, refused,
 * timed out, interrupted), never with the URL: media URLs and webhook URLs carry tokens. Pure;
 * reads the error chain (`cause`) that fetch on Node (undici) and Deno produce.
 */

function chainOf(err: unknown): Array<{ code?: unknown; message?: unknown }> {
  const chain: Array<{ code?: unknown; message?: unknown }> = [];
  for (let e: unknown = err, i = 0; e && typeof e === "object" && i < 6; e = (e as { cause?: unknown }).cause, i++) {
    chain.push(e as { code?: unknown; message?: unknown });
  }
  return chain;
}

/** Every message of the error chain, joined (for callers with their own patterns). */
export function errorText(err: unknown): string {
  return chainOf(err).map((e) => (typeof e.message === "string" ? e.message : "")).join(" | ");
}

/** The failure of a request to `party` (e.g. "the media host"), without URLs. */
export function describeFetchFailure(err: unknown, party: string): string {
  const chain = chainOf(err);
  const codes = chain.map((e) => (typeof e.code === "string" ? e.code : "")).filter((c) => c !== "");
  const text = errorText(err);
  const code = (re: RegExp) => codes.find((c) => re.test(c));
  const dns = code(/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME)$/);
  if (dns || /dns error|failed to lookup address|name or service not known|no such host/i.test(text)) {
    return `${party}'s name could not be resolved (DNS${dns ? `: ${dns}` : ""})`;
  }
  const cert = code(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME_MISMATCH/);
  if (cert || /certificate|UnknownIssuer|invalid peer|handshake/i.test(text)) {
    return `${party}'s TLS certificate was not accepted${cert ? ` (${cert})` : ""}`;
  }
  if (code(/^ECONNREFUSED$/) || /connection refused/i.test(text)) return `${party} refused the connection`;
  if (code(/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT)$/) || /timed? ?out/i.test(text)) {
    return `the connection to ${party} timed out`;
  }
  if (code(/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/) || /connection reset|closed/i.test(text)) return `the connection to ${party} was interrupted`;
  const first = chain.find((e) => typeof e.message === "string" && e.message !== "")?.message as string | undefined;
  return first ? first.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>").split(" from ")[0]! : "unknown error";
}

/**
 * Reads request bodies with a hard size cap, whatever Content-Length claims (a chunked body
 * has none), so a client cannot make us buffer more than the limit.
 */

/** The body was larger than allowed. */
export class PayloadTooLargeError extends Error {
  override name = "PayloadTooLargeError";
  constructor(readonly limit: number) {
    super(`Request body too large: the limit is ${limit} bytes`);
  }
}

/** Body limit of /mcp (the MCP SDK's default too). */
export const MCP_BODY_LIMIT = 4 * 1024 * 1024;
/** Body limit of every other route (forms). */
export const FORM_BODY_LIMIT = 4 * 1024;

/** Reads the whole body, rejecting with PayloadTooLargeError as soon as it passes `limit` bytes. */
export async function readBodyLimited(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw new PayloadTooLargeError(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** Reads an `application/x-www-form-urlencoded` body (at most `limit` bytes); null for another type. */
export async function readForm(req: Request, limit = FORM_BODY_LIMIT): Promise<URLSearchParams | null> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const bytes = await readBodyLimited(req, limit);
  if (type !== "application/x-www-form-urlencoded") return null;
  return new URLSearchParams(new TextDecoder().decode(bytes));
}

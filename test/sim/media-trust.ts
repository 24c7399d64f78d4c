/**
 * Makes the test process trust the simulator's media host without touching product code or
 * process-wide TLS settings: `globalThis.fetch` is wrapped so that requests to that one origin
 * go through `node:https` with the test CA (same code on Node and Deno); every other request
 * goes to the original fetch unchanged. Baileys downloads (and uploads on Deno) use global fetch;
 * uploads on Node use `fetchAgent`, see `baileysTestConfig`.
 */
import { request } from "node:https";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { MEDIA_TEST_CA } from "./media-cert.ts";

type Fetch = typeof globalThis.fetch;

async function bodyBytes(body: unknown): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (typeof (body as ReadableStream).getReader === "function") {
    const chunks: Buffer[] = [];
    for await (const c of Readable.fromWeb(body as NodeReadableStream)) chunks.push(Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks);
  }
  throw new TypeError("media-trust fetch: unsupported request body type");
}

function httpsFetch(url: URL, init: RequestInit = {}): Promise<Response> {
  return bodyBytes(init.body).then(
    (body) =>
      new Promise<Response>((resolve, reject) => {
        const headers: Record<string, string> = {};
        new Headers(init.headers).forEach((v, k) => (headers[k] = v));
        if (body) headers["content-length"] = String(body.length);
        const req = request(
          { host: url.hostname, port: url.port, path: url.pathname + url.search, method: init.method ?? "GET", headers, ca: MEDIA_TEST_CA },
          (res) => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") h.set(k, v);
            const status = res.statusCode ?? 500;
            const noBody = status === 204 || status === 304 || init.method === "HEAD";
            resolve(new Response(noBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>), { status, headers: h }));
          },
        );
        req.on("error", reject);
        init.signal?.addEventListener("abort", () => req.destroy(new Error("aborted")));
        req.end(body);
      }),
  );
}

/** Routes fetches to `origin` (https://127.0.0.1:PORT) through the test CA. Returns the undo function. */
export function trustMediaOrigin(origin: string): () => void {
  const original: Fetch = globalThis.fetch;
  const wrapped: Fetch = (input, init) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    if (url.origin !== origin) return original(input, init);
    const fromRequest: RequestInit = input instanceof Request ? { method: input.method, headers: input.headers, body: input.body, signal: input.signal } : {};
    return httpsFetch(url, { ...fromRequest, ...init });
  };
  globalThis.fetch = wrapped;
  return () => {
    if (globalThis.fetch === wrapped) globalThis.fetch = original;
  };
}

/** The Deno adapter of `serve()`: `Deno.serve`, with the peer from the handler's `info.remoteAddr`. */
import type { ConnInfo } from "hono/conninfo";
import type { FetchApp, ServedApp, ServeOptions } from "./serve_types.ts";

/** The peer Deno reports for a TCP connection. */
interface DenoNetAddr {
  hostname?: string;
  port?: number;
  transport?: string;
}

/** The part of `Deno.serve` we use, declared here because tsc compiles this file with Node types. */
export interface DenoLike {
  serve(
    options: {
      hostname: string;
      port: number;
      signal?: AbortSignal;
      onListen?: (addr: { hostname: string; port: number }) => void;
      onError?: (error: unknown) => Response | Promise<Response>;
    },
    handler: (request: Request, info: { remoteAddr?: DenoNetAddr }) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void>; addr: { hostname: string; port: number } };
}

/** Hono's ConnInfo from Deno's `remoteAddr` (hono `src/adapter/deno/conninfo.ts` does the same). */
export function denoConnInfo(addr: DenoNetAddr | undefined): ConnInfo {
  if (!addr?.hostname) return { remote: {} };
  return {
    remote: {
      address: addr.hostname,
      port: addr.port,
      transport: "tcp",
      addressType: addr.hostname.includes(":") ? "IPv6" : "IPv4",
    },
  };
}

/** Serves `app` with `Deno.serve`. */
export function serveDeno(d: DenoLike, app: FetchApp, options: ServeOptions): Promise<ServedApp> {
  return new Promise((resolve, reject) => {
    const abort = new AbortController();
    try {
      const server = d.serve(
        {
          hostname: options.hostname,
          port: options.port,
          signal: abort.signal,
          // Deno prints "Listening on ..." to stdout by default; stdout is the MCP channel.
          onListen: () => {},
          onError: () => new Response("internal error", { status: 500 }),
        },
        (request, info) => app.fetch(request, { conn: denoConnInfo(info?.remoteAddr) }),
      );
      resolve({
        port: server.addr.port,
        hostname: options.hostname,
        close: async () => {
          // The abort signal ends open connections too (a graceful shutdown() alone would wait
          // for long-lived MCP event streams forever).
          abort.abort();
          await server.finished;
        },
      });
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * Serves a fetch handler (a Hono app) over HTTP: `Deno.serve` on Deno, `@hono/node-server` on
 * Node. The only file that knows how each runtime listens; the app itself speaks only Web
 * `Request`/`Response`.
 */

/** Anything with a Web-standard `fetch(request)`; a Hono app is one. */
export interface FetchApp {
  fetch(request: Request): Response | Promise<Response>;
}

/** Where to listen. `port: 0` picks a free port (read it back from `ServedApp.port`). */
export interface ServeOptions {
  hostname: string;
  port: number;
}

/** A listening server. `close()` stops accepting, ends open connections (long-lived MCP streams included) and resolves when the socket is closed. */
export interface ServedApp {
  /** The port actually bound (differs from the requested one when it was 0). */
  port: number;
  hostname: string;
  close(): Promise<void>;
}

/** The part of `Deno.serve` we use, declared here because tsc compiles this file with Node types. */
interface DenoLike {
  serve(
    options: {
      hostname: string;
      port: number;
      signal?: AbortSignal;
      onListen?: (addr: { hostname: string; port: number }) => void;
      onError?: (error: unknown) => Response | Promise<Response>;
    },
    handler: (request: Request) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void>; addr: { hostname: string; port: number } };
}

const deno = (globalThis as { Deno?: DenoLike }).Deno;

/** Listens on `hostname:port` and serves `app`. Rejects if the port cannot be bound (EADDRINUSE, EACCES). */
export function serve(app: FetchApp, options: ServeOptions): Promise<ServedApp> {
  return deno ? serveDeno(deno, app, options) : serveNode(app, options);
}

function serveDeno(d: DenoLike, app: FetchApp, options: ServeOptions): Promise<ServedApp> {
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
        (request) => app.fetch(request),
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

async function serveNode(app: FetchApp, options: ServeOptions): Promise<ServedApp> {
  const { createAdaptorServer } = await import("@hono/node-server");
  const server = createAdaptorServer({ fetch: (request: Request) => app.fetch(request), hostname: options.hostname });
  // createAdaptorServer returns a union of http/http2 server types; we only create http ones.
  const http = server as unknown as {
    listen(port: number, hostname: string): void;
    once(event: string, fn: (arg?: unknown) => void): void;
    off(event: string, fn: (arg?: unknown) => void): void;
    address(): { port: number } | string | null;
    close(cb: (err?: Error) => void): void;
    closeAllConnections?: () => void;
  };
  await new Promise<void>((resolve, reject) => {
    const onError = (err?: unknown) => reject(err);
    http.once("error", onError);
    http.once("listening", () => {
      http.off("error", onError);
      resolve();
    });
    http.listen(options.port, options.hostname);
  });
  const addr = http.address();
  const port = typeof addr === "object" && addr ? addr.port : options.port;
  return {
    port,
    hostname: options.hostname,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.close((err) => (err ? reject(err) : resolve()));
        http.closeAllConnections?.();
      }),
  };
}

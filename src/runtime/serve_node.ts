/** The Node adapter of `serve()`: `node:http` with `@hono/node-server`'s listener, and the peer from the request's socket. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { ConnInfo } from "hono/conninfo";
import type { FetchApp, ServedApp, ServeOptions } from "./serve_types.ts";

/** The part of node-server's bindings we read (`env.incoming.socket`). */
interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string; remotePort?: number; remoteFamily?: string } };
}

/** Hono's ConnInfo from Node's socket (as `@hono/node-server/conninfo` reads it). */
export function nodeConnInfo(env: NodeBindings | undefined): ConnInfo {
  const socket = env?.incoming?.socket;
  if (!socket?.remoteAddress) return { remote: {} };
  return {
    remote: {
      address: socket.remoteAddress,
      port: socket.remotePort,
      transport: "tcp",
      addressType: socket.remoteFamily === "IPv6" ? "IPv6" : socket.remoteFamily === "IPv4" ? "IPv4" : undefined,
    },
  };
}

let nodeServer: Promise<typeof import("@hono/node-server")> | null = null;

/** `@hono/node-server`, loaded once (ahead of time by `preloadNodeServer`, else by the first request). */
function loadNodeServer(): Promise<typeof import("@hono/node-server")> {
  nodeServer ??= import("@hono/node-server");
  nodeServer.catch(() => (nodeServer = null));
  return nodeServer;
}

/** Starts loading `@hono/node-server` (~40 ms of CPU on Node 20, with node:http2 and undici) before a request needs it. */
export function preloadNodeServer(): void {
  loadNodeServer().catch(() => {}); // the first request reports a failure
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Serves `app`: the port is bound with `node:http` at once, and `@hono/node-server`'s request
 * listener (what turns Node's request into a Web `Request` and back) is loaded when the first
 * request arrives, unless `preloadNodeServer` loaded it before: binding no longer waits for it,
 * so in stdio mode the status page's port is bound without it on the way to the first answer.
 */
export async function serveNode(app: FetchApp, options: ServeOptions): Promise<ServedApp> {
  let listener: Promise<Listener> | null = null;
  const listen = () => {
    listener ??= loadNodeServer().then(({ getRequestListener }) =>
      getRequestListener((request: Request, env: unknown) => app.fetch(request, { conn: nodeConnInfo(env as NodeBindings) }), {
        hostname: options.hostname,
      })
    );
    listener.catch(() => (listener = null));
    return listener;
  };
  const http = createServer((req, res) => {
    listen().then((l) => l(req, res), (err) => {
      res.statusCode = 500;
      res.end(`server error: ${(err as Error).message}`);
    });
  });
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

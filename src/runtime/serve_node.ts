/** The Node adapter of `serve()`: `@hono/node-server`, with the peer from the request's socket. */
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

/** `@hono/node-server`, loaded once (ahead of time by `preloadNodeServer`, else by the first `serveNode`). */
function loadNodeServer(): Promise<typeof import("@hono/node-server")> {
  nodeServer ??= import("@hono/node-server");
  nodeServer.catch(() => (nodeServer = null));
  return nodeServer;
}

/** Starts loading `@hono/node-server` (tens of ms on Node 20, with node:http2) before a `serveNode` needs it. */
export function preloadNodeServer(): void {
  loadNodeServer().catch(() => {}); // serveNode reports a failure
}

/** Serves `app` with `@hono/node-server`. */
export async function serveNode(app: FetchApp, options: ServeOptions): Promise<ServedApp> {
  const { createAdaptorServer } = await loadNodeServer();
  const server = createAdaptorServer({
    fetch: (request: Request, env: unknown) => app.fetch(request, { conn: nodeConnInfo(env as NodeBindings) }),
    hostname: options.hostname,
  });
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

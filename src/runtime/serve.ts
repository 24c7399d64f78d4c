/**
 * Serves a fetch handler (a Hono app) over HTTP: `Deno.serve` on Deno (serve_deno.ts),
 * `@hono/node-server` on Node (serve_node.ts). The app itself speaks only Web `Request`/`Response`;
 * each adapter hands it the connection's peer as `env.conn` (Hono's `ConnInfo` shape), the one
 * runtime fact the app needs (per-client limits), read through `src/http/conninfo.ts`.
 */
import type { FetchApp, ServedApp, ServeOptions } from "./serve_types.ts";
import { serveDeno } from "./serve_deno.ts";
import type { DenoLike } from "./serve_deno.ts";
import { preloadNodeServer, serveNode } from "./serve_node.ts";

export type { FetchApp, ServeBindings, ServedApp, ServeOptions } from "./serve_types.ts";

const deno = (globalThis as { Deno?: DenoLike }).Deno;

/** Listens on `hostname:port` and serves `app`. Rejects if the port cannot be bound (EADDRINUSE, EACCES). */
export function serve(app: FetchApp, options: ServeOptions): Promise<ServedApp> {
  return deno ? serveDeno(deno, app, options) : serveNode(app, options);
}

/** Loads what `serve()` needs ahead of time, so that a later bind does not wait for it (Node: `@hono/node-server`). */
export function preloadServe(): void {
  if (!deno) preloadNodeServer();
}

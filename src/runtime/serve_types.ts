/** The shapes shared by `serve()` and its runtime adapters (serve_deno.ts, serve_node.ts). */
import type { ConnInfo } from "hono/conninfo";

/** What an adapter passes with every request (Hono's `c.env`): the TCP peer of the connection. */
export interface ServeBindings {
  conn: ConnInfo;
}

/** Anything with a Web-standard `fetch(request, env)`; a Hono app is one. */
export interface FetchApp {
  fetch(request: Request, env: ServeBindings): Response | Promise<Response>;
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

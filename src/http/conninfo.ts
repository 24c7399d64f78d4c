/**
 * The client address port (Hono's conninfo pattern): `GetConnInfo` is the port type, the runtime
 * adapters (src/runtime/serve_node.ts, serve_deno.ts) fill `env.conn` per request, and this file
 * reads it. Tests pass `env.conn` to `app.request()` directly.
 */
import type { Context } from "hono";
import type { ConnInfo, GetConnInfo } from "hono/conninfo";
import type { ServeBindings } from "../runtime/serve_types.ts";

export type { ConnInfo, GetConnInfo };

/** The peer of the request's connection as the adapter gave it; empty when none did (an in-process call). */
export const getConnInfo: GetConnInfo = (c: Context) => (c.env as Partial<ServeBindings> | undefined)?.conn ?? { remote: {} };

/**
 * The HTTP actor: serves the Hono app (status page, QR, JSON API, /mcp) on its interface.
 *
 * When MCP itself is served over HTTP the port is the service: a port that cannot be bound fails
 * the start with a message saying which and why. In stdio mode the page is a side feature and must
 * never take MCP down (`fallback`): a port in use (8080 is a common one; a second server on another
 * data folder has the same default) moves the page to the next free port, then to any free one, and
 * the log says where; if nothing can be bound the server runs without a page.
 */
import type { Behavior } from "../../supervisors/mod.ts";
import type { Logger } from "../log.ts";
import { type FetchApp, serve, type ServedApp } from "../runtime/serve.ts";
import { startMark } from "../runtime/start_trace.ts";

/** Messages: ask for the bound address. */
export type HttpMsg = { type: "address" };

/** How many ports after the asked one are tried before letting the system pick one. */
export const NEXT_PORTS_TRIED = 10;

/** The ports tried in order: the asked one, then (with `fallback`) the next few and 0 (any free port). */
export function portsToTry(port: number, fallback: boolean): number[] {
  if (!fallback || port === 0) return [port];
  const next = Array.from({ length: NEXT_PORTS_TRIED }, (_, i) => port + 1 + i).filter((p) => p <= 65535);
  return [port, ...next, 0];
}

/** True for a bind error another port may not have (taken, or privileged). */
function portRefused(err: unknown): boolean {
  const e = err as { code?: string; name?: string };
  return e.code === "EADDRINUSE" || e.code === "EACCES" || e.name === "AddrInUse" || e.name === "PermissionDenied";
}

function bindError(host: string, port: number, err: unknown): Error {
  const code = (err as { code?: string }).code;
  return new Error(
    code === "EADDRINUSE"
      ? `Cannot serve the status page on ${host}:${port}: the port is in use (another whatsapp-mcp? set MCP_PORT)`
      : `Cannot serve the status page on ${host}:${port}: ${(err as Error).message}`,
    { cause: err },
  );
}

/**
 * Serves `makeApp()` on host:port; `onBound` learns the real port (port 0 in tests, or a fallback
 * port), `onUnavailable` that no page could be served (fallback mode only).
 */
export function httpBehavior(opts: {
  host: string;
  port: number;
  makeApp: () => FetchApp;
  log: Logger;
  /** Stdio mode: try other ports, and keep running without a page rather than fail. */
  fallback?: boolean;
  onBound?: (port: number) => void;
  onUnavailable?: (why: string) => void;
  onStop?: () => Promise<void>;
}): Behavior<HttpMsg> {
  let served: ServedApp | null = null;
  const shown = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    async start() {
      const app = opts.makeApp();
      let firstError: unknown = null;
      for (const port of portsToTry(opts.port, opts.fallback === true)) {
        try {
          served = await serve(app, { hostname: opts.host, port });
          break;
        } catch (err) {
          firstError ??= err;
          if (!portRefused(err)) break;
        }
      }
      if (!served) {
        const error = bindError(opts.host, opts.port, firstError);
        if (!opts.fallback) throw error;
        opts.log.error(`${error.message}; MCP keeps running without the status page`);
        opts.onUnavailable?.(error.message);
        return;
      }
      startMark("http: bound");
      opts.onBound?.(served.port);
      const url = `http://${shown}:${served.port}/status`;
      if (served.port !== opts.port && opts.port !== 0) {
        const why = portRefused(firstError) && (firstError as { code?: string }).code === "EACCES" ? "not allowed" : "in use";
        opts.log.warn(`port ${opts.port} is ${why}: status page on ${url} instead (MCP is not affected; MCP_PORT chooses the port)`);
      } else {
        opts.log.info(`status page on ${url}`);
      }
    },
    receive() {
      return served ? { host: served.hostname, port: served.port } : null;
    },
    async stop() {
      await opts.onStop?.();
      const s = served;
      served = null;
      await s?.close();
    },
  };
}

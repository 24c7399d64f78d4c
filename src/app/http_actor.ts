/**
 * The HTTP actor: serves the Hono app (status page, QR, JSON API, /mcp) on its interface. A port
 * that cannot be bound fails the start with a message saying which and why.
 */
import type { Behavior } from "../../supervisors/mod.ts";
import type { Logger } from "../log.ts";
import { type FetchApp, serve, type ServedApp } from "../runtime/serve.ts";

/** Messages: ask for the bound address. */
export type HttpMsg = { type: "address" };

/** Serves `makeApp()` on host:port; `onBound` learns the real port (port 0 in tests). */
export function httpBehavior(opts: {
  host: string;
  port: number;
  makeApp: () => FetchApp;
  log: Logger;
  onBound?: (port: number) => void;
  onStop?: () => Promise<void>;
}): Behavior<HttpMsg> {
  let served: ServedApp | null = null;
  return {
    async start() {
      try {
        served = await serve(opts.makeApp(), { hostname: opts.host, port: opts.port });
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new Error(
          code === "EADDRINUSE"
            ? `Cannot serve the status page on ${opts.host}:${opts.port}: the port is in use (another whatsapp-mcp? set MCP_PORT)`
            : `Cannot serve the status page on ${opts.host}:${opts.port}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      opts.onBound?.(served.port);
      const shown = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
      opts.log.info(`status page on http://${shown}:${served.port}/status`);
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

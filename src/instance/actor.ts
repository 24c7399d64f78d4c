/**
 * The `instance` actor of the owner's tree: serves the instance endpoint (MCP at
 * `http://127.0.0.1:<port>/mcp`, instance token only) and publishes port + token in
 * `<dataDir>/instance.json` once it listens. Other processes started on the same data folder
 * find it there and proxy their stdio clients to it. Stop removes the file first (no newcomer
 * picks a dying endpoint), then closes the sessions and the listener.
 */
import type { Behavior } from "../../supervisors/mod.ts";
import type { Logger } from "../log.ts";
import { createInstanceApp } from "../http/instance_app.ts";
import { randomId } from "../http/crypto.ts";
import { createMcpHttpHandler, type McpHttpHandler } from "../mcp/http_handler.ts";
import type { McpServer } from "../mcp/sdk.ts";
import type { FsPort } from "../runtime/fs.ts";
import { currentPid } from "../runtime/process.ts";
import { serve, type ServedApp } from "../runtime/serve.ts";
import { removeInstanceFile, writeInstanceFile } from "./file.ts";

/** Messages: ask for the bound port (tests, status). */
export type InstanceMsg = { type: "port" };

/** Options of the instance actor. */
export interface InstanceActorOptions {
  dataDir: string;
  /** A fresh MCP server per proxy session, with the same tools as the stdio one. */
  makeServer: () => McpServer;
  fs: FsPort;
  log: Logger;
  version: string;
}

/** The behaviour for `worker("instance", () => instanceBehavior(opts))`. */
export function instanceBehavior(opts: InstanceActorOptions): Behavior<InstanceMsg> {
  let served: ServedApp | null = null;
  let handler: McpHttpHandler | null = null;
  let token = "";
  return {
    async start() {
      token = randomId(32);
      handler = createMcpHttpHandler(opts.makeServer, { maxSessions: 64 });
      const h = handler;
      let port = 0;
      const app = createInstanceApp({ token, port: () => port, mcp: (req) => h(req) });
      served = await serve(app, { hostname: "127.0.0.1", port: 0 });
      port = served.port;
      try {
        await writeInstanceFile(opts.fs, opts.dataDir, {
          v: 1,
          pid: currentPid(),
          port,
          token,
          version: opts.version,
          startedAt: new Date().toISOString(),
        });
      } catch (err) {
        // stop() is not called after a failed start: release the port here.
        await served.close().catch(() => {});
        served = null;
        throw err;
      }
      opts.log.info("instance endpoint ready: other processes on this data folder will use this one", { port });
    },
    receive() {
      return served ? { port: served.port } : null;
    },
    async stop() {
      await removeInstanceFile(opts.fs, opts.dataDir, token);
      const h = handler;
      const s = served;
      handler = null;
      served = null;
      await h?.close().catch(() => {});
      await s?.close();
    },
  };
}

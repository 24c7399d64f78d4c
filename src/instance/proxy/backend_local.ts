/**
 * The backend after a takeover: this process's own MCP server, connected to the front through
 * the SDK's in-memory transport pair. It is the tree's `mcp` child in a process that started as a
 * proxy (the front keeps the stdio session; this child only supplies what answers it), so a crash
 * or restart of it is handled by the tree like the stdio actor's.
 */
import type { Behavior } from "../../../supervisors/mod.ts";
import type { McpServer } from "../../mcp/sdk.ts";
import type { ProxyFront } from "./front.ts";
import { type Client, InMemoryTransport } from "../../mcp/sdk.ts";
import { startMark } from "../../runtime/start_trace.ts";
import { directToolCalls } from "../../mcp/lean_calls.ts";

/**
 * Serves `front` from a fresh `makeServer()` while running. `afterAttach`: started once the
 * server answers (the idle warm-up); what it returns is called at stop.
 */
export function frontBackendBehavior(
  makeServer: () => McpServer,
  front: ProxyFront,
  afterAttach?: () => (() => void) | null,
): Behavior<never> {
  let server: McpServer | null = null;
  let client: Client | null = null;
  let stopAfterAttach: (() => void) | null = null;
  return {
    async start() {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      startMark("mcp: start");
      server = makeServer();
      startMark("mcp: server built");
      await server.connect(serverSide);
      client = front.newBackendClient();
      await client.connect(clientSide);
      front.attach(client, directToolCalls(server) ?? undefined);
      startMark("mcp: attached");
      stopAfterAttach = afterAttach?.() ?? null;
    },
    receive() {
      return undefined;
    },
    async stop() {
      stopAfterAttach?.();
      stopAfterAttach = null;
      const c = client;
      const s = server;
      client = null;
      server = null;
      if (c) front.detach(c);
      await s?.close().catch(() => {});
    },
  };
}

/**
 * The backend while another process owns the data folder: an MCP client session with the owner's
 * instance endpoint (`http://127.0.0.1:<port>/mcp`, bearer = the instance token).
 */
import type { InstanceInfo } from "../file.ts";
import type { ProxyFront } from "./front.ts";
import { type Client, StreamableHTTPClientTransport } from "../../mcp/sdk.ts";

/** Connects a backend client of `front` to the owner named by `info`. Rejects if it does not answer. */
export async function connectToOwner(front: ProxyFront, info: InstanceInfo, timeoutMs = 10_000): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${info.port}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${info.token}` } },
    // A lost stream means the owner went away: we notice and decide ourselves (no silent retries).
    reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1_000, maxReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 1 },
  });
  const client = front.newBackendClient();
  try {
    await client.connect(transport, { timeout: timeoutMs });
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
  return client;
}

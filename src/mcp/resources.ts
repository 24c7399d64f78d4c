/**
 * The original fork's resources: `whatsapp://sync-status` (JSON) and `whatsapp://status-ui`
 * (a small self-contained HTML page). Static names; content is the current status.
 */
import type { McpServer } from "./sdk.ts";
import type { ResolvedDeps } from "./tool.ts";
import { readSyncStatus, statusHtml } from "./sync_status.ts";

/** URI of the JSON status. */
export const SYNC_STATUS_URI = "whatsapp://sync-status";
/** URI of the HTML status page. */
export const STATUS_UI_URI = "whatsapp://status-ui";

/** Registers both resources on `server`. */
export function registerResources(server: McpServer, deps: ResolvedDeps): void {
  server.registerResource(
    "sync-status",
    SYNC_STATUS_URI,
    {
      title: "WhatsApp sync status",
      description: "Connection state, history sync progress and local-copy counters, as JSON.",
      mimeType: "application/json",
    },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(await readSyncStatus(deps), null, 2) }],
    }),
  );
  server.registerResource(
    "status-ui",
    STATUS_UI_URI,
    {
      title: "WhatsApp status page",
      description: "The same status as a small HTML page.",
      mimeType: "text/html",
    },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "text/html", text: statusHtml(await readSyncStatus(deps)) }],
    }),
  );
}

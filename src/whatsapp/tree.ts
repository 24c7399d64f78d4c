/**
 * The `whatsapp` subtree: connection then sync, `rest_for_one` (a restarted connection restarts
 * the sync actor after it; a sync crash leaves the connection alone). Declared once
 * (`whatsappSubtree`): the application's tree (`app/tree.ts`) and the tests start the same spec.
 *
 * @example
 * const registry = createRegistry();
 * const repo = storeClient(registry);
 * const tree = await startTree({ strategy: "one_for_one", intensity: 3, periodMs: 60_000, children: [
 *   worker("store", () => storeBehavior(openRepository), { shutdownMs: 30_000 }),
 *   whatsappSupervisor({
 *     connection: { authRepo: repo, repo, baseUrl: "http://127.0.0.1:8080", logLevel: baileysLevelFor(config.logLevel),
 *       waWebSocketUrl: config.whatsapp.wsUrl, defaultQueryTimeoutMs: config.whatsapp.queryTimeoutMs,
 *       pairingPhone: config.whatsapp.pairingPhone },
 *     sync: { repo },
 *   }),
 * ] }, { registry });
 */
import type { ChildSpec } from "../../supervisors/mod.ts";
import { connectionBehavior } from "./connection_actor.ts";
import type { ConnectionOptions } from "./connection_core.ts";
import { syncBehavior } from "./sync_actor.ts";
import type { SyncOptions } from "./sync_core.ts";
import { whatsappSubtree } from "./subtree.ts";

export { type WhatsAppLimits, type WhatsAppWorkers, whatsappSubtree } from "./subtree.ts";

/** Options of the subtree. */
export interface WhatsAppTreeOptions {
  connection: ConnectionOptions;
  sync: SyncOptions;
  /** Restarts allowed within `periodMs` before the subtree gives up (default 5 in 60 s). */
  intensity?: number;
  periodMs?: number;
}

/** The subtree built from options (sync reads LID mappings from the connection's session store). */
export function whatsappSupervisor(opts: WhatsAppTreeOptions): ChildSpec {
  return whatsappSubtree({
    connection: () => connectionBehavior(opts.connection),
    sync: () => syncBehavior({ authRepo: opts.connection.authRepo, ...opts.sync }),
  }, opts);
}

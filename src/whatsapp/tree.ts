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
import { type Behavior, type ChildSpec, supervisor, worker } from "../../supervisors/mod.ts";
import { connectionBehavior } from "./connection_actor.ts";
import { CONNECTION, type ConnectionOptions } from "./connection_core.ts";
import { syncBehavior } from "./sync_actor.ts";
import { SYNC, type SyncOptions } from "./sync_core.ts";

/** Options of the subtree. */
export interface WhatsAppTreeOptions {
  connection: ConnectionOptions;
  sync: SyncOptions;
  /** Restarts allowed within `periodMs` before the subtree gives up (default 5 in 60 s). */
  intensity?: number;
  periodMs?: number;
}

/** The subtree's two workers, as behaviour factories (called again on each restart). */
export interface WhatsAppWorkers {
  connection: () => Behavior<any>;
  sync: () => Behavior<any>;
}

/** Restarts allowed within `periodMs` before the subtree gives up (default 5 in 60 s). */
export interface WhatsAppLimits {
  intensity?: number;
  periodMs?: number;
}

/** The `whatsapp` supervisor spec: the one declaration of the subtree. */
export function whatsappSubtree(workers: WhatsAppWorkers, limits: WhatsAppLimits = {}): ChildSpec {
  return supervisor("whatsapp", () => ({
    strategy: "rest_for_one",
    intensity: limits.intensity ?? 5,
    periodMs: limits.periodMs ?? 60_000,
    children: [
      // The socket's close handshake and the last creds save get time to finish.
      worker(CONNECTION, workers.connection, { shutdownMs: 10_000 }),
      worker(SYNC, workers.sync, { shutdownMs: 30_000 }),
    ],
  }));
}

/** The subtree built from options (sync reads LID mappings from the connection's session store). */
export function whatsappSupervisor(opts: WhatsAppTreeOptions): ChildSpec {
  return whatsappSubtree({
    connection: () => connectionBehavior(opts.connection),
    sync: () => syncBehavior({ authRepo: opts.connection.authRepo, ...opts.sync }),
  }, opts);
}

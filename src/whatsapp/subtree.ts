/**
 * The declaration of the `whatsapp` subtree (connection then sync, `rest_for_one`), apart from the
 * actors' modules: the application's tree names it without loading Baileys (its workers' factories
 * load them). `whatsapp/tree.ts` builds it from options for tests.
 */
import { type Behavior, type ChildSpec, supervisor, worker } from "../../supervisors/mod.ts";
import { CONNECTION, SYNC } from "./names.ts";

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

/**
 * Chooses and opens the store: PostgreSQL when `databaseUrl` is a postgres:// or postgresql://
 * URL (the WhatsApp session optionally in `sessionDatabaseUrl`), else the sql.js store on disk
 * in `dir`. Each backend's modules are loaded only when chosen (the other is never loaded).
 */
import { createLogger } from "../log.ts";
import type { ClusterStoreOptions } from "./postgres/repository.ts";
import { isPostgresUrl } from "./postgres/url.ts";
import type { Repository } from "./types.ts";
import { setRawDetailDays } from "./raw_detail.ts";

/** Where the store lives. */
export interface StoreConfig {
  /** DATABASE_URL: a postgres URL selects PostgreSQL. */
  databaseUrl?: string;
  /** WHATSAPP_SESSION_DATABASE_URL: a separate PostgreSQL database for auth keys and meta. */
  sessionDatabaseUrl?: string;
  /** Folder of the sql.js store (used when no postgres URL is given). */
  dir: string;
  /** The sql.js store's answer to a damaged file (default "fail": refuse, file kept aside). */
  onCorrupt?: "fail" | "start-fresh";
  /** Days a message's raw keeps its details (`raw_detail.ts`; null: all; default 30). */
  rawDetailDays?: number | null;
  /** Cluster membership (PostgreSQL only): shared store, fenced leader writes, live NOTIFYs. */
  cluster?: ClusterStoreOptions;
}

/** The store is configured in a way that cannot work. */
export class StoreConfigError extends Error {
  override name = "StoreConfigError";
}

/** Opens the configured store (migrating it). */
export async function openStore(cfg: StoreConfig): Promise<Repository> {
  if (cfg.rawDetailDays !== undefined) setRawDetailDays(cfg.rawDetailDays);
  if (cfg.databaseUrl && !isPostgresUrl(cfg.databaseUrl)) {
    throw new StoreConfigError("Cannot use DATABASE_URL: only postgres:// or postgresql:// URLs are supported (unset it to use the local store)");
  }
  if (cfg.sessionDatabaseUrl && !isPostgresUrl(cfg.sessionDatabaseUrl)) {
    throw new StoreConfigError("Cannot use WHATSAPP_SESSION_DATABASE_URL: expected a postgres:// or postgresql:// URL");
  }
  if (cfg.databaseUrl) {
    const { openPostgresRepository } = await import("./postgres/repository.ts");
    return await openPostgresRepository({ url: cfg.databaseUrl, sessionUrl: cfg.sessionDatabaseUrl, cluster: cfg.cluster });
  }
  if (cfg.cluster) throw new StoreConfigError("A cluster member needs DATABASE_URL to be a postgres URL (the local store serves one process)");
  if (cfg.sessionDatabaseUrl) {
    throw new StoreConfigError(
      "WHATSAPP_SESSION_DATABASE_URL needs DATABASE_URL to be a postgres URL too (the local store keeps the session in its own file)",
    );
  }
  // Engine warnings (torn journal tail dropped, snapshot retry...) name files, never content.
  const log = createLogger("store");
  const { openSqljsRepository } = await import("./sqljs/repository.ts");
  return await openSqljsRepository({ dir: cfg.dir, onCorrupt: cfg.onCorrupt, onWarning: (msg) => log.warn(msg) });
}

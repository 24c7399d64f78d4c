/**
 * Where this server keeps its data, as start-up, the status page and get_sync_status show it: the
 * data folder (always: the local store or, with PostgreSQL, the locks and downloads) and, with
 * PostgreSQL, the database without its credentials. Pure.
 */
import type { Config } from "./config.ts";

/** The store's whereabouts. */
export interface StoreLocation {
  /** The data folder (`WHATSAPP_MCP_DATA_DIR`, the original's `file:` URL's folder, or the default). */
  folder: string;
  /** `host:port/database` of the PostgreSQL store, or null for the local sql.js store. */
  database: string | null;
}

/** A PostgreSQL URL reduced to `host:port/database` (no user, password or parameters). */
export function databaseShown(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return "(unreadable URL)";
  }
}

/** Where `cfg` keeps its data. */
export function storeLocation(cfg: Pick<Config, "dataDir" | "databaseUrl">): StoreLocation {
  return { folder: cfg.dataDir, database: cfg.databaseUrl ? databaseShown(cfg.databaseUrl) : null };
}

/** One line for logs and text blocks. */
export function storeLocationText(loc: StoreLocation): string {
  return loc.database ? `data folder ${loc.folder}, messages in PostgreSQL ${loc.database}` : `store folder ${loc.folder}`;
}

/**
 * The `makeWASocket` configuration, with Baileys' defaults changed where they hurt us:
 * our stderr logger (its pino writes to stdout), not marked online on connect, FULL history
 * syncs accepted, `getMessage` and `cachedGroupMetadata` answered by us, and the WhatsApp Web
 * version chosen by `wa_version.ts` (default: the one this Baileys release ships).
 */
import { DEFAULT_CONNECTION_CONFIG } from "@whiskeysockets/baileys";
import type { AuthenticationState, GroupMetadata, proto, UserFacingSocketConfig, WAMessageKey } from "@whiskeysockets/baileys";
import type { BaileysLogger } from "./baileys_logger.ts";

/** The WhatsApp Web version Baileys 7.0.0-rc14 ships in its defaults. */
export const PINNED_WA_VERSION = DEFAULT_CONNECTION_CONFIG.version;

/** What the connection actor provides for each new socket. */
export interface SocketSettings {
  auth: AuthenticationState;
  logger: BaileysLogger;
  getMessage(key: WAMessageKey): Promise<proto.IMessage | undefined>;
  cachedGroupMetadata(jid: string): Promise<GroupMetadata | undefined>;
  /** The WhatsApp Web version to present (default: the one Baileys ships). */
  version?: [number, number, number];
  /** WebSocket URL (the simulator's in tests); Baileys' default otherwise. */
  waWebSocketUrl?: string | null;
  defaultQueryTimeoutMs?: number | null;
  connectTimeoutMs?: number | null;
  /** Last word, for tests and the simulator (e.g. `fetchAgent`, `keepAliveIntervalMs`). */
  overrides?: Partial<UserFacingSocketConfig>;
}

/** Builds the socket configuration. */
export function buildSocketConfig(s: SocketSettings): UserFacingSocketConfig {
  const config: UserFacingSocketConfig = {
    version: s.version ?? PINNED_WA_VERSION,
    auth: s.auth,
    logger: s.logger,
    markOnlineOnConnect: false,
    // Accept every history sync, FULL included (Baileys' default refuses FULL).
    shouldSyncHistoryMessage: () => true,
    syncFullHistory: true,
    emitOwnEvents: true,
    generateHighQualityLinkPreview: false,
    getMessage: s.getMessage,
    cachedGroupMetadata: s.cachedGroupMetadata,
  };
  if (s.waWebSocketUrl) config.waWebSocketUrl = s.waWebSocketUrl;
  if (s.defaultQueryTimeoutMs) config.defaultQueryTimeoutMs = s.defaultQueryTimeoutMs;
  if (s.connectTimeoutMs) config.connectTimeoutMs = s.connectTimeoutMs;
  return { ...config, ...s.overrides, auth: s.auth, logger: s.overrides?.logger ?? s.logger };
}

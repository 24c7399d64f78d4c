/**
 * The validated configuration the whole program reads. Built once at start-up by `buildConfig`.
 */
import type { LogLevel } from "../log.ts";
import type { WebhookSettings } from "../webhooks/settings.ts";

/** OAuth 2.1 resource-server settings (remote mode). */
export interface OAuthConfig {
  issuer: string;
  jwksUrl: string | null;
  audience: string;
  allowedSubjects: string[];
  allowedEmails: string[];
  sendScope: string;
}

/** What the program was asked to do. */
export type Command = "serve" | "import-seed" | "bench" | "help" | "version";

/** The whole configuration. */
export interface Config {
  command: Command;
  commandArgs: string[];
  dataDir: string;
  /** postgres URL for messages, or null for the local sql.js store. */
  databaseUrl: string | null;
  /** postgres URL for the WhatsApp session, or null (same store as messages). */
  sessionDatabaseUrl: string | null;
  /** WHATSAPP_SESSION_KEY: encrypts the WhatsApp session at rest (src/store/session_crypto.ts), or null. */
  sessionKey: string | null;
  /** The local store's answer to a damaged file (WHATSAPP_MCP_ON_CORRUPT): refuse to start, or continue with the intact part. */
  onCorrupt: "fail" | "start-fresh";
  /** Days a message's raw keeps its details (WHATSAPP_MCP_RAW_DETAIL_DAYS; null: all kept; src/store/raw_detail.ts). */
  rawDetailDays: number | null;
  /** WHATSAPP_MCP_CLUSTER: a member of several instances on one PostgreSQL store (src/cluster/). */
  cluster: boolean;
  transport: "stdio" | "http";
  /** The user asked for the deprecated HTTP+SSE transport; we serve Streamable HTTP instead. */
  transportWasSse: boolean;
  /** `trustedProxyHops`: proxies in front that append to X-Forwarded-For (0: the header is ignored). */
  http: { enabled: boolean; host: string; port: number; publicUrl: string | null; trustedProxyHops: number };
  readOnly: boolean;
  /** WHATSAPP_MCP_TOOLSETS as given (validated names; empty = the default sets). */
  toolsets: string[];
  sendPolicy: {
    allowedRecipients: string[];
    confirm: "always" | "first_contact" | "never";
    /** How long a held send waits for approval on /approve. */
    approvalMinutes: number;
    perMinute: number;
    perHour: number;
    perDay: number;
    perRecipientPerHour: number;
  };
  /** Milliseconds of read calls a stdio server makes while idle after start, to warm its code (WHATSAPP_MCP_WARM_UP_MS; 0: off; src/mcp/warm_up.ts). */
  warmUpMs: number;
  /** Scheduled sends: how late a missed send may still go out (ms; WHATSAPP_MCP_SCHEDULE_GRACE). */
  scheduleGraceMs: number;
  mediaRoots: string[];
  downloadDir: string;
  auth: { token: string | null; oauth: OAuthConfig | null };
  whatsapp: {
    wsUrl: string | null;
    queryTimeoutMs: number;
    pairingPhone: string | null;
    /** Hosts download_media may fetch from besides WhatsApp's (WHATSAPP_EXTRA_MEDIA_HOSTS). */
    extraMediaHosts: string[];
    /** "auto", "bundled" or a fixed version "2.3000.N" (WHATSAPP_MCP_WA_VERSION). */
    version?: string;
  };
  logLevel: LogLevel;
  /** Webhooks (WHATSAPP_MCP_WEBHOOK_*); `urls` empty: off. */
  webhooks: WebhookSettings;
}

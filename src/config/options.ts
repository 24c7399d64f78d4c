/**
 * Every option of the server in one table: its flag, its environment variables (the original's
 * names where they apply), its validation and its help text. Parsing and `--help` both read it.
 */
import * as v from "valibot";
import { phoneDigits } from "../ids/phone.ts";
import { DEFAULT_TOOLSETS, TOOLSETS } from "../mcp/toolsets.ts";
import { MIN_WEBHOOK_SECRET_LENGTH, WEBHOOK_EVENT_KINDS, webhookChatJid, webhookUrlProblem } from "../webhooks/settings.ts";
import { parseSessionKey } from "../store/session_crypto.ts";
import { parseDuration } from "../schedule/duration.ts";

/** A validator from the raw string to the option's value. */
export type OptionSchema = v.GenericSchema<string, unknown>;

/** One option. `env` lists variable names, first wins. */
export interface OptionDef {
  key: string;
  flag: string;
  env: string[];
  help: string;
  schema: OptionSchema;
  /** Shown in --help; the real default is applied in `buildConfig`. */
  defaultText?: string;
  /** A flag that takes no value (`--read-only`). */
  boolean?: boolean;
}

const bool = v.pipe(
  v.string(),
  v.transform((s) => s.trim().toLowerCase()),
  v.picklist(["1", "0", "true", "false", "yes", "no", "on", "off"], "expected true or false"),
  v.transform((s) => ["1", "true", "yes", "on"].includes(s)),
);

const int = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\s*\d+\s*$/, `expected an integer from ${min} to ${max}`),
    v.transform((s) => Number(s.trim())),
    v.number(),
    v.minValue(min, `expected an integer from ${min} to ${max}`),
    v.maxValue(max, `expected an integer from ${min} to ${max}`),
  );

/** A duration ("90", "30m", "2h", "1 day"): a bare number is minutes. To milliseconds, within [0, maxMs]. */
const duration = (maxMs: number, what: string) =>
  v.pipe(
    v.string(),
    v.transform((s) => parseDuration(s, "m")),
    v.check((ms): ms is number => ms !== null && ms >= 0 && ms <= maxMs, `expected a duration such as 30m, 2h or 90 (minutes), at most ${what}`),
    v.transform((ms) => ms as number),
  );

const text = v.pipe(v.string(), v.transform((s) => s.trim()), v.check((s) => s.length > 0, "expected a value"));

const list = v.pipe(
  v.string(),
  v.transform((s) => s.split(",").map((x) => x.trim()).filter((x) => x.length > 0)),
);

const httpUrl = v.pipe(v.string(), v.transform((s) => s.trim()), v.url("expected a URL"), v.regex(/^https?:\/\//, "expected an http(s) URL"));

const databaseUrl = v.pipe(
  v.string(),
  v.transform((s) => s.trim()),
  v.regex(/^(postgres|postgresql|file|sqlite):/i, "expected a postgres://, postgresql:// or file: URL"),
);

/** The options, in --help order. */
export const OPTIONS: OptionDef[] = [
  { key: "dataDir", flag: "--data-dir", env: ["WHATSAPP_MCP_DATA_DIR"], help: "Folder of the local store, session and downloads.", schema: text, defaultText: "per-user data folder (see README)" },
  { key: "databaseUrl", flag: "--database-url", env: ["DATABASE_URL"], help: "postgres:// URL to keep messages in PostgreSQL/Supabase instead of the local sql.js store (a file: URL selects the local store in that file's folder).", schema: databaseUrl },
  { key: "sessionDatabaseUrl", flag: "--session-database-url", env: ["WHATSAPP_SESSION_DATABASE_URL"], help: "postgres:// URL for the WhatsApp session (keys) in a separate database; falls back to DATABASE_URL, then the local store.", schema: databaseUrl },
  { key: "sessionKey", flag: "--session-key", env: ["WHATSAPP_SESSION_KEY"], help: "Encrypts the WhatsApp session (keys) at rest with AES-256-GCM, on any backend: 32 random bytes as base64 (openssl rand -base64 32) or 64 hex digits. Setting it encrypts an existing session at the next start; a wrong or missing key for an encrypted session stops start-up and changes nothing. Prefer the environment variable (a flag shows in the process list).", schema: v.pipe(v.string(), v.transform((s) => s.trim()), v.check((s) => { try { parseSessionKey(s); return true; } catch { return false; } }, "expected 32 random bytes as base64 (openssl rand -base64 32) or 64 hex digits")) },
  { key: "onCorrupt", flag: "--on-corrupt", env: ["WHATSAPP_MCP_ON_CORRUPT"], help: "What the local store does when a file is damaged (a complete journal record or the database fails its checksum): fail (refuse to start; the file is kept aside) or start-fresh (keep the damaged file aside and continue with the intact part). Set start-fresh for one start, then remove it.", schema: v.pipe(v.string(), v.transform((s) => s.trim().toLowerCase()), v.picklist(["fail", "start-fresh"], "expected fail or start-fresh")), defaultText: "fail" },
  { key: "transport", flag: "--transport", env: ["MCP_TRANSPORT"], help: "stdio (default) or http (Streamable HTTP at /mcp). The original's 'sse' maps to http.", schema: v.pipe(v.string(), v.transform((s) => s.trim().toLowerCase()), v.picklist(["stdio", "http", "streamable-http", "sse"], "expected stdio or http")), defaultText: "stdio" },
  { key: "host", flag: "--host", env: ["MCP_HOST"], help: "Interface of the HTTP server (status page, QR, /mcp). Other than loopback requires authentication.", schema: text, defaultText: "127.0.0.1" },
  { key: "port", flag: "--port", env: ["MCP_PORT"], help: "Port of the HTTP server (status page, QR, /mcp). 0 picks a free port.", schema: int(0, 65535), defaultText: "8080" },
  { key: "rawDetailDays", flag: "--raw-detail-days", env: ["WHATSAPP_MCP_RAW_DETAIL_DAYS"], help: "Messages older than this many days when stored keep their raw proto without thumbnails, message secret, device list data and push name (quoting and forwarding them still work, without a preview picture); all keeps everything (a bigger store).", schema: v.union([v.pipe(v.string(), v.transform((s) => s.trim().toLowerCase()), v.literal("all"), v.transform(() => null)), int(0, 36500)], "expected a number of days or all"), defaultText: "30" },
  { key: "warmUpMs", flag: "--warm-up-ms", env: ["WHATSAPP_MCP_WARM_UP_MS"], help: "In stdio mode, once the server has been idle for a moment after start, it makes read calls of its own for at most this many milliseconds in all (small slices, each giving way to a real request), so that the first calls of a session find the code already optimized; 0 turns it off.", schema: int(0, 10000), defaultText: "1000" },
  { key: "httpEnabled", flag: "--http", env: ["WHATSAPP_MCP_HTTP"], help: "Serve the status page in stdio mode too (set false to disable).", schema: bool, defaultText: "true" },
  { key: "publicUrl", flag: "--public-url", env: ["MCP_PUBLIC_URL"], help: "External URL of this server in remote mode (OAuth resource identifier).", schema: httpUrl },
  { key: "trustedProxyHops", flag: "--trusted-proxy-hops", env: ["MCP_TRUSTED_PROXY_HOPS"], help: "How many reverse proxies in front of this server append to X-Forwarded-For. 0 (default) ignores the header: failed sign-ins and bearer tokens are limited per TCP peer address. Set it only when every request passes through that many proxies.", schema: int(0, 10), defaultText: "0" },
  { key: "cluster", flag: "--cluster", env: ["WHATSAPP_MCP_CLUSTER"], help: "Run as one member of several instances on the same PostgreSQL store (DATABASE_URL): one leader holds the WhatsApp connection, every member serves reads and queues sends. Off: a second instance on the store is refused.", schema: bool, boolean: true, defaultText: "false" },
  { key: "readOnly", flag: "--read-only", env: ["WHATSAPP_MCP_READ_ONLY"], help: "Read-only mode: send tools are not offered and are refused.", schema: bool, boolean: true, defaultText: "false" },
  { key: "toolsets", flag: "--toolsets", env: ["WHATSAPP_MCP_TOOLSETS"], help: `Comma list of toolsets to offer: all, default (${DEFAULT_TOOLSETS.join(",")}) or any of ${TOOLSETS.join(", ")}.`, schema: v.pipe(list, v.check((names) => names.every((n) => n.toLowerCase() === "all" || n.toLowerCase() === "default" || (TOOLSETS as readonly string[]).includes(n.toLowerCase())), `expected all, default or names from ${TOOLSETS.join(", ")}`)), defaultText: DEFAULT_TOOLSETS.join(",") },
  { key: "allowedRecipients", flag: "--allowed-recipients", env: ["WHATSAPP_MCP_ALLOWED_RECIPIENTS"], help: "Comma list of phone numbers or JIDs the server may send to; empty = any existing chat (subject to confirmation).", schema: list },
  { key: "confirmSends", flag: "--confirm-sends", env: ["WHATSAPP_MCP_CONFIRM_SENDS"], help: "When a human must confirm a send: always, first_contact or never.", schema: v.pipe(v.string(), v.transform((s) => s.trim().toLowerCase()), v.picklist(["always", "first_contact", "never"], "expected always, first_contact or never")), defaultText: "first_contact" },
  { key: "approvalMinutes", flag: "--approval-minutes", env: ["WHATSAPP_MCP_APPROVAL_MINUTES"], help: "How long a held send waits for approval on the local /approve page before it expires (minutes).", schema: int(1, 10080), defaultText: "10" },
  { key: "scheduleGrace", flag: "--schedule-grace", env: ["WHATSAPP_MCP_SCHEDULE_GRACE"], help: "How late a scheduled send missed while the server was off (or WhatsApp was disconnected) may still go out, flagged late; later ones expire unsent. A duration such as 30m, 2h, 1d, or minutes.", schema: duration(7 * 86_400_000, "7 days"), defaultText: "60 (minutes)" },
  { key: "sendsPerMinute", flag: "--sends-per-minute", env: ["WHATSAPP_MCP_SENDS_PER_MINUTE"], help: "Send rate limit per minute.", schema: int(0, 100000), defaultText: "10" },
  { key: "sendsPerHour", flag: "--sends-per-hour", env: ["WHATSAPP_MCP_SENDS_PER_HOUR"], help: "Send rate limit per hour.", schema: int(0, 100000), defaultText: "60" },
  { key: "sendsPerDay", flag: "--sends-per-day", env: ["WHATSAPP_MCP_SENDS_PER_DAY"], help: "Send rate limit per day.", schema: int(0, 1000000), defaultText: "300" },
  { key: "sendsPerRecipientPerHour", flag: "--sends-per-recipient-per-hour", env: ["WHATSAPP_MCP_SENDS_PER_RECIPIENT_PER_HOUR"], help: "Send rate limit per recipient per hour.", schema: int(0, 100000), defaultText: "20" },
  { key: "mediaRoots", flag: "--media-roots", env: ["WHATSAPP_MCP_MEDIA_ROOTS"], help: "Folders send_file / send_audio_message may read from (path list, ':' or ';' on Windows).", schema: text, defaultText: "<data dir>/outbox and the downloads folder" },
  { key: "downloadDir", flag: "--download-dir", env: ["WHATSAPP_MCP_DOWNLOAD_DIR"], help: "Where download_media saves files.", schema: text, defaultText: "<data dir>/downloads" },
  { key: "authToken", flag: "--auth-token", env: ["MCP_AUTH_TOKEN"], help: "Static bearer token required on HTTP (simple alternative to OAuth).", schema: text },
  { key: "oauthEnabled", flag: "--oauth", env: ["OAUTH_ENABLED"], help: "Require OAuth 2.1 bearer tokens (JWT) on HTTP.", schema: bool, defaultText: "false" },
  { key: "oauthIssuer", flag: "--oauth-issuer", env: ["OAUTH_ISSUER"], help: "Token issuer (default https://accounts.google.com when GOOGLE_CLIENT_ID is set).", schema: httpUrl },
  { key: "oauthJwksUrl", flag: "--oauth-jwks-url", env: ["OAUTH_JWKS_URL"], help: "JWKS URL of the issuer (default: discovered from the issuer).", schema: httpUrl },
  { key: "oauthAudience", flag: "--oauth-audience", env: ["OAUTH_AUDIENCE", "GOOGLE_CLIENT_ID"], help: "Expected token audience (GOOGLE_CLIENT_ID as in the original).", schema: text },
  { key: "oauthAllowedSubjects", flag: "--oauth-allowed-subjects", env: ["OAUTH_ALLOWED_SUBJECTS"], help: "Comma list of token subjects allowed in.", schema: list },
  { key: "oauthAllowedEmails", flag: "--oauth-allowed-emails", env: ["OAUTH_ALLOWED_EMAILS"], help: "Comma list of verified emails allowed in.", schema: list },
  { key: "oauthSendScope", flag: "--oauth-send-scope", env: ["OAUTH_SEND_SCOPE"], help: "Scope a token needs to call send tools.", schema: text, defaultText: "whatsapp.send" },
  { key: "pairingPhone", flag: "--pairing-phone", env: ["WHATSAPP_PAIRING_PHONE"], help: "Link with a pairing code for this phone number (digits with country code) instead of the QR code.", schema: v.pipe(v.string(), v.check((s) => phoneDigits(s) !== null, "expected a phone number with country code, 7 to 15 digits"), v.transform((s) => phoneDigits(s)!)) },
  { key: "extraMediaHosts", flag: "--extra-media-hosts", env: ["WHATSAPP_EXTRA_MEDIA_HOSTS"], help: "Hosts (host or host:port, comma-separated) download_media may fetch from besides WhatsApp's own media hosts, over HTTPS only (testing against a simulator).", schema: v.pipe(list, v.check((hs) => hs.every((h) => /^[a-z0-9.-]+(:\d{1,5})?$/i.test(h)), "expected host or host:port entries")) },
  { key: "waWebSocketUrl", flag: "--wa-websocket-url", env: ["WHATSAPP_WS_URL"], help: "WhatsApp Web WebSocket URL (testing against a simulator).", schema: v.pipe(v.string(), v.transform((s) => s.trim()), v.regex(/^wss?:\/\//, "expected a ws:// or wss:// URL")) },
  { key: "waVersion", flag: "--wa-version", env: ["WHATSAPP_MCP_WA_VERSION"], help: "WhatsApp Web version to present: \"auto\" (fetch the current one at start, fall back to the last one that worked), \"bundled\" (the one this release ships), or a version such as 2.3000.1023456789 (when WhatsApp says the client is outdated).", schema: v.pipe(v.string(), v.transform((s) => s.trim().toLowerCase()), v.regex(/^(auto|bundled|\d+\.\d+\.\d+)$/, "expected auto, bundled or a version like 2.3000.1023456789")), defaultText: "auto" },
  { key: "waQueryTimeoutMs", flag: "--wa-query-timeout-ms", env: ["WHATSAPP_QUERY_TIMEOUT_MS"], help: "Timeout of WhatsApp queries in ms.", schema: int(1000, 600000), defaultText: "60000" },
  { key: "webhookUrls", flag: "--webhook-url", env: ["WHATSAPP_MCP_WEBHOOK_URL", "WHATSAPP_MCP_WEBHOOK_URLS"], help: "URL(s), comma-separated, that get a signed POST for each new message, edit, delete, reaction and link state change (https://, or http:// to this machine only).", schema: v.pipe(list, v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    for (const url of dataset.value as string[]) {
      const problem = webhookUrlProblem(url);
      if (problem) return addIssue({ message: problem });
    }
  })) },
  { key: "webhookSecret", flag: "--webhook-secret", env: ["WHATSAPP_MCP_WEBHOOK_SECRET"], help: `Secret of the webhooks' HMAC-SHA256 signature (${MIN_WEBHOOK_SECRET_LENGTH}+ characters; required with a webhook URL).`, schema: v.pipe(text, v.minLength(MIN_WEBHOOK_SECRET_LENGTH, `expected at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`)) },
  { key: "webhookEvents", flag: "--webhook-events", env: ["WHATSAPP_MCP_WEBHOOK_EVENTS"], help: `Event kinds sent to webhooks, comma-separated: ${WEBHOOK_EVENT_KINDS.join(", ")}.`, schema: v.pipe(list, v.transform((xs) => xs.map((x) => x.toLowerCase())), v.check((xs) => xs.length > 0 && xs.every((x) => (WEBHOOK_EVENT_KINDS as readonly string[]).includes(x)), `expected names from ${WEBHOOK_EVENT_KINDS.join(", ")}`)), defaultText: "all" },
  { key: "webhookChats", flag: "--webhook-chats", env: ["WHATSAPP_MCP_WEBHOOK_CHATS"], help: "Only events of these chats go to webhooks: chat JIDs or phone numbers, comma-separated (link events are always sent).", schema: v.pipe(list, v.check((xs) => xs.length > 0 && xs.every((x) => webhookChatJid(x) !== null), "expected chat JIDs or phone numbers"), v.transform((xs) => xs.map((x) => webhookChatJid(x)!))), defaultText: "every chat" },
  { key: "webhookIncludeBody", flag: "--webhook-include-body", env: ["WHATSAPP_MCP_WEBHOOK_INCLUDE_BODY"], help: "Send message texts, captions, reactions and names in webhook events (default: metadata only).", schema: bool, boolean: true, defaultText: "false" },
  { key: "webhookTimeoutMs", flag: "--webhook-timeout-ms", env: ["WHATSAPP_MCP_WEBHOOK_TIMEOUT_MS"], help: "Timeout of one webhook attempt in ms.", schema: int(500, 120000), defaultText: "10000" },
  { key: "webhookMaxAttempts", flag: "--webhook-max-attempts", env: ["WHATSAPP_MCP_WEBHOOK_MAX_ATTEMPTS"], help: "Attempts per webhook event before it is given up (kept as dead).", schema: int(1, 1000), defaultText: "20" },
  { key: "webhookMaxAgeHours", flag: "--webhook-max-age-hours", env: ["WHATSAPP_MCP_WEBHOOK_MAX_AGE_HOURS"], help: "A webhook event not delivered after this many hours is given up (kept as dead).", schema: int(1, 8760), defaultText: "24" },
  { key: "logLevel", flag: "--log-level", env: ["LOG_LEVEL"], help: "debug, info, warn or error (logs go to stderr).", schema: v.pipe(v.string(), v.transform((s) => s.trim().toLowerCase()), v.picklist(["debug", "info", "warn", "error"], "expected debug, info, warn or error")), defaultText: "info" },
];

/**
 * Builds the Config from command-line flags and environment variables (flags win), validating
 * each value with valibot. Pure: the caller passes argv, env and host facts.
 */
import * as v from "valibot";
import type { Command, Config } from "./config.ts";
import { OPTIONS, type OptionDef } from "./options.ts";
import { fileUrlPath, folderOf, isFileUrl } from "./file_url.ts";
import { defaultDataDir, type HostInfo, joinFor, pathListDelimiter } from "./paths.ts";
import { MIN_WEBHOOK_SECRET_LENGTH, NO_WEBHOOKS, WEBHOOK_EVENT_KINDS } from "../webhooks/settings.ts";
import type { WebhookEventKind } from "../store/types.ts";
import { DEFAULT_GRACE_MS } from "../schedule/plan.ts";
import { DEFAULT_RAW_DETAIL_DAYS } from "../store/raw_detail.ts";

/** WHATSAPP_MCP_WARM_UP_MS's default (src/mcp/warm_up.ts; kept here: that module loads only once the warm-up starts). */
export const DEFAULT_WARM_UP_MS = 1000;

/** A configuration problem, worded as the one line start-up prints. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const COMMANDS: Command[] = ["serve", "import-seed", "bench", "help", "version"];

function splitArgv(argv: string[]): { command: Command; commandArgs: string[]; flags: Map<string, string> } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      flags.set("--help", "true");
      continue;
    }
    if (a === "-v" || a === "--version") {
      flags.set("--version", "true");
      continue;
    }
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(0, eq) : a;
    const def = OPTIONS.find((o) => o.flag === name || (o.boolean && `--no-${o.flag.slice(2)}` === name));
    if (!def) throw new ConfigError(`Unknown option ${name}: see --help for the list of options`);
    if (eq >= 0) flags.set(def.flag, a.slice(eq + 1));
    else if (def.boolean) flags.set(def.flag, name.startsWith("--no-") ? "false" : "true");
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new ConfigError(`Option ${name} needs a value`);
      flags.set(def.flag, next);
      i++;
    }
  }
  let command: Command = "serve";
  if (flags.has("--help")) command = "help";
  else if (flags.has("--version")) command = "version";
  else if (positional.length > 0) {
    const c = positional[0] as Command;
    if (!COMMANDS.includes(c)) {
      throw new ConfigError(`Unknown command "${positional[0]}": expected one of ${COMMANDS.join(", ")}`);
    }
    command = c;
    positional.shift();
  }
  return { command, commandArgs: positional, flags };
}

function readRaw(def: OptionDef, flags: Map<string, string>, env: Record<string, string | undefined>) {
  if (flags.has(def.flag)) return { source: def.flag, raw: flags.get(def.flag)! };
  for (const name of def.env) {
    const value = env[name];
    if (value !== undefined && value !== "") return { source: name, raw: value };
  }
  return undefined;
}

function shown(raw: string, key: string): string {
  // Never echo secrets back, even into an error line.
  if (/token|url|key|secret|chats/i.test(key)) return "(value hidden)";
  return JSON.stringify(raw.length > 60 ? raw.slice(0, 57) + "..." : raw);
}

/** Parses and validates everything; throws ConfigError naming the variable and the problem. */
export function buildConfig(argv: string[], env: Record<string, string | undefined>, host: HostInfo): Config {
  const { command, commandArgs, flags } = splitArgv(argv);
  const values: Record<string, unknown> = {};
  for (const def of OPTIONS) {
    const got = readRaw(def, flags, env);
    if (!got) continue;
    const result = v.safeParse(def.schema, got.raw);
    if (!result.success) {
      throw new ConfigError(`Invalid ${got.source}: ${result.issues[0].message}, got ${shown(got.raw, def.key)}`);
    }
    values[def.key] = result.output;
  }
  const get = <T>(key: string, fallback: T): T => (key in values ? values[key] as T : fallback);

  let dataDir = get<string>("dataDir", "") || defaultDataDir(host);
  let databaseUrl = get<string | null>("databaseUrl", null);
  if (databaseUrl && isFileUrl(databaseUrl)) {
    // The original's default `file:store/messages.db`: keep the local store, in that file's folder
    // (a relative one in the server's own folder, see file_url.ts) unless a data dir was given.
    const file = fileUrlPath(databaseUrl, host.platform, host.programDir ?? ".");
    if (!("dataDir" in values)) dataDir = folderOf(file, host.platform);
    databaseUrl = null;
  }
  let sessionDatabaseUrl = get<string | null>("sessionDatabaseUrl", null);
  if (sessionDatabaseUrl && isFileUrl(sessionDatabaseUrl)) sessionDatabaseUrl = null;

  const cluster = get<boolean>("cluster", false);
  if (cluster && !databaseUrl) {
    throw new ConfigError("Invalid WHATSAPP_MCP_CLUSTER: cluster members share a PostgreSQL store; set DATABASE_URL to a postgres:// URL");
  }
  if (cluster && sessionDatabaseUrl && sessionDatabaseUrl !== databaseUrl) {
    throw new ConfigError("Invalid WHATSAPP_MCP_CLUSTER: cluster members keep the WhatsApp session in DATABASE_URL (unset WHATSAPP_SESSION_DATABASE_URL)");
  }

  const transportRaw = get<string>("transport", "stdio");
  const transport = transportRaw === "stdio" ? "stdio" : "http";
  const port = get<number>("port", 8080);
  const hostName = get<string>("host", "127.0.0.1");
  const downloadDir = get<string>("downloadDir", joinFor(host.platform, dataDir, "downloads"));
  const rootsRaw = get<string | null>("mediaRoots", null);
  const mediaRoots = rootsRaw
    ? rootsRaw.split(pathListDelimiter(host.platform)).map((s) => s.trim()).filter(Boolean)
    : [joinFor(host.platform, dataDir, "outbox"), downloadDir];

  const audience = get<string | null>("oauthAudience", null);
  const oauthEnabled = get<boolean>("oauthEnabled", false);
  let oauth: Config["auth"]["oauth"] = null;
  if (oauthEnabled) {
    if (!audience) throw new ConfigError("Invalid OAUTH_ENABLED: OAuth needs OAUTH_AUDIENCE (or GOOGLE_CLIENT_ID)");
    const issuer = get<string | null>("oauthIssuer", null) ??
      (env.GOOGLE_CLIENT_ID ? "https://accounts.google.com" : null);
    if (!issuer) throw new ConfigError("Invalid OAUTH_ENABLED: OAuth needs OAUTH_ISSUER");
    oauth = {
      issuer,
      jwksUrl: get<string | null>("oauthJwksUrl", null),
      audience,
      allowedSubjects: get<string[]>("oauthAllowedSubjects", []),
      allowedEmails: get<string[]>("oauthAllowedEmails", []),
      sendScope: get<string>("oauthSendScope", "whatsapp.send"),
    };
    if (oauth.allowedSubjects.length === 0 && oauth.allowedEmails.length === 0) {
      throw new ConfigError("Invalid OAUTH_ENABLED: set OAUTH_ALLOWED_SUBJECTS or OAUTH_ALLOWED_EMAILS (who may use this account)");
    }
  }

  const webhookUrls = get<string[]>("webhookUrls", []);
  const webhookSecret = get<string | null>("webhookSecret", null);
  if (webhookUrls.length > 0 && !webhookSecret) {
    throw new ConfigError(`Invalid WHATSAPP_MCP_WEBHOOK_URL: webhooks are signed, set WHATSAPP_MCP_WEBHOOK_SECRET (${MIN_WEBHOOK_SECRET_LENGTH}+ characters)`);
  }

  return {
    command,
    commandArgs,
    dataDir,
    databaseUrl,
    sessionDatabaseUrl,
    sessionKey: get<string | null>("sessionKey", null),
    onCorrupt: get<"fail" | "start-fresh">("onCorrupt", "fail"),
    rawDetailDays: get<number | null>("rawDetailDays", DEFAULT_RAW_DETAIL_DAYS),
    cluster,
    transport,
    transportWasSse: transportRaw === "sse",
    http: { enabled: transport === "http" || get<boolean>("httpEnabled", true), host: hostName, port, publicUrl: get<string | null>("publicUrl", null), trustedProxyHops: get<number>("trustedProxyHops", 0) },
    readOnly: get<boolean>("readOnly", false),
    toolsets: get<string[]>("toolsets", []),
    sendPolicy: {
      allowedRecipients: get<string[]>("allowedRecipients", []),
      confirm: get<"always" | "first_contact" | "never">("confirmSends", "first_contact"),
      approvalMinutes: get<number>("approvalMinutes", 10),
      perMinute: get<number>("sendsPerMinute", 10),
      perHour: get<number>("sendsPerHour", 60),
      perDay: get<number>("sendsPerDay", 300),
      perRecipientPerHour: get<number>("sendsPerRecipientPerHour", 20),
    },
    warmUpMs: get<number>("warmUpMs", DEFAULT_WARM_UP_MS),
    scheduleGraceMs: get<number>("scheduleGrace", DEFAULT_GRACE_MS),
    mediaRoots,
    downloadDir,
    auth: { token: get<string | null>("authToken", null), oauth },
    whatsapp: {
      wsUrl: get<string | null>("waWebSocketUrl", null),
      queryTimeoutMs: get<number>("waQueryTimeoutMs", 60000),
      version: get<string>("waVersion", "auto"),
      pairingPhone: get<string | null>("pairingPhone", null),
      extraMediaHosts: get<string[]>("extraMediaHosts", []),
    },
    logLevel: get<"debug" | "info" | "warn" | "error">("logLevel", "info"),
    webhooks: {
      urls: [...new Set(webhookUrls)],
      secret: webhookSecret,
      chats: get<string[] | null>("webhookChats", null),
      events: get<WebhookEventKind[]>("webhookEvents", [...WEBHOOK_EVENT_KINDS]),
      includeBody: get<boolean>("webhookIncludeBody", false),
      timeoutMs: get<number>("webhookTimeoutMs", NO_WEBHOOKS.timeoutMs),
      maxAttempts: get<number>("webhookMaxAttempts", NO_WEBHOOKS.maxAttempts),
      maxAgeMs: get<number>("webhookMaxAgeHours", 24) * 3_600_000,
    },
  };
}

/**
 * A pino-compatible logger for Baileys that writes through our stderr logger. Baileys' own
 * default is pino to STDOUT, which would corrupt the MCP stdio stream; and Baileys logs whole
 * stanzas, message keys and credentials objects. So only the message text (redacted: JIDs and
 * digit runs masked) and a short allow-list of harmless fields (counts, codes, error names)
 * pass; every other field is dropped.
 */
import { createLogger, type Logger, type LogLevel, redact } from "../log.ts";

/** Baileys' (pino's) level names, plus `silent`. */
export type BaileysLogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/** The logger interface Baileys expects (`ILogger` in Baileys' `Utils/logger`). */
export interface BaileysLogger {
  level: string;
  child(bindings: Record<string, unknown>): BaileysLogger;
  trace(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  fatal(obj: unknown, msg?: string): void;
}

/**
 * Baileys' level for our configured level: Baileys is very chatty at info (every stanza
 * class), so it logs warnings and errors unless we are debugging.
 */
export function baileysLevelFor(level: LogLevel): BaileysLogLevel {
  return level === "debug" ? "debug" : level === "error" ? "error" : "warn";
}

const RANK: Record<BaileysLogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 99 };

/** Fields whose values are harmless (counts, codes, enum names) and useful when debugging. */
const SAFE_FIELDS = new Set([
  "attempt",
  "chunkOrder",
  "class",
  "count",
  "dbQueries",
  "devicesWithSessions",
  "isLatest",
  "items",
  "keys",
  "migrated",
  "migratedSessions",
  "mutationCount",
  "offlineNotifs",
  "progress",
  "reason",
  "retryCount",
  "skipped",
  "statusCode",
  "syncType",
  "total",
  "totalDevices",
]);

const ERROR_FIELDS = new Set(["err", "error", "e"]);

/**
 * Creates the Baileys logger. `level` comes from config (default `warn`: Baileys is chatty at info);
 * `log` is where lines go (default the `baileys` stderr logger).
 */
export function createBaileysLogger(opts: { level?: BaileysLogLevel; log?: Logger } = {}): BaileysLogger {
  return make(opts.log ?? createLogger("baileys"), opts.level ?? "warn", {});
}

function make(log: Logger, level: BaileysLogLevel, bindings: Record<string, unknown>): BaileysLogger {
  const emit = (at: Exclude<BaileysLogLevel, "silent">) => (obj: unknown, msg?: string) => {
    const threshold = RANK[logger.level as BaileysLogLevel] ?? RANK.warn;
    if (RANK[at] < threshold) return;
    const { text, fields } = sanitize(obj, msg, bindings);
    const target = at === "trace" ? "debug" : at === "fatal" ? "error" : at;
    log[target](text, fields);
  };
  const logger: BaileysLogger = {
    level,
    child(more) {
      return make(log, logger.level as BaileysLogLevel, { ...bindings, ...more });
    },
    trace: emit("trace"),
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    fatal: emit("fatal"),
  };
  return logger;
}

/** Splits a pino-style call into a message and the allowed fields. Exported for tests. */
export function sanitize(
  obj: unknown,
  msg: string | undefined,
  bindings: Record<string, unknown> = {},
): { text: string; fields: Record<string, unknown> | undefined } {
  let text = typeof msg === "string" ? msg : "";
  const fields: Record<string, unknown> = {};
  const take = (source: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(source)) {
      if (ERROR_FIELDS.has(k) && v) fields[k] = errorSummary(v);
      else if (k === "trace" && typeof v === "string") fields.trace = v.split("\n")[0];
      else if (SAFE_FIELDS.has(k) && (typeof v === "number" || typeof v === "boolean" || typeof v === "string")) {
        fields[k] = v;
      }
    }
  };
  take(bindings);
  if (typeof obj === "string") {
    // `logger.info("text", extra)`: pino would format extra into the text; it is often a stanza, so drop it.
    text = obj;
  } else if (obj instanceof Error) {
    fields.err = errorSummary(obj);
  } else if (obj && typeof obj === "object") {
    take(obj as Record<string, unknown>);
    const inner = (obj as Record<string, unknown>).msg;
    if (!text && typeof inner === "string") text = inner;
  }
  return { text: text || "(no message)", fields: Object.keys(fields).length ? fields : undefined };
}

function errorSummary(v: unknown): Record<string, unknown> | string {
  if (v && typeof v === "object") {
    const e = v as { name?: unknown; message?: unknown; output?: { statusCode?: unknown } };
    const out: Record<string, unknown> = {
      name: typeof e.name === "string" ? e.name : "Error",
      message: redact(String(e.message ?? "")),
    };
    // Boom errors (Baileys' closes) carry the WhatsApp status code here.
    if (typeof e.output?.statusCode === "number") out.statusCode = e.output.statusCode;
    return out;
  }
  return typeof v === "string" ? redact(v) : typeof v;
}

/**
 * Structured logging to stderr only: in stdio mode stdout is the MCP channel.
 * Callers pass fields, never message bodies, phone numbers, QR strings or tokens;
 * `redact` masks the most likely accidents anyway (long digit runs, JIDs).
 */

/** Severity, ordered. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A named logger. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(name: string): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where log lines go; replaced in tests. Default: stderr via console.error (stderr on Node and Deno). */
export type LogSink = (line: string) => void;

let sink: LogSink = (line) => console.error(line);
let threshold: LogLevel = "info";

/** Sets the global sink and level (main.ts does this once from config). */
export function configureLogging(opts: { level?: LogLevel; sink?: LogSink }): void {
  if (opts.level) threshold = opts.level;
  if (opts.sink) sink = opts.sink;
}

/** Masks phone-number-like digit runs and JIDs in a string. */
export function redact(text: string): string {
  return text
    .replace(/[0-9A-Za-z._:-]+@(s\.whatsapp\.net|lid|g\.us|c\.us|newsletter|broadcast)/g, "<jid>")
    .replace(/\+?\d[\d\s-]{6,}\d/g, "<digits>");
}

function serialize(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: redact(value.message) };
  if (typeof value === "string") return redact(value);
  return value;
}

/** Creates a logger whose lines carry `name`. */
export function createLogger(name: string): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[threshold]) return;
    const rec: Record<string, unknown> = { t: new Date().toISOString(), level, name, msg: redact(msg) };
    if (fields) for (const [k, v] of Object.entries(fields)) rec[k] = serialize(v);
    let line: string;
    try {
      line = JSON.stringify(rec);
    } catch {
      line = JSON.stringify({ t: rec.t, level, name, msg: rec.msg, note: "fields not serializable" });
    }
    sink(line);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (sub) => createLogger(`${name}.${sub}`),
  };
}

/**
 * libsignal (inside Baileys) prints session records with `console.info("Closing session:", session)`,
 * `console.warn("Session already closed", session)` and the like: on Node and Deno, `console.log`,
 * `info` and `debug` write to STDOUT, which in stdio mode is the MCP channel, and the records
 * carry private keys. This guard reroutes `console.log/info/debug/trace/warn` through our stderr
 * logger, keeping only the first string argument (redacted) and dropping every object.
 * `console.error` is left alone: it already goes to stderr and our logger writes through it.
 */
import { createLogger, type Logger } from "../log.ts";

let installed = false;

/** Installs the guard once per process (later calls do nothing). Returns whether this call installed it. */
export function guardConsole(log: Logger = createLogger("console")): boolean {
  if (installed) return false;
  installed = true;
  const route = (level: "debug" | "warn") => (...args: unknown[]) => {
    const text = args.find((a): a is string => typeof a === "string");
    const dropped = args.length - (text === undefined ? 0 : 1);
    log[level](text === undefined ? "(console output without text dropped)" : text.slice(0, 300), dropped ? { droppedArgs: dropped } : undefined);
  };
  const c = globalThis.console as unknown as Record<string, unknown>;
  c.log = route("debug");
  c.info = route("debug");
  c.debug = route("debug");
  c.trace = route("debug");
  c.warn = route("warn");
  return true;
}

/** A logger with Baileys' ILogger shape that drops everything (the simulator's own Baileys helpers log nothing). */
export interface SimLogger {
  level: string;
  child(obj: Record<string, unknown>): SimLogger;
  trace(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

const noop = () => {};

/** The shared silent logger. */
export const silentLogger: SimLogger = {
  level: "silent",
  child: () => silentLogger,
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
};

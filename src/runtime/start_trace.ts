/**
 * Start-up phase marks for measuring the cold path (spawn → first answer). Off unless
 * WHATSAPP_MCP_START_TRACE=1; then each mark writes one stderr line
 * `start-trace <epoch ms, 3 decimals> <name>` (epoch time so marks from worker threads line up).
 */
import process from "node:process";
import v8 from "node:v8";

const on = process.env.WHATSAPP_MCP_START_TRACE === "1";

/** Records that start-up reached `name` (no-op unless tracing is on). */
export function startMark(name: string): void {
  if (!on) return;
  const at = performance.timeOrigin + performance.now();
  process.stderr.write(`start-trace ${at.toFixed(3)} ${name}\n`);
}

/** With tracing on: one line per V8 heap space and the process's memory figures (MB), after `name`. */
export function traceMemory(name: string): void {
  if (!on) return;
  const mb = (n: number) => (n / 1048576).toFixed(1);
  const spaces = v8.getHeapSpaceStatistics().map((s) => `${s.space_name} ${mb(s.physical_space_size)}/${mb(s.space_used_size)}`);
  const u = process.memoryUsage();
  startMark(`${name}: rss ${mb(u.rss)} heapTotal ${mb(u.heapTotal)} heapUsed ${mb(u.heapUsed)} external ${mb(u.external)} arrayBuffers ${mb(u.arrayBuffers)} | ${spaces.join(", ")}`);
}

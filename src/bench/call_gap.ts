/**
 * `bench tools` with calls spaced as a user's session spaces them (WHATSAPP_MCP_BENCH_CALL_GAP_MS):
 * in Claude Desktop the assistant calls a read tool, then the human reads and types for tens of
 * seconds to minutes before the next one. Each timed call comes after that gap, the workloads
 * taking turns (so each meets the server after the same kinds of pause), and is followed at once
 * by a second call of the same workload on the next input: its time is the warm reference taken in
 * the same moment, at the same load.
 */

/** The gap before each timed call, in ms (0: off, the calls back to back). */
export function callGapMs(env: Record<string, string | undefined>): number {
  const n = Number(env.WHATSAPP_MCP_BENCH_CALL_GAP_MS ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The timed calls in their order: round `i` calls each workload once, on input `2i` (then `2i + 1` at once). */
export function gapOrder(names: readonly string[], runs: number): Array<{ name: string; input: number }> {
  const order: Array<{ name: string; input: number }> = [];
  for (let i = 0; i < runs; i++) for (const name of names) order.push({ name, input: 2 * i });
  return order;
}

/** p50 / p95 / max of `ms`, rounded to µs. */
export function spread(ms: readonly number[]): { p50: number; p95: number; max: number } {
  const t = [...ms].sort((a, b) => a - b);
  const at = (p: number) => Math.round(t[Math.min(t.length - 1, Math.max(0, Math.ceil(p * t.length) - 1))]! * 1000) / 1000;
  return { p50: at(0.5), p95: at(0.95), max: at(1) };
}

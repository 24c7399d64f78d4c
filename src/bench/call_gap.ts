/**
 * `bench tools` with calls spaced as a user's session spaces them (WHATSAPP_MCP_BENCH_CALL_GAP_MS):
 * in Claude Desktop the assistant calls a read tool, then the human reads and types for tens of
 * seconds to minutes before the next one. Each timed call comes after that gap, the workloads
 * taking turns (so each meets the server after the same kinds of pause), and is followed at once
 * by a second call of the same workload on the next input: its time is the warm reference taken in
 * the same moment, at the same load.
 */
import { runMicros } from "../runtime/bench_host.ts";
import type { ToolTiming } from "./stdio_tools.ts";

/** A bench variable's milliseconds: a positive whole number, else 0 (off). */
export function positiveMs(v: string | undefined): number {
  const n = Number(v ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The gap before each timed call, in ms (0: off, the calls back to back). */
export function callGapMs(env: Record<string, string | undefined>): number {
  return positiveMs(env.WHATSAPP_MCP_BENCH_CALL_GAP_MS);
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

/**
 * The gapped timing (call_gap.ts): before each timed call the server is left idle for `gapMs`.
 * The server's CPU is read around each call alone, at the scheduler's resolution (`runMicros`):
 * `serverMainCpuMs` / `serverCpuMs` are p50s per call (main thread / all threads; the idle time's
 * CPU is not the call's), for the gapped calls and, in `next`, the calls right after them.
 */
export async function timeGapped(
  calls: Map<string, (i: number) => Promise<void>>,
  runs: number,
  gapMs: number,
  pid: number | undefined,
): Promise<Record<string, ToolTiming>> {
  type Times = { ms: number[]; main: number[]; all: number[] };
  const got = new Map<string, { at: Times; next: Times }>();
  const empty = (): Times => ({ ms: [], main: [], all: [] });
  const timed = async (t: Times, run: () => Promise<void>) => {
    const c0 = pid === undefined ? null : runMicros(pid);
    const t0 = performance.now();
    await run();
    t.ms.push(performance.now() - t0);
    const c1 = pid === undefined ? null : runMicros(pid);
    if (c0 && c1) [t.main, t.all] = [[...t.main, (c1.main - c0.main) / 1000], [...t.all, (c1.all - c0.all) / 1000]];
  };
  for (const { name, input } of gapOrder([...calls.keys()], runs)) {
    const once = calls.get(name)!;
    const g = got.get(name) ?? { at: empty(), next: empty() };
    got.set(name, g);
    await new Promise((r) => setTimeout(r, gapMs));
    await timed(g.at, () => once(input));
    await timed(g.next, () => once(input + 1));
  }
  const cpu = (t: number[]) => (t.length ? spread(t).p50 : null);
  const summary = (t: Times) => ({ ...spread(t.ms), runs, serverCpuMs: cpu(t.all), serverMainCpuMs: cpu(t.main) });
  return Object.fromEntries([...got].map(([name, g]) => [name, { ...summary(g.at), first: Math.round(g.at.ms[0]! * 1000) / 1000, next: summary(g.next) }]));
}

/**
 * The store bench's read workloads as MCP tool calls over stdio: spawns the real server (as an MCP
 * client does) on the store the bench built (a data folder, or DATABASE_URL) and times each
 * `tools/call` from request to answer, one at a time. What a user's client waits for: the
 * store's query plus the tool's shaping, validation and JSON over the pipe.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuMicrosOfPids, mainThreadCpuMicros } from "../runtime/bench_host.ts";
import { repoRoot, runtimeTargets, spawnServer } from "./startup.ts";
import type { QueryTiming } from "./store.ts";
import { callGapMs, positiveMs, spread, timeGapped } from "./call_gap.ts";

/** The inputs of the store bench's workloads (deterministic, from its generated history). */
export interface ToolWorkload {
  /** Chats to pick from, in the order the store bench picks them. */
  chats: string[];
  rareWords: string[];
  commonWords: string[];
  contactPrefixes: string[];
  /** Stored messages to fetch context around. */
  samples: Array<{ chat: string; id: string }>;
}

/** The workload kept beside a kept store, so `bench tools <folder>` can time the same calls again. */
const WORKLOAD_FILE = "bench-tools-workload.json";

/** Keeps the workload in the store's folder (WHATSAPP_MCP_BENCH_KEEP_STORE). */
export function saveWorkload(dir: string, w: ToolWorkload): void {
  writeFileSync(join(dir, WORKLOAD_FILE), JSON.stringify(w));
}

/** The workload a kept store was built with. */
export function loadWorkload(dir: string): ToolWorkload {
  return JSON.parse(readFileSync(join(dir, WORKLOAD_FILE), "utf8")) as ToolWorkload;
}

/** Where the spawned server finds the store: its data folder, or a database URL. */
export type ToolStore = { dataDir: string } | { databaseUrl: string };

/** One workload: the tool and its arguments for run `i`. */
type Call = (i: number) => { name: string; arguments: Record<string, unknown> };

/** The store bench's queries as tool calls (the names match its `queries` fields). */
export function toolCalls(w: ToolWorkload): Record<string, Call> {
  const chat = (i: number) => w.chats[i % w.chats.length]!;
  const rare = (i: number) => w.rareWords[i % w.rareWords.length]!;
  const common = (i: number) => w.commonWords[i % w.commonWords.length]!;
  const plain = { include_context: false, limit: 20 };
  return {
    newest20InChat: (i) => ({ name: "list_messages", arguments: { ...plain, chat_jid: chat(i) } }),
    searchRareWord: (i) => ({ name: "list_messages", arguments: { ...plain, query: rare(i) } }),
    searchCommonWord: (i) => ({ name: "list_messages", arguments: { ...plain, query: common(i) } }),
    searchPhrase: () => ({ name: "list_messages", arguments: { ...plain, query: '"see you tomorrow"' } }),
    searchCommonWordInChat: (i) => ({ name: "list_messages", arguments: { ...plain, query: "the", chat_jid: chat(i) } }),
    searchRelevanceRareWord: (i) => ({ name: "list_messages", arguments: { ...plain, query: rare(i), order: "relevance" } }),
    listChatsWithLast20: (i) => ({ name: "list_chats", arguments: { limit: 20, include_last_message: true, page: i % 5 } }),
    searchContacts: (i) => ({ name: "search_contacts", arguments: { query: w.contactPrefixes[i % w.contactPrefixes.length]! } }),
    // list_messages as clients call it: the default context (1 before, 1 after each hit).
    listMessagesContext20: (i) => ({ name: "list_messages", arguments: { query: common(i), limit: 20 } }),
    messageContext5x5: (i) => {
      const s = w.samples[(i * 7919) % w.samples.length]!;
      return { name: "get_message_context", arguments: { chat_jid: s.chat, message_id: s.id, before: 5, after: 5 } };
    },
  };
}

/**
 * One workload's timings, plus the server's CPU time per call (user + system, from /proc; null
 * elsewhere): less sensitive to the machine's load than the wall-clock times, so A/B runs on a
 * busy machine still compare. `serverCpuMs` counts every thread; `serverMainCpuMs` the main
 * thread alone (the calls' JavaScript and the store's wasm): the rest is the runtime's compiler
 * and GC helper threads, busy while the code is still being optimized (the first ~100 calls of
 * each workload in a fresh server). `first`: the first timed call's ms (a session's first call of
 * its kind with WHATSAPP_MCP_BENCH_WARMUP=0).
 */
export type ToolTiming = QueryTiming & {
  first?: number;
  serverCpuMs: number | null;
  serverMainCpuMs: number | null;
  /** With a call gap (call_gap.ts): the calls made right after each gapped one (the warm reference). */
  next?: QueryTiming & { serverCpuMs: number | null; serverMainCpuMs: number | null };
};

/** A server over stdio with request/answer by id. */
interface Session {
  pid: number | undefined;
  call(name: string, args: Record<string, unknown>): Promise<{ isError?: boolean }>;
  /** Asks for `tools/list` (what a client asks right after initialize). */
  list(): Promise<unknown>;
  close(): Promise<void>;
}

function startSession(command: string, args: string[], dataDir: string, env: Record<string, string>): Promise<Session> {
  const waiting = new Map<number, (result: unknown) => void>();
  let nextId = 2;
  return new Promise((resolve, reject) => {
    spawnServer(command, args, dataDir, { ms: 120_000, what: "initialize answer" }, (s, id, done, msg) => {
      if (id === 1) {
        done();
        s.send({ method: "notifications/initialized" });
        resolve({
          pid: s.child.pid,
          call(name, a) {
            const id = nextId++;
            return new Promise((res) => {
              waiting.set(id, res as (r: unknown) => void);
              s.send({ id, method: "tools/call", params: { name, arguments: a } });
            });
          },
          list() {
            const id = nextId++;
            return new Promise((res) => {
              waiting.set(id, res);
              s.send({ id, method: "tools/list", params: {} });
            });
          },
          close() {
            return new Promise((res) => {
              s.child.on("exit", () => res());
              s.child.stdin!.end();
              setTimeout(() => s.child.kill("SIGKILL"), 10_000).unref?.();
            });
          },
        });
      } else if (id !== undefined) {
        const w = waiting.get(id);
        waiting.delete(id);
        w?.(msg.result ?? null);
      }
    }, reject, env);
  });
}

/**
 * Waits until the server has used (almost) no CPU for half a second: after the first tool call
 * the server loads what no call waits for (the WhatsApp client's modules, its keys: about a second
 * of CPU), and timings taken meanwhile measure that start, not the reads (they made the first
 * workload's p95 look like 26 ms). Without /proc (not Linux): a fixed 3 s.
 */
async function settle(pid: number | undefined): Promise<void> {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const cpu = () => (pid === undefined ? null : cpuMicrosOfPids([pid]));
  let last = cpu();
  if (last === null) return sleep(3000);
  let quiet = 0;
  for (let waited = 0; waited < 20_000 && quiet < 2; waited += 250) {
    await sleep(250);
    const now = cpu()!;
    quiet = now - last <= 10_000 ? quiet + 1 : 0; // at most one 10 ms tick in 250 ms
    last = now;
  }
}

/**
 * The untimed calls before each workload's timed ones: how many (WHATSAPP_MCP_BENCH_WARMUP; default
 * 3) and the input index they start at (WHATSAPP_MCP_BENCH_WARMUP_FROM; default 0, the timed calls'
 * own inputs). From 100, 100 warm-up calls run the code on other chats and context samples than the
 * 100 timed ones read (the store bench's 200 chats and 1,000 samples; its words, contact prefixes
 * and chat-list pages repeat every 5-50 calls), so those timed calls find the code optimized and
 * their data cold: pages, SQLite's page cache, the read memos.
 */
export function warmupPlan(env: Record<string, string | undefined>): { calls: number; from: number } {
  const count = (v: string | undefined, dflt: number) => {
    const n = Number(v ?? dflt);
    return Number.isSafeInteger(n) && n >= 0 ? n : dflt;
  };
  return { calls: count(env.WHATSAPP_MCP_BENCH_WARMUP, 3), from: count(env.WHATSAPP_MCP_BENCH_WARMUP_FROM, 0) };
}

/**
 * What happens between the first call and the timed ones: the server is left to settle (`settle`;
 * WHATSAPP_MCP_BENCH_SETTLE=0: not), then idle for WHATSAPP_MCP_BENCH_IDLE_MS (default 0). Without
 * the settle the timed calls follow the first one at once, as a client's next calls may (the
 * server still loads the WhatsApp side meanwhile); with an idle time, as they come after a pause
 * (the server's idle warm-up, src/mcp/warm_up.ts, runs in such pauses).
 *
 * WHATSAPP_MCP_BENCH_DESKTOP_PAUSE_MS (`desktopMs`, default 0: off) starts the session as Claude
 * Desktop does instead: `tools/list` right after initialize, then that pause (a human reads and
 * types), then the timed calls, with no first call and no settle before them: how warm a
 * server is at a session's first real calls. WHATSAPP_MCP_BENCH_CALL_GAP_MS (call_gap.ts) puts
 * such a pause before every timed call.
 */
export function pausePlan(env: Record<string, string | undefined>): { settle: boolean; idleMs: number; desktopMs: number } {
  const desktopMs = positiveMs(env.WHATSAPP_MCP_BENCH_DESKTOP_PAUSE_MS);
  if (desktopMs > 0) return { settle: false, idleMs: 0, desktopMs };
  return { settle: env.WHATSAPP_MCP_BENCH_SETTLE !== "0", idleMs: positiveMs(env.WHATSAPP_MCP_BENCH_IDLE_MS), desktopMs: 0 };
}

/**
 * Times each workload `runs` times (after 3 warm-up calls, or WHATSAPP_MCP_BENCH_WARMUP: the
 * server's JavaScript is optimized over its first hundred or so calls of a kind, and the default
 * times those, as a fresh session's first calls run) over stdio on the first runtime
 * available (Node on the build, else Deno), or on `only` ("node", "deno"); `names` picks
 * workloads. The server is left to settle after its first call (see `settle`). A tool error
 * fails the bench: a fast error is not a fast read.
 */
export async function runToolsOverStdio(
  store: ToolStore,
  w: ToolWorkload,
  runs = 50,
  only?: string,
  names?: readonly string[],
): Promise<{ runtime: string; warmup: number; warmupFrom?: number; settled?: boolean; idleMs?: number; desktopPauseMs?: number; callGapMs?: number; tools: Record<string, ToolTiming> }> {
  // WHATSAPP_MCP_BENCH_SERVER_ROOT: another checkout's server (A/B against a base build, same client).
  const root = process.env.WHATSAPP_MCP_BENCH_SERVER_ROOT || repoRoot();
  const [runtime, command, args] = runtimeTargets(root).find(([name]) => only === undefined || name === only) ?? [];
  if (!runtime) throw new Error("no runtime to spawn the server with (build with tsc, or install deno)");
  // WHATSAPP_MCP_BENCH_SERVER_FLAGS: runtime flags for the server, e.g. "--cpu-prof" to profile the calls.
  const flags = (process.env.WHATSAPP_MCP_BENCH_SERVER_FLAGS ?? "").split(" ").filter(Boolean);
  const runArgs = runtime === "deno" ? [args![0]!, ...flags, ...args!.slice(1)] : [...flags, ...args!];
  const scratch = mkdtempSync(join(tmpdir(), "wa-tools-bench-"));
  const dataDir = "dataDir" in store ? store.dataDir : scratch;
  const env: Record<string, string> = "databaseUrl" in store ? { DATABASE_URL: store.databaseUrl } : {};
  const session = await startSession(command!, runArgs, dataDir, env);
  try {
    const tools: Record<string, ToolTiming> = {};
    const cpu = () => (session.pid === undefined ? null : cpuMicrosOfPids([session.pid]));
    const mainCpu = () => (session.pid === undefined ? null : mainThreadCpuMicros(session.pid));
    const { calls: warmup, from } = warmupPlan(process.env);
    const pause = pausePlan(process.env);
    if (pause.desktopMs > 0) {
      await session.list();
      await new Promise((r) => setTimeout(r, pause.desktopMs));
    } else {
      const first = toolCalls(w).newest20InChat!(0);
      await session.call(first.name, first.arguments); // opens the store; the server then loads the rest
    }
    if (pause.settle) await settle(session.pid);
    if (pause.idleMs > 0) await new Promise((r) => setTimeout(r, pause.idleMs));
    const picked = Object.entries(toolCalls(w)).filter(([name]) => !names || names.includes(name));
    const onceOf = (call: Call) => async (i: number) => {
      const c = call(i);
      const r = await session.call(c.name, c.arguments);
      if (!r || r.isError) throw new Error(`${c.name} failed over stdio: ${JSON.stringify(r).slice(0, 300)}`);
    };
    const gapMs = callGapMs(process.env);
    if (gapMs > 0) {
      for (const [, call] of picked) for (let i = 0; i < warmup; i++) await onceOf(call)(from + i);
      const gapped = await timeGapped(new Map(picked.map(([n, c]) => [n, onceOf(c)])), runs, gapMs, session.pid);
      return { runtime, warmup, ...(from === 0 ? {} : { warmupFrom: from }), callGapMs: gapMs, tools: gapped };
    }
    for (const [name, call] of picked) {
      const once = onceOf(call);
      for (let i = 0; i < warmup; i++) await once(from + i);
      const t: number[] = [];
      const cpu0 = cpu();
      const main0 = mainCpu();
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await once(i);
        t.push(performance.now() - t0);
      }
      const first = Math.round(t[0]! * 1000) / 1000;
      const cpu1 = cpu();
      const main1 = mainCpu();
      const perCall = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.round((b - a) / runs) / 1000);
      tools[name] = { ...spread(t), first, runs, serverCpuMs: perCall(cpu0, cpu1), serverMainCpuMs: perCall(main0, main1) };
    }
    const paused = pause.desktopMs > 0
      ? { desktopPauseMs: pause.desktopMs }
      : pause.settle && pause.idleMs === 0 ? {} : { settled: pause.settle, idleMs: pause.idleMs };
    return { runtime, warmup, ...(from === 0 ? {} : { warmupFrom: from }), ...paused, tools };
  } finally {
    await session.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The idle warm-up: a fresh server's first read calls cost more than the same calls later (V8 has
 * not optimized the code yet: sql.js's glue, the store's row code, the tools' shaping, the SDK's
 * checks; and the store's pages are read the first time). While the session is idle after start,
 * this makes read calls of its own (warm_up_plan.ts), one small slice at a time, so a user's first
 * calls find the code optimized.
 *
 * Rules:
 * - it never runs while a real request is in flight, nor until none came for `idleMs` and the
 *   event loop is free (timers fire on time: not while the WhatsApp modules load);
 * - one call is one slice; between slices the event loop turns, so a request that arrived is
 *   served first; a request that arrives during a slice makes the slice's next store read fail
 *   (`yieldingStore`), so it waits at most for one store read; the warm-up then waits for idle again;
 * - the slices' time adds up to at most `budgetMs`, then it ends for good;
 * - the calls go to a server of its own (`createMcpServer` on `yieldingStore`): its data-flow
 *   memory is its own and dropped with it, so the session's memory of what the assistant was
 *   shown is never touched; the store is read, never written; nothing of what it reads is logged.
 */
import type { CallToolResult } from "./sdk.ts";
import type { MirrorStore } from "../store/ports.ts";
import { createWarmUpPlan, type WarmUpCall } from "./warm_up_plan.ts";
import { afterTurn } from "../runtime/after_turn.ts";
import { unrefTimer } from "../runtime/process.ts";
import { startMark } from "../runtime/start_trace.ts";

/** What the warm-up sees of the session's requests (the stdio front counts them). */
export interface RequestActivity {
  /** Requests being served now. */
  inFlight(): number;
  /** When (`now()`) the last request began or ended; -Infinity before any. */
  lastActivity(): number;
}

/** The warm-up's settings and capabilities. */
export interface WarmUpOptions {
  /**
   * The tools of the warm-up's own server, built on a store view that fails its reads once
   * `shouldYield()` is true (`yieldingStore`); called once, when the warm-up begins.
   */
  tools(shouldYield: () => boolean): (call: WarmUpCall) => Promise<CallToolResult>;
  activity: RequestActivity;
  /** Most milliseconds of slices in all. */
  budgetMs: number;
  /** How long no request must have come before a slice (default 250 ms). */
  idleMs?: number;
  /** Resolves when the warm-up may begin (e.g. once the first calls were answered). */
  after?: Promise<unknown>;
  /**
   * Per slice, after the call: the rest of a request's path, on the call and its answer (the
   * stdio front's: src/instance/proxy/rehearsal.ts); part of the slice's time.
   */
  alsoPerCall?: (call: WarmUpCall, result: CallToolResult) => unknown;
  now?: () => number;
  /** Waits `ms` (default: an unref'd timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Waits one event-loop turn (default: `afterTurn`). */
  turn?: () => Promise<void>;
}

/** Why the warm-up ended, and what it did. */
export interface WarmUpReport {
  reason: "done" | "budget" | "stopped" | "empty";
  calls: number;
  /** Slices that gave way to a real request. */
  yielded: number;
  spentMs: number;
}

/** A running warm-up. */
export interface WarmUp {
  stop(): void;
  readonly done: Promise<WarmUpReport>;
}

/** The loop must have been free this long (and timers on time) before a slice. */
const DEFAULT_IDLE_MS = 250;
/** Period of the probe timer while waiting for idle. */
const PROBE_MS = 25;
/** A probe later than this means the loop was busy with something else. */
const LATE_MS = 15;
/** Most calls in all: on a tiny store the budget would allow thousands of tiny ones. */
const MAX_CALLS = 400;

/** A read call of the warm-up gave way to a real request. */
export class WarmUpYield extends Error {
  override name = "WarmUpYield";
}

/** Starts the warm-up (see the module doc). */
export function startWarmUp(o: WarmUpOptions): WarmUp {
  const now = o.now ?? (() => performance.now());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => unrefTimer(setTimeout(r, ms))));
  const turn = o.turn ?? (() => new Promise<void>((r) => afterTurn(r)));
  const idleMs = o.idleMs ?? DEFAULT_IDLE_MS;
  let stopped = false;
  let sliceStart = Infinity;
  const busySince = (t: number) => o.activity.inFlight() > 0 || o.activity.lastActivity() >= t;
  const shouldYield = () => stopped || busySince(sliceStart);

  /** Until no request for `idleMs` and timers on time for as long; false once stopped. */
  const untilIdle = async (): Promise<boolean> => {
    let freeSince = now();
    while (!stopped) {
      const t = now();
      if (busySince(t - idleMs) || t - freeSince < idleMs) {
        await sleep(PROBE_MS);
        if (now() - t > PROBE_MS + LATE_MS) freeSince = now();
        continue;
      }
      return true;
    }
    return false;
  };

  const run = async (): Promise<WarmUpReport> => {
    const report: WarmUpReport = { reason: "done", calls: 0, yielded: 0, spentMs: 0 };
    await o.after;
    if (o.budgetMs <= 0 || !(await untilIdle())) return { ...report, reason: stopped ? "stopped" : "done" };
    startMark("warm-up: began");
    const call = o.tools(shouldYield);
    const plan = createWarmUpPlan();
    let retry: WarmUpCall | null = null;
    while (report.calls < MAX_CALLS) {
      if (stopped) return { ...report, reason: "stopped" };
      if (report.spentMs >= o.budgetMs) return { ...report, reason: "budget" };
      const next: WarmUpCall | null = retry ?? plan.next();
      retry = null;
      if (!next) return { ...report, reason: report.calls <= 1 ? "empty" : "done" };
      sliceStart = now();
      if (busySince(sliceStart - idleMs)) {
        retry = next;
        if (!(await untilIdle())) return { ...report, reason: "stopped" };
        continue;
      }
      let result: CallToolResult | null = null;
      try {
        result = await call(next);
      } catch {
        result = null;
      }
      const yielded = shouldYield();
      if (!yielded && result && o.alsoPerCall) {
        try {
          await o.alsoPerCall(next, result);
        } catch {
          // the rehearsal's failure is not the warm-up's
        }
      }
      const ms = now() - sliceStart;
      report.spentMs += ms;
      sliceStart = Infinity;
      if (yielded) {
        report.yielded++;
        retry = next;
      } else {
        report.calls++;
        plan.learn(next, result && !result.isError ? result.structuredContent : undefined, ms);
      }
      await turn();
    }
    return report;
  };

  const done = run();
  return {
    stop() {
      stopped = true;
    },
    done,
  };
}

/**
 * Each method of the store port the MCP side sees: true for the reads the read tools make (the
 * warm-up's view passes these on), false for the rest (`commit`, and reads only other parts make:
 * media, live resources, webhooks). Every method of `MirrorStore` must be named here, so a new one
 * fails to compile until it is judged; at run time anything not marked true is refused.
 */
const READ_TOOL_READS = {
  getChat: true,
  listChats: true,
  searchContacts: true,
  listMessages: true,
  getMessage: true,
  findMessageChats: true,
  getMessageContext: true,
  getMessageNeighbours: true,
  resolvePerson: true,
  getDirectChat: true,
  getContactChats: true,
  getLastInteraction: true,
  getGroupInfo: true,
  getPolls: true,
  stats: true,
  getHeldSend: true,
  listHeldSends: true,
  listScheduled: true,
  liveHead: true,
  webhookStatus: true,
  commit: false,
  getRawMessage: false,
  getReceipts: false,
  getScheduled: false,
  liveEvents: false,
  webhookDue: false,
  webhookNextDue: false,
} as const satisfies Record<keyof MirrorStore, boolean>;

/** Whether the warm-up's store view passes a method on (see READ_TOOL_READS). */
function isReadToolRead(prop: string | symbol): boolean {
  return typeof prop === "string" && Object.hasOwn(READ_TOOL_READS, prop) && READ_TOOL_READS[prop as keyof MirrorStore];
}

/**
 * `store` for the warm-up's server: the reads of the read tools (READ_TOOL_READS) fail with
 * WarmUpYield once `shouldYield()` is true (a real request came: the slice ends at its next
 * read); every other method always fails (a write, or a method the read tools do not use: the
 * warm-up must never change the store).
 */
export function yieldingStore(store: MirrorStore, shouldYield: () => boolean): MirrorStore {
  return new Proxy(store, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== "function") return v;
      if (!isReadToolRead(prop)) {
        return () => Promise.reject(new Error(`the warm-up only reads as the read tools do: ${String(prop)} is refused`));
      }
      return (...args: unknown[]) => {
        if (shouldYield()) return Promise.reject(new WarmUpYield("a request came"));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

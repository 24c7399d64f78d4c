/**
 * The idle warm-up's tools (warm_up.ts): a server of its own, built by `createMcpServer` like the
 * session's (the same tools, shaping and input checks), on a store view that gives way to real
 * requests and never writes, with loggers that drop everything (a slice that gives way is an
 * error to the tool; nothing the warm-up reads may reach a log). Its data-flow memory is its own
 * and is dropped with it. Its tools are called directly (lean_calls.ts), as the stdio front calls
 * the session's.
 */
import type { Logger } from "../log.ts";
import type { ToolDeps } from "./deps.ts";
import { directToolCalls } from "./lean_calls.ts";
import type { CallToolResult } from "./sdk.ts";
import { createMcpServer } from "./server.ts";
import { type RequestActivity, startWarmUp, type WarmUpOptions, type WarmUpReport, yieldingStore } from "./warm_up.ts";
import type { WarmUpCall } from "./warm_up_plan.ts";

const SILENT: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => SILENT,
};

/** The warm-up's tool calls over `deps` (see the module doc). */
export function warmUpTools(deps: ToolDeps, shouldYield: () => boolean): (call: WarmUpCall) => Promise<CallToolResult> {
  const server = createMcpServer({ ...deps, repository: yieldingStore(deps.repository, shouldYield), log: SILENT, audit: SILENT });
  const callTool = directToolCalls(server)!;
  let id = 0;
  return (call) =>
    callTool(
      { method: "tools/call", params: { name: call.name, arguments: call.arguments } },
      {
        signal: new AbortController().signal,
        requestId: --id,
        sendNotification: () => Promise.resolve(),
        sendRequest: () => Promise.reject(new Error("the warm-up answers no request")),
      },
    );
}

/**
 * Starts the warm-up of `deps`' read tools while `activity` shows the session idle (warm_up.ts),
 * for at most `budgetMs`, once `after` resolves; `alsoPerCall` takes each call and its answer
 * through the front's per-request path too (src/instance/proxy/rehearsal.ts); `done` hears its
 * report. Returns its stop.
 */
export function startToolWarmUp(
  deps: ToolDeps,
  o: {
    activity: RequestActivity;
    budgetMs: number;
    after?: Promise<unknown>;
    alsoPerCall?: WarmUpOptions["alsoPerCall"];
    done?: (r: WarmUpReport) => void;
  },
): () => void {
  const w = startWarmUp({
    tools: (shouldYield) => warmUpTools(deps, shouldYield),
    activity: o.activity,
    budgetMs: o.budgetMs,
    after: o.after,
    alsoPerCall: o.alsoPerCall,
  });
  void w.done.then((r) => o.done?.(r), () => {});
  return () => w.stop();
}

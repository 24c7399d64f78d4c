/**
 * The `serve` command. The first process on a data folder owns it and runs the whole tree (store,
 * WhatsApp, media, HTTP, instance endpoint, MCP). A later one, in stdio mode, serves its own client
 * through the owner (src/instance/proxy/) and, once the owner exits, takes over: it starts the tree
 * behind the same stdio session, so its client notices nothing.
 *
 * In stdio mode the session starts FIRST, before the heavy modules (the MCP SDK, Baileys, sql.js,
 * ffmpeg) are even loaded: `initialize`, `tools/list` and the resource lists (from the static tool
 * table) are answered at once by src/instance/proxy/early_stdio.ts, which then hands the session to
 * the front (src/instance/proxy/front.ts); tool calls wait for the tree's `mcp` child to attach.
 * This module therefore imports only light modules statically; the rest is loaded with `import()`.
 */
import type { Config } from "../config/config.ts";
import { createLogger } from "../log.ts";
import { environment, exitProcess, onDebugSignal, onStopRequest, runtimeName } from "../runtime/host.ts";
import { nodeFs } from "../runtime/fs.ts";
import { createRegistry, startTree, type Tree, type TreeEvent } from "../../supervisors/mod.ts";
import type { StoreLock } from "../runtime/lock.ts";
import { checkBindPolicy } from "../http/bind-policy.ts";
import { SERVER_INSTRUCTIONS } from "../mcp/instructions.ts";
import { isSendTool } from "../mcp/write_tools.ts";
import { TOOL_TABLE } from "../mcp/tool_table.ts";
import { isDefaultToolsets } from "../mcp/toolsets.ts";
import { VERSION } from "../version.ts";
import { authConfigOf } from "./auth_config.ts";
import { storeLocation, storeLocationText } from "../config/store_location.ts";
import { CRASH, testLateAfterMs } from "./fault_injection.ts";
import { InstanceBusyError, tryClaimInstance } from "../instance/claim.ts";
import type { ProxyFront } from "../instance/proxy/front.ts";
import { createEarlyStdio } from "../instance/proxy/early_stdio.ts";
import { LATEST_PROTOCOL_VERSION, MCP_SERVER_CAPABILITIES, SUPPORTED_PROTOCOL_VERSIONS } from "../mcp/capabilities.ts";
import { processStdio } from "../runtime/stdio.ts";
import { startMark } from "../runtime/start_trace.ts";
import { preloadServe } from "../runtime/serve.ts";
import { prefetchSnapshot, releaseSnapshotFill } from "../store/sqljs/snapshot_prefetch.ts";
import { DEFAULT_STORE_NAME, storePaths } from "../store/sqljs/store_paths.ts";

/** How long start-up waits for the client's tools/list before loading the heavy modules anyway. */
const EARLY_GRACE_MS = 150;

/** How long the WhatsApp side's loading waits for the client's first calls to be answered at most. */
const FIRST_CALLS_MS = 1_000;

/** How long the snapshot's worker waits for the first calls before reading the rest of the file anyway. */
const HOLD_FILL_MS = 3_000;

/** Runs the server until a stop request (stdin closed, SIGINT/SIGTERM); resolves with the exit code. */
export async function serve(cfg: Config): Promise<number> {
  const log = createLogger("main");
  if (cfg.http.enabled) checkBindPolicy(cfg.http.host, authConfigOf(cfg), cfg.http.publicUrl);
  if (cfg.transportWasSse) {
    log.warn("MCP_TRANSPORT=sse: the HTTP+SSE transport is deprecated by the MCP spec; serving Streamable HTTP at /mcp instead");
  }
  log.info("starting", { runtime: runtimeName(), version: VERSION, transport: cfg.transport, store: cfg.databaseUrl ? "postgres" : "sqljs" });
  // The one line a user needs to find their data (or back it up): printed before anything can fail.
  log.info(storeLocationText(storeLocation(cfg)));

  const stopRequest = new AbortController();
  onStopRequest((why) => stopRequest.abort(why), { watchStdin: cfg.transport === "stdio" });

  // stdio: the client's session lives in the front from the first byte (see the module doc).
  let front: ProxyFront | null = null;
  let claiming: Promise<Claim> | null = null;
  if (cfg.transport === "stdio") {
    const serverInfo = { name: "whatsapp-mcp", version: VERSION };
    // The table lists the default sets' tools: with other sets, tools/list waits for the real server.
    const staticLists = isDefaultToolsets(cfg.toolsets) ? TOOL_TABLE : undefined;
    const early = createEarlyStdio({
      port: processStdio,
      serverInfo,
      instructions: SERVER_INSTRUCTIONS,
      capabilities: MCP_SERVER_CAPABILITIES,
      latestProtocolVersion: LATEST_PROTOCOL_VERSION,
      supportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS,
      staticLists,
      readOnly: cfg.readOnly,
      isWriteTool: isSendTool,
    });
    // Loading the SDK and the tree runs long stretches of JavaScript that would hold up those answers:
    // start them once the client has its tool list (or after a short grace time).
    startMark("serve: early stdio listening");
    // The folder is claimed (and, when it is ours, the store file's read started) while the client
    // gets its tool list and the SDK loads: the read is the longest stretch before the first tool call.
    claiming = claimFolder(cfg, log);
    claiming.catch(() => {}); // awaited below, after the front connects
    await early.listed(EARLY_GRACE_MS);
    startMark("serve: listed");
    // The store file's read is the longest stretch before the first call: start it before the
    // front's modules take the thread (on Deno the claim's I/O waited behind them).
    await claiming.catch(() => {});
    const { createProxyFront } = await import("../instance/proxy/front.ts");
    front = createProxyFront({ serverInfo, instructions: SERVER_INSTRUCTIONS, readOnly: cfg.readOnly, isWriteTool: isSendTool, staticLists });
    startMark("serve: front loaded");
    await front.connect(early);
  }

  const claim = await (claiming ?? claimFolder(cfg, log));
  if (claim.role === "owner") return await runOwner(cfg, claim.lock, front, stopRequest.signal);
  if (!front) {
    throw new InstanceBusyError(
      `Another whatsapp-mcp process (pid ${claim.holderPid ?? "?"}) owns the data folder ${cfg.dataDir}. ` +
        `In ${cfg.transport} mode only one process can serve it: stop the other one, or give this one another WHATSAPP_MCP_DATA_DIR.`,
    );
  }

  log.info("another process owns this data folder: serving this client through it", { ownerPid: claim.holderPid });
  // Only a proxy needs the HTTP client side of the SDK: loaded here, off the owner's start-up path.
  const { runProxy } = await import("../instance/proxy/run.ts");
  const won = await runProxy({ dataDir: cfg.dataDir, fs: nodeFs, front, stop: stopRequest.signal });
  if (!won) {
    await front.close();
    log.info("stopped");
    return 0;
  }
  log.info("the owning process exited: taking over the store and the WhatsApp connection");
  startStoreRead(cfg);
  return await runOwner(cfg, won.lock, front, stopRequest.signal);
}

type Claim = Awaited<ReturnType<typeof tryClaimInstance>>;

/** Claims the data folder; as its owner, starts reading the store file at once (see `startStoreRead`). */
async function claimFolder(cfg: Config, log: ReturnType<typeof createLogger>): Promise<Claim> {
  const claim = await tryClaimInstance(nodeFs, cfg.dataDir, log);
  startMark("serve: claimed");
  if (claim.role === "owner") startStoreRead(cfg);
  return claim;
}

/**
 * Once this process owns the folder: starts reading (and checksumming) the sql.js store's file in
 * a worker; the store takes that read when it opens, and the other modules load meanwhile. Its
 * modules are few and imported statically: loaded with `import()` they waited behind the SDK's
 * on Deno (the read started ~0.2 s later).
 */
function startStoreRead(cfg: Config): void {
  if (cfg.databaseUrl) return;
  prefetchSnapshot(nodeFs, storePaths(cfg.dataDir, DEFAULT_STORE_NAME).snapshot, { holdFillMs: HOLD_FILL_MS });
  startMark("owner: prefetch started");
  // sql.js's wasm compiles on V8's background threads meanwhile (the store's own load takes it, cached).
  void import("../store/sqljs/load.ts").then((m) => m.loadSqlJs()).catch(() => {});
}

/** Runs the tree while holding the ownership lock; `front` is set when this process began as a proxy. */
async function runOwner(cfg: Config, lock: StoreLock, front: ProxyFront | null, stopSignal: AbortSignal): Promise<number> {
  const log = createLogger("main");
  // Loaded here, after the stdio front answers: the tools, the store (sql.js or postgres, loaded by
  // the store child). Baileys and the media and instance children load once the client's
  // first calls are answered (`loadLater`), so those calls wait only for the store and the tools.
  const [{ composeApp, isFatal }, { appTree }] = await Promise.all([import("./compose.ts"), import("./tree.ts")]);
  startMark("owner: compose+tree loaded");
  // In http mode the status page (and /mcp) starts with the tree, before the MCP child: its modules
  // (Hono) load while the store opens, not after it. In stdio mode they load after the first calls
  // (compose.ts). A failure here is the http child's to report.
  if (cfg.http.enabled && cfg.transport !== "stdio") void import("../http/app.ts").catch(() => {});
  const registry = createRegistry();
  const faultInjection = environment().WHATSAPP_MCP_FAULT_INJECTION === "1";
  let openLoadLater: () => void = () => {};
  const loadLater = new Promise<void>((resolve) => (openLoadLater = resolve));
  // The page's port is bound before the MCP child starts (the tools report its address); on Node
  // the module that answers its requests loads now when /mcp is served over HTTP, else after the
  // client's first calls (or with the first request), off the way to the first answer.
  if (cfg.http.enabled) {
    if (cfg.transport === "stdio") void loadLater.then(preloadServe);
    else preloadServe();
  }
  const clusterParts = cfg.cluster && cfg.databaseUrl ? (await import("./cluster_parts.ts")).clusterParts : undefined;
  const parts = composeApp(cfg, registry, { faultInjection, front, loadLater, scheduleLateAfterMs: testLateAfterMs(), clusterParts });
  let fatal: Error | null = null;
  let onFatal = () => {};
  const onEvent = (e: TreeEvent) => {
    if (e.type === "crashed" || e.type === "start_failed" || e.type === "escalated") {
      log.error(`${e.id} ${e.type.replace("_", " ")}`, { error: e.error });
      if (fatal === null && isFatal(e.error)) {
        fatal = e.error;
        onFatal();
      }
    } else {
      if (e.type === "started") startMark(`tree: ${e.id} started`);
      log.debug(`${e.id} ${e.type}`);
    }
  };
  const release = async () => {
    await front?.close();
    await lock.release();
  };
  let tree: Tree;
  try {
    tree = await startTree(appTree(parts), { name: "root", registry, onEvent });
  } catch (err) {
    await release();
    throw err;
  }
  if (faultInjection) {
    // Test hook: SIGUSR2 crashes the connection actor, to show the tree restarts it while MCP answers.
    // Installed before "ready" is said, so a test that waits for "ready" can signal at once.
    onDebugSignal(() => {
      log.warn("fault injection: crashing the connection actor");
      registry.tell("connection", CRASH);
    });
  }
  startMark("owner: tree started");
  log.info("ready");
  // The tools answer now; WhatsApp, media, the status page and the instance endpoint load next.
  void (front ? front.quiet(FIRST_CALLS_MS) : Promise.resolve()).then(() => {
    releaseSnapshotFill(); // the rest of a snapshot handed over before it was read
    openLoadLater();
  });

  let stopping: Promise<number> | null = null;
  const stop = (why: string): Promise<number> => {
    stopping ??= (async () => {
      log.info("stopping", { why });
      await tree.stop();
      for (const hook of parts.shutdownHooks) await hook().catch(() => {});
      await release();
      log.info("stopped");
      return 0;
    })();
    return stopping;
  };
  // No restart heals a fatal error: stop, and end with its message (main prints it, exit 1).
  onFatal = () => void stop("a fatal error");
  if (fatal) onFatal();
  const onStop = () => void stop(String(stopSignal.reason ?? "stop requested")).then((code) => exitProcess(code));
  if (stopSignal.aborted) onStop();
  else stopSignal.addEventListener("abort", onStop, { once: true });
  const end = await tree.done;
  if (fatal) {
    await (stopping ?? release());
    throw fatal;
  }
  if (end.reason === "escalated") {
    log.error("giving up: a part of the server keeps failing", { error: end.error });
    await release();
    return 1;
  }
  return await (stopping ?? Promise.resolve(0));
}

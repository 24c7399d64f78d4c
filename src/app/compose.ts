/**
 * The composition root of `serve`: turns the Config into the tree's behaviours and the ports
 * between them. Actors reach each other only through the registry (by name).
 */
import type { Config } from "../config/config.ts";
import { createLogger } from "../log.ts";
import type { MutableRegistry } from "../../supervisors/mod.ts";
import { storeClient } from "../store/client.ts";
import { storeBehavior } from "../store/actor.ts";
import { openStore } from "../store/open.ts";
import { SessionKeyError, sessionEncryption } from "../store/session_encryption.ts";
import type { LinkStatus } from "../status/types.ts";
import { initialLinkStatus } from "../status/types.ts";
import { connectionClient, connectionTimeoutMs } from "../whatsapp/client.ts";
import { mediaClient } from "../media/client.ts";
import { createMcpServer } from "../mcp/server.ts";
import type { ToolDeps } from "../mcp/deps.ts";
import { createRateLimiter } from "../mcp/policy/rate_limit.ts";
import { createApprovals } from "../mcp/held/approvals.ts";
import { isSendTool } from "../mcp/tools/index.ts";
import { authConfigOf } from "./auth_config.ts";
import { storeLocation } from "../config/store_location.ts";
import { VERSION } from "../version.ts";
import { joinPath, nodeFs } from "../runtime/fs.ts";
import { folderDownloads } from "./downloads.ts";
import { folderViewCache } from "./view_cache.ts";
import { httpBehavior } from "./http_actor.ts";
import { lazyFetchApp } from "./lazy_fetch_app.ts";
import type { FetchApp } from "../runtime/serve_types.ts";
import { frontBackendBehavior } from "../instance/proxy/backend_local.ts";
import type { ProxyFront } from "../instance/proxy/front.ts";
import type { TreeParts } from "./tree.ts";
import { afterSendFault, crashable } from "./fault_injection.ts";
import { createLiveHub, liveHubBehavior } from "../live/hub.ts";
import { LIVE } from "../live/client.ts";
import { webhookBehavior } from "../webhooks/actor.ts";
import { WEBHOOKS } from "../webhooks/client.ts";
import { schedulerBehavior } from "../schedule/actor.ts";
import { schedulerClient } from "../schedule/client.ts";
import { createScheduleService } from "../schedule/service.ts";
import { folderScheduledFiles } from "./scheduled_files.ts";
import type { ConnectionOptions } from "../whatsapp/connection_core.ts";
import { type ClusterParts, singleParts } from "./single_parts.ts";
import { deferredStart } from "./deferred_start.ts";
import { createMcpHttpHandler } from "../mcp/http_handler.ts";

type WhatsAppModules = typeof import("./whatsapp_modules.ts");
type HttpAppDeps = Parameters<typeof import("../http/app.ts").createHttpApp>[0];

/** The loaders of the modules the children started later need (see `composeApp`). */
export interface LaterModules {
  whatsapp: () => Promise<WhatsAppModules>;
  media: () => Promise<typeof import("../media/actor.ts")>;
  http: () => Promise<typeof import("../http/app.ts")>;
  instance: () => Promise<typeof import("../instance/actor.ts")>;
}

const laterModules: LaterModules = {
  whatsapp: () => import("./whatsapp_modules.ts"),
  media: () => import("../media/actor.ts"),
  http: () => import("../http/app.ts"),
  instance: () => import("../instance/actor.ts"),
};

/**
 * An error no restart can heal (a WHATSAPP_SESSION_KEY that does not open the stored session): the
 * server ends with its message, as when it failed the start. The connection loads after the tree
 * is up (deferred start), so it arrives as a crash, not as a failed start.
 */
export function isFatal(err: unknown): err is Error {
  return err instanceof SessionKeyError;
}

/**
 * Builds every behaviour of the tree for `cfg`. `front`: the stdio session (connected before the
 * tree starts, and kept across a takeover when this process began as a proxy), which the `mcp`
 * child then serves.
 *
 * `loadLater`: when it resolves, the children a tool call does not wait for (connection, sync,
 * media, instance endpoint) load their modules (Baileys, jose...) and start; until then their names are registered and messages to them wait (see
 * deferred_start.ts). Without it they load while the tree starts, in order, as before. `modules`
 * replaces their loaders (tests watch when they run).
 */
export function composeApp(
  cfg: Config,
  registry: MutableRegistry,
  opts: {
    faultInjection?: boolean;
    front?: ProxyFront | null;
    loadLater?: Promise<unknown>;
    modules?: Partial<LaterModules>;
    scheduleLateAfterMs?: number;
    /** cluster_parts.ts's `clusterParts`, loaded by the caller for a cluster member only (it loads PostgreSQL's modules). */
    clusterParts?: typeof import("./cluster_parts.ts").clusterParts;
  } = {},
): TreeParts & { shutdownHooks: Array<() => Promise<void>> } {
  const log = createLogger("app");
  const repo = storeClient(registry);
  let boundPort = cfg.http.port;
  // Stdio mode serves the page on another port, or none at all, rather than fail (see http_actor.ts).
  let pageUp = cfg.http.enabled;
  const storeAt = storeLocation(cfg);
  const shownHost = cfg.http.host.includes(":") ? `[${cfg.http.host}]` : cfg.http.host;
  const baseUrl = () => `http://${shownHost === "0.0.0.0" ? "127.0.0.1" : shownHost}:${boundPort}`;

  const connection = connectionClient(registry);
  const media = mediaClient(registry);
  const scheduler = schedulerClient(registry);
  let lastStatus: LinkStatus | null = null;
  // False until the connection's code is loaded (see `loadLater`): a status ask would wait for it.
  let connectionLoaded = false;
  const linkStatus = async (): Promise<LinkStatus> => {
    // Still starting: say so at once rather than hold a read tool's answer until Baileys has loaded.
    if (!connectionLoaded) return lastStatus ?? initialLinkStatus(Date.now());
    try {
      lastStatus = await connection.ask({ type: "status" });
      return lastStatus;
    } catch (err) {
      // The connection actor is restarting: keep what we knew (the account) and say so.
      const base = lastStatus ?? initialLinkStatus(Date.now());
      return { ...base, qr: null, pairingCode: null, state: "reconnecting", lastError: `WhatsApp connection is restarting (${(err as Error).name})` };
    }
  };
  const askLocal = connection.ask;
  // In a cluster every WhatsApp request goes through the outbox to the leader (src/cluster/).
  const clusterParts = opts.clusterParts;
  if (cfg.cluster && cfg.databaseUrl && !clusterParts) throw new Error("composeApp: a cluster member needs opts.clusterParts");
  const cluster: ClusterParts = cfg.cluster && cfg.databaseUrl && clusterParts
    ? clusterParts({
      url: cfg.databaseUrl,
      registry,
      repo,
      askLocal,
      linkStatus,
      timeoutMs: connectionTimeoutMs,
      log,
      afterSend: opts.faultInjection ? afterSendFault(log) : undefined,
    })
    : singleParts(askLocal, () => repo.stats());
  const askWhatsApp = cluster.ask;
  // The connection and sync actors' writes: fenced by the lease in a cluster (CommitOptions.fenced).
  const leaderRepo = cluster.leadership ? storeClient(registry, { fenced: true }) : repo;
  // The WhatsApp session's own view of the store: entries encrypted at rest with WHATSAPP_SESSION_KEY.
  const sessionRepo = sessionEncryption(leaderRepo, cfg.sessionKey);

  const rateLimiter = createRateLimiter(
    { perMinute: cfg.sendPolicy.perMinute, perHour: cfg.sendPolicy.perHour, perDay: cfg.sendPolicy.perDay, perRecipientPerHour: cfg.sendPolicy.perRecipientPerHour },
    { now: () => Date.now() },
  );
  // Outlives restarts of the live actor, so subscribed sessions stay subscribed.
  const liveHub = createLiveHub();
  const toolDeps: ToolDeps = {
    repository: repo,
    live: liveHub,
    whatsapp: { ask: askWhatsApp, status: linkStatus },
    media: {
      prepareFile: (path) => media.ask({ type: "read_file", path }),
      voiceNote: (bytes, fileName) => media.ask({ type: "voice_note", bytes, fileName }),
      view: (bytes, hint, options) => media.ask({ type: "view", bytes, hint, options }),
    },
    downloads: folderDownloads(cfg.downloadDir, nodeFs),
    viewCache: folderViewCache(joinPath(cfg.dataDir, "media-cache"), nodeFs),
    config: {
      readOnly: cfg.readOnly,
      toolsets: cfg.toolsets,
      sendPolicy: cfg.sendPolicy,
      statusUrl: pageUp ? baseUrl() : null,
      storeLocation: storeAt,
      sendScope: cfg.auth.oauth?.sendScope ?? null,
      scheduleLateAfterMs: opts.scheduleLateAfterMs,
    },
    clock: { now: () => Date.now() },
    rateLimiter,
    serverInfo: { name: "whatsapp-mcp", version: VERSION },
    cluster: cluster.view,
  };
  // Scheduled sends: attachment copies in the data folder; the scheduler actor sends them.
  const scheduledFiles = folderScheduledFiles(joinPath(cfg.dataDir, "scheduled"), nodeFs);
  toolDeps.schedule = createScheduleService({
    repository: repo,
    media: toolDeps.media,
    clock: toolDeps.clock,
    files: scheduledFiles,
    wake: () => scheduler.tell({ type: "wake" }),
  });
  // statusUrl must follow the real port once bound (port 0 in tests).
  Object.defineProperty(toolDeps.config, "statusUrl", { get: () => (pageUp ? baseUrl() : null), enumerable: true });
  const makeMcpServer = () => createMcpServer(toolDeps);
  // stdio: the mcp child starts only once the store is open, so its first server is built now,
  // while the store's file is still being read (tens of ms less between the read and the first
  // answer); a restart builds a new one.
  let firstStdioServer = opts.front ? makeMcpServer() : null;
  const stdioServer = () => {
    const server = firstStdioServer ?? makeMcpServer();
    firstStdioServer = null;
    return server;
  };
  // stdio: once per process, the read paths are warmed while the session is idle (src/mcp/warm_up.ts),
  // after the first calls were answered and the modules loaded then (`loadLater`). Its modules load
  // then too: off the way to the first answer.
  let warmedUp = false;
  const warmUp = () => {
    const front = opts.front;
    if (warmedUp || !front || cfg.warmUpMs <= 0) return null;
    warmedUp = true;
    let stopped = false;
    let stop: (() => void) | null = null;
    void Promise.resolve(opts.loadLater).then(async () => {
      const [{ startToolWarmUp }, { createFrontRehearsal }] = await Promise.all([
        import("../mcp/warm_up_server.ts"),
        import("../instance/proxy/rehearsal.ts"),
      ]);
      if (stopped) return;
      // Each call also goes through a twin of the front: the front's own per-request path warms too.
      const rehearsal = await createFrontRehearsal();
      if (stopped) return void rehearsal.close();
      stop = startToolWarmUp(toolDeps, {
        activity: front.activity,
        budgetMs: cfg.warmUpMs,
        alsoPerCall: rehearsal.call,
        done: (r) => {
          void rehearsal.close();
          log.debug("warm-up ended", { ...r, spentMs: Math.round(r.spentMs) });
        },
      });
    }).catch((err) => log.warn("the warm-up could not start", { error: err }));
    return () => {
      stopped = true;
      stop?.();
    };
  };
  // Held sends are approved on the status page's /approve, through the same guard as the tools.
  const approvals = createApprovals({ ...toolDeps, audit: createLogger("audit") });
  const mcpHttp = cfg.transport === "http" ? createMcpHttpHandler(makeMcpServer) : null;
  const backend = (url: string | null) => (url ? "postgres" as const : "sqljs" as const);

  const later = { after: opts.loadLater };
  const modules: LaterModules = { ...laterModules, ...opts.modules };
  const whatsappModules = modules.whatsapp;
  const connectionOptions = (w: WhatsAppModules): ConnectionOptions => ({
        authRepo: sessionRepo,
        repo: leaderRepo,
        get baseUrl() {
          return baseUrl();
        },
        logLevel: cfg.logLevel === "debug" ? "debug" : "warn",
        pairingPhone: cfg.whatsapp.pairingPhone,
        waWebSocketUrl: cfg.whatsapp.wsUrl,
        // Fetched only when talking to WhatsApp itself (not a simulator or other custom URL).
        waVersion: w.createWaVersionSource({
          setting: cfg.whatsapp.version ?? "auto",
          repo,
          fetcher: cfg.whatsapp.wsUrl ? null : w.fetchWaWebVersion,
          log,
        }),
        mediaOrigins: w.extraMediaOrigins(cfg.whatsapp.extraMediaHosts),
        linkWatchers: cfg.webhooks.urls.length > 0 ? [WEBHOOKS] : [],
        defaultQueryTimeoutMs: cfg.whatsapp.queryTimeoutMs,
      });
  const leadership = cluster.leadership;

  return {
    live: () => liveHubBehavior(liveHub),
    store: () =>
      storeBehavior(
        () =>
          openStore({
            databaseUrl: cfg.databaseUrl ?? undefined,
            sessionDatabaseUrl: cfg.sessionDatabaseUrl ?? undefined,
            dir: cfg.dataDir,
            onCorrupt: cfg.onCorrupt,
            rawDetailDays: cfg.rawDetailDays,
            cluster: cluster.store ?? undefined,
          }),
        // A cluster member hears every commit, its own included, through LISTEN (the cluster actor).
        { publishTo: cluster.store ? undefined : LIVE },
      ),
    cluster: cluster.behavior,
    // Always started: with no URL configured it only retires the endpoints of an earlier run.
    webhooks: () => webhookBehavior({ settings: cfg.webhooks, repo, live: liveHub, userAgent: `whatsapp-mcp/${VERSION}` }),
    connection: () =>
      (opts.faultInjection ? crashable : <T>(b: T) => b)(deferredStart(async () => {
        const w = await whatsappModules();
        connectionLoaded = true;
        return leadership ? w.gatedConnectionBehavior(connectionOptions(w), leadership) : w.connectionBehavior(connectionOptions(w));
      }, later)),
    sync: () => deferredStart(async () => (await whatsappModules()).syncBehavior({ repo: leaderRepo, authRepo: sessionRepo }), later),
    ffmpeg: () => deferredStart(async () => (await modules.media()).mediaBehavior({ roots: cfg.mediaRoots }), later),
    scheduler: () =>
      schedulerBehavior({
        deps: { ...toolDeps, audit: createLogger("audit"), files: scheduledFiles },
        log: createLogger("scheduler"),
        graceMs: cfg.scheduleGraceMs,
        lateAfterMs: opts.scheduleLateAfterMs,
      }),
    // Starts with the tree: in http mode it serves /mcp; in stdio mode the tools report its address
    // (another port when the configured one is taken), known only once it is bound. In stdio mode
    // the port is bound at once and the page's code loads with the children started later
    // (`loadLater`), or at its first request (lazy_fetch_app.ts): the first tool call does not wait for it.
    http: cfg.http.enabled
      ? () => {
        const appDeps = (): HttpAppDeps => ({
          linkStatus,
          storeStats: () => repo.stats(),
          webhookStatus: () => repo.webhookStatus(),
          sessionBackend: () => ({ messages: backend(cfg.databaseUrl), session: backend(cfg.sessionDatabaseUrl ?? cfg.databaseUrl) }),
          storeLocation: () => storeAt,
          requestPairingCode: (phone) => askWhatsApp({ type: "requestPairingCode", phone }),
          mcp: mcpHttp ? (req, ctx) => mcpHttp(req, { authInfo: ctx.authInfo }) : undefined,
          isSendTool,
          auth: authConfigOf(cfg),
          host: cfg.http.host,
          port: () => boundPort,
          publicUrl: cfg.http.publicUrl,
          trustedProxyHops: cfg.http.trustedProxyHops,
          approvals: cfg.readOnly ? undefined : approvals,
          cluster: cluster.view,
          ready: cluster.ready,
        });
        const serveApp = (makeApp: () => FetchApp) =>
          httpBehavior({
            host: cfg.http.host,
            port: cfg.http.port,
            log,
            fallback: cfg.transport === "stdio",
            onBound: (p) => {
              boundPort = p;
              pageUp = true;
            },
            onUnavailable: () => (pageUp = false),
            makeApp,
          });
        if (cfg.transport !== "stdio" || !opts.loadLater) {
          return deferredStart(async () => {
            const { createHttpApp } = await modules.http();
            return serveApp(() => createHttpApp(appDeps()));
          });
        }
        const page = lazyFetchApp(async () => (await modules.http()).createHttpApp(appDeps()));
        void opts.loadLater.then(() => page.load()).catch((err) => log.error("the status page could not be loaded", { error: err }));
        return serveApp(() => page.handler);
      }
      : null,
    instance: () =>
      deferredStart(async () => {
        const { instanceBehavior } = await modules.instance();
        return instanceBehavior({ dataDir: cfg.dataDir, makeServer: makeMcpServer, fs: nodeFs, log, version: VERSION });
      }, later),
    // In stdio mode the session lives in the front (connected before the tree starts); this child
    // attaches the real server behind it.
    mcpStdio: opts.front ? () => frontBackendBehavior(stdioServer, opts.front!, warmUp) : null,
    shutdownHooks: [async () => await mcpHttp?.close(), () => cluster.close()],
  };
}

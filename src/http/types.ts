/**
 * What the HTTP app needs from the rest of the program. Everything is injected: the app holds
 * no globals and can be built several times (tests build one per case).
 */
import type { Clock } from "../../supervisors/mod.ts";
import type { JWTVerifyGetKey } from "jose";
import type { LinkStatus } from "../status/types.ts";
import type { StoreStats, WebhookEndpointStatus } from "../store/types.ts";
import type { AuthConfig, McpRequestContext } from "./auth/types.ts";
import type { SessionBackend } from "./status-view.ts";
import type { StoreLocation } from "../config/store_location.ts";
import type { ApprovalsPort } from "./approve/types.ts";
import type { ClusterView } from "../cluster/leadership.ts";

/**
 * The MCP Streamable HTTP handler mounted at /mcp. It receives a copy of the request without the
 * Authorization and Cookie headers (tokens are never forwarded), the body already size-checked,
 * and the verified caller; pass it on as `transport.handleRequest(req, { authInfo: ctx.authInfo })`
 * (MCP SDK 1.32.2 hands `authInfo` to tool handlers as `extra.authInfo`).
 */
export type McpHandler = (req: Request, ctx: McpRequestContext) => Promise<Response>;

/** Dependencies of `createHttpApp`. */
export interface HttpDeps {
  /** The link snapshot, from the connection actor (`ask("connection", { type: "status" })`). */
  linkStatus(): Promise<LinkStatus>;
  /** Store counters, from the store actor. */
  storeStats(): Promise<StoreStats>;
  /** Webhook endpoints and their counters, from the store actor; absent: not shown. */
  webhookStatus?(): Promise<WebhookEndpointStatus[]>;
  /** Which backend holds messages and which the WhatsApp session. */
  sessionBackend(): SessionBackend;
  /** Where the data is kept (the dashboard shows it); absent: not shown. */
  storeLocation?(): StoreLocation;
  /** Asks WhatsApp for a pairing code for `phone` (digits only, with country code). */
  requestPairingCode(phone: string): Promise<{ code: string }>;
  /** The MCP endpoint; absent: /mcp answers 404. */
  mcp?: McpHandler;
  /**
   * Names the send tools, so a `tools/call` of one by an OAuth token without the send scope is
   * answered 403 insufficient_scope at the HTTP level (the MCP layer checks `canSend` as well).
   */
  isSendTool?: (toolName: string) => boolean;
  /** Who may use the HTTP side. */
  auth: AuthConfig;
  /** The interface we are bound to (Host/Origin checks, loopback-only data, bind policy). */
  host: string;
  /** The port we are bound to; a function when it is known only after binding port 0. */
  port: number | (() => number);
  /** External URL in remote mode (behind a proxy): its host is accepted and it names the OAuth resource. */
  publicUrl?: string | null;
  /**
   * Reverse proxies in front that append to X-Forwarded-For (MCP_TRUSTED_PROXY_HOPS); default 0:
   * the header is ignored and per-client limits count the TCP peer.
   */
  trustedProxyHops?: number;
  /** JWT key resolver (tests: jose `createLocalJWKSet`); default: the issuer's remote JWKS. */
  keys?: JWTVerifyGetKey;
  /** Held sends waiting for the user's approval (the /approve page); absent: no such page. */
  approvals?: ApprovalsPort;
  /** Milliseconds since the epoch; default Date.now. */
  clock?: Pick<Clock, "now">;
  /** This instance's place in the cluster (`role: "single"` outside one); absent: not shown. */
  cluster?: () => ClusterView;
  /**
   * Readiness for load balancers (`/ready`): can this instance serve reads and take sends now?
   * Absent: ready whenever the process answers.
   */
  ready?: () => Promise<{ ready: boolean; reason: string | null }>;
}

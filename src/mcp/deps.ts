/**
 * What the MCP server needs from the rest of the program, as small ports. `createMcpServer`
 * receives these; it builds none of them, so tests give it a real store and a fake WhatsApp.
 */
import type { Clock } from "../../supervisors/mod.ts";
import type { Logger } from "../log.ts";
import type { StoreLocation } from "../config/store_location.ts";
import type { LiveSource } from "../live/types.ts";
import type { MirrorStore } from "../store/ports.ts";
import type { ClusterView } from "../cluster/leadership.ts";
import type { AskConnection, LinkStatus } from "../whatsapp/protocol.ts";
import type { RateLimiter } from "./policy/rate_limit.ts";
import type { MediaView, ViewOptions } from "../media/view/types.ts";
import type { OpMeta, PreparedParts, SendOp } from "./held/action.ts";
import type { SendResult } from "../whatsapp/protocol.ts";

/** The only way to reach WhatsApp: messages to the connection actor, and its status snapshot. */
export interface WhatsAppPort {
  /** Request/reply to the connection actor; the reply type follows the message (`ConnectionReplies`). */
  ask: AskConnection;
  /** The link's current state. */
  status(): LinkStatus | Promise<LinkStatus>;
}

/** A file read for sending: already checked against the media roots and size caps. */
export interface PreparedFile {
  bytes: Uint8Array;
  mimetype: string;
  kind: "image" | "video" | "audio" | "document" | "sticker";
  fileName: string;
}

/** A voice note ready to send: ogg/opus with its real duration and 64-value waveform. */
export interface PreparedVoiceNote {
  bytes: Uint8Array;
  seconds: number;
  waveform: Uint8Array;
}

/** File access and conversion for the send tools (implemented in src/media/). */
export interface MediaPort {
  /** Reads a file inside the configured roots; throws (e.g. `MediaError`) with a clear message otherwise. */
  prepareFile(path: string): Promise<PreparedFile>;
  /** Converts any audio to a voice note. */
  voiceNote(bytes: Uint8Array, fileName: string): Promise<PreparedVoiceNote>;
  /** Renders an attachment for a model (view_media); absent when no media worker is wired. */
  view?(bytes: Uint8Array, hint: { messageType?: string; mimetype?: string | null }, options: ViewOptions): Promise<MediaView>;
}

/** Renderings kept by content hash (`key` names the bytes and the options), so a second look costs no download and no decode. */
export interface ViewCachePort {
  get(key: string): Promise<MediaView | null>;
  put(key: string, view: MediaView): Promise<void>;
}

/** Where download_media puts files. Returns the saved file's absolute path. */
export interface DownloadsPort {
  save(chatJid: string, id: string, bytes: Uint8Array, mimetype: string | null, fileName?: string | null): Promise<string>;
}

/**
 * Scheduled sends (src/schedule/): `add` stores one durably (with its attachment copied into the
 * data folder) and wakes the scheduler; it resolves only after the commit. `cancel` is a
 * compare-and-set from "pending". The result's `id` is the schedule id, `ts` the due instant.
 */
export interface SchedulePort {
  add(op: Extract<SendOp, { type: "schedule" }>, parts: PreparedParts, meta: OpMeta): Promise<SendResult>;
  cancel(id: string): Promise<{ ok: true } | { ok: false; status: string | null; message: string }>;
}

/** Send-policy settings (the same shape as `Config["sendPolicy"]`). A rate of 0 means no limit. */
export interface SendPolicyConfig {
  /** Phone numbers or JIDs; empty = any recipient, subject to `confirm`. */
  allowedRecipients: string[];
  confirm: "always" | "first_contact" | "never";
  /** How long a held send waits for approval on /approve (default 10). */
  approvalMinutes?: number;
  perMinute: number;
  perHour: number;
  perDay: number;
  perRecipientPerHour: number;
}

/** The configuration the MCP layer reads. */
export interface McpConfig {
  /** Send tools are neither offered nor executed. */
  readOnly: boolean;
  sendPolicy: SendPolicyConfig;
  /** Base URL of the status page (e.g. `http://127.0.0.1:8080`), or null when the page is off. */
  statusUrl: string | null;
  /** Where the data is kept (shown by get_sync_status); absent in tests that do not care. */
  storeLocation?: StoreLocation;
  /** How long a confirmation dialog may stay open before the send is dropped. Default 120 s. */
  confirmTimeoutMs?: number;
  /** WHATSAPP_MCP_TOOLSETS: the toolsets to offer ("all", or names of TOOLSETS); empty or absent: the default. */
  toolsets?: readonly string[];
  /**
   * Scope an OAuth token must carry to use send tools (remote mode); "" or null: none needed.
   * Checked with the HTTP layer's `canSend`: no auth info (stdio, loopback) and the static token
   * are the owner; a browser session never may send.
   */
  sendScope?: string | null;
  /** A scheduled send later than this went out `late` (list_scheduled); absent: LATE_AFTER_MS. */
  scheduleLateAfterMs?: number;
}


/** Everything the tools use. Build it once and share it between sessions (the rate limiter must be shared). */
export interface ToolDeps {
  /** The mirror: reads and write batches (never the WhatsApp session). */
  repository: MirrorStore;
  /** Store changes as they are committed (resource subscriptions, wait_for_messages); absent: no push. */
  live?: LiveSource;
  whatsapp: WhatsAppPort;
  media: MediaPort;
  downloads: DownloadsPort;
  /** Scheduled sends; absent: schedule_message refuses. */
  schedule?: SchedulePort;
  /** Cache of view_media results (none: every view decodes again). */
  viewCache?: ViewCachePort;
  config: McpConfig;
  /** Milliseconds since the epoch (the kernel's clock); injected so rate limits and tests do not depend on wall time. */
  clock: Pick<Clock, "now">;
  /** Shared by every session, so opening more sessions does not raise the limits. */
  rateLimiter: RateLimiter;
  /** One line per send attempt, never a body. Default: `createLogger("audit")`. */
  audit?: Logger;
  /** Diagnostics. Default: `createLogger("mcp")`. */
  log?: Logger;
  /** Reported in `initialize`. */
  serverInfo?: { name: string; version: string };
  /** This instance's place in the cluster (get_sync_status `cluster`); absent: not shown. */
  cluster?: () => ClusterView;
}

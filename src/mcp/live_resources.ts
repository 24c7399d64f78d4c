/**
 * Resources that change: `whatsapp://chats` (the chat list with unread counts),
 * `whatsapp://unread` (the unread triage) and the template `whatsapp://chat/{chat_jid}` (the
 * latest messages of one chat), with `resources/subscribe`: a subscribed session gets
 * `notifications/resources/updated` when a commit changes what the resource shows, at once and
 * then at most once a second per resource. Changes arrive from the live hub (pushed by the store
 * actor after each commit), never by polling.
 */
import { canonicalUri, chatJidOfUri, CHAT_URI_PREFIX, CHATS_URI, UNREAD_URI } from "./live_uris.ts";
import type { StoreChange } from "../live/types.ts";
import { createDebouncer } from "../live/debounce.ts";
import { ErrorCode, McpError, type McpServer, ResourceTemplate, SubscribeRequestSchema, UnsubscribeRequestSchema } from "./sdk.ts";
import type { ResolvedDeps } from "./tool.ts";
import { unreadTriage } from "./unread.ts";
import { chatToOut, messageToOut } from "./views.ts";

/** Chats in `whatsapp://chats`; messages in `whatsapp://chat/{jid}`. */
const CHATS_IN_RESOURCE = 50;
const MESSAGES_IN_RESOURCE = 30;
/** The debounce interval of notifications per resource. */
export const RESOURCE_NOTIFY_INTERVAL_MS = 1000;

const json = (uri: string, value: unknown) => ({ contents: [{ uri, mimeType: "application/json", text: JSON.stringify(value, null, 2) }] });

/** Registers the three resources and the subscribe/unsubscribe handlers on `server` (before connect). */
export function registerLiveResources(server: McpServer, deps: ResolvedDeps): void {
  const repo = deps.repository;
  server.registerResource(
    "chats",
    CHATS_URI,
    {
      title: "WhatsApp chats",
      description: `The ${CHATS_IN_RESOURCE} most recently active chats with unread counts and last messages (JSON). Subscribe to hear of changes.`,
      mimeType: "application/json",
    },
    async (uri) => {
      const page = await repo.listChats({ sortBy: "last_active", includeLastMessage: true, limit: CHATS_IN_RESOURCE, offset: 0 });
      return json(uri.href, { chats: page.items.map((c) => chatToOut(c, true)) });
    },
  );
  server.registerResource(
    "unread",
    UNREAD_URI,
    {
      title: "WhatsApp unread chats",
      description: "Chats with unread messages, newest first, each with its first unread message and how long it has waited (JSON).",
      mimeType: "application/json",
    },
    async (uri) => {
      const { chats } = await unreadTriage(repo, deps.clock.now(), { limit: 50, includeMuted: true, includeArchived: true });
      return json(uri.href, { chats });
    },
  );
  server.registerResource(
    "chat",
    new ResourceTemplate(`${CHAT_URI_PREFIX}{chat_jid}`, {
      list: async () => {
        const page = await repo.listChats({ sortBy: "last_active", includeLastMessage: false, limit: 20, offset: 0 });
        return {
          resources: page.items.map((c) => ({ uri: `${CHAT_URI_PREFIX}${c.jid}`, name: c.jid, mimeType: "application/json" })),
        };
      },
    }),
    {
      title: "WhatsApp chat",
      description: `The chat and its ${MESSAGES_IN_RESOURCE} latest messages, newest first (JSON).`,
      mimeType: "application/json",
    },
    async (uri) => {
      const jid = chatJidOfUri(uri.href);
      const chat = jid ? await repo.getChat(jid, false) : null;
      if (!jid || !chat) throw new McpError(ErrorCode.InvalidParams, `No chat ${jid ?? uri.href} in the local copy`);
      const page = await repo.listMessages({ chatJid: chat.jid, limit: MESSAGES_IN_RESOURCE });
      return json(uri.href, { chat: chatToOut(chat, false), messages: page.items.map(messageToOut) });
    },
  );
  registerSubscriptions(server, deps);
}

/** resources/subscribe and /unsubscribe, and the notifications they ask for. */
function registerSubscriptions(server: McpServer, deps: ResolvedDeps): void {
  const low = server.server;
  low.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  /** Subscribed URI (as the client wrote it) → what it follows: a list URI, or a canonical chat JID. */
  const subscribed = new Map<string, string>();
  let unsubscribe: (() => void) | null = null;
  const debouncer = createDebouncer(RESOURCE_NOTIFY_INTERVAL_MS, (uri) => {
    if (subscribed.has(uri)) void low.sendResourceUpdated({ uri }).catch(() => {});
  });

  const onChange = (change: StoreChange) => {
    for (const uri of affected(change, subscribed)) debouncer.poke(uri);
  };

  low.setRequestHandler(SubscribeRequestSchema, async (req) => {
    const uri = canonicalUri(req.params.uri);
    if (!uri) throw new McpError(ErrorCode.InvalidParams, `Cannot subscribe to ${req.params.uri}: not a resource of this server`);
    let follows = uri;
    const jid = chatJidOfUri(uri);
    if (jid) {
      // The canonical chat (a LID form becomes the phone JID), so it matches the store's changes.
      const chat = await deps.repository.getChat(jid, false);
      if (!chat) throw new McpError(ErrorCode.InvalidParams, `No chat ${jid} in the local copy`);
      follows = chat.jid;
    }
    subscribed.set(req.params.uri, follows);
    if (!deps.live) deps.log.warn("resource subscriptions without a live source: no updates will be sent");
    unsubscribe ??= deps.live?.subscribe(onChange) ?? null;
    return {};
  });
  low.setRequestHandler(UnsubscribeRequestSchema, (req) => {
    subscribed.delete(req.params.uri);
    if (subscribed.size === 0) {
      unsubscribe?.();
      unsubscribe = null;
    }
    return {};
  });
  const previous = low.onclose;
  low.onclose = () => {
    previous?.();
    unsubscribe?.();
    unsubscribe = null;
    debouncer.dispose();
    subscribed.clear();
  };
}

/**
 * The subscribed URIs a change affects (`subscribed`: URI → a list URI or the canonical chat JID
 * it follows). Pure.
 */
export function affected(change: StoreChange, subscribed: ReadonlyMap<string, string>): string[] {
  const messages = change.events.length > 0 || change.touchedChats.length > 0;
  const chats = new Set([...change.events.map((e) => e.chatJid), ...change.touchedChats]);
  const out: string[] = [];
  for (const [uri, follows] of subscribed) {
    if (follows === CHATS_URI || follows === UNREAD_URI ? change.chatsChanged || messages : chats.has(follows)) out.push(uri);
  }
  return out;
}

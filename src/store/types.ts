/**
 * The store's contract: domain rows, the write operations a batch is made of, and the
 * read queries every tool needs. Both backends (sql.js and PostgreSQL) implement `Repository`
 * and pass the same test suite. Instants are integers: milliseconds since the Unix epoch, UTC.
 */
import type { ChatKind } from "../ids/jid.ts";
import type { ChangeAuthor } from "./change_rules.ts";

/** What kind of conversation a chat JID denotes (declared with the JID rules, `ids/jid.ts`). */
export type { ChatKind };

/** Message content types we distinguish (filters and display). */
export type MessageType =
  | "text"
  | "image"
  | "video"
  | "audio"
  | "voice"
  | "document"
  | "sticker"
  | "location"
  | "contact"
  | "poll"
  | "system"
  | "other";

/** A chat as stored. Unknown fields are null. */
export interface ChatRow {
  jid: string;
  kind: ChatKind;
  name: string | null;
  lastMessageAt: number | null;
  archived: boolean | null;
  pinned: boolean | null;
  mutedUntil: number | null;
  unreadCount: number | null;
  description: string | null;
  /** Last-read marker: the instant of the newest message read (ms), null when unknown. */
  readAt?: number | null;
  /** The owner marked the chat as unread (WhatsApp's "mark as unread", a badge without a count). */
  markedUnread?: boolean | null;
}

/**
 * One person. `id` is the canonical JID used everywhere (the phone-number JID when known,
 * else the LID), so one person is one chat whichever form WhatsApp addresses them by.
 */
export interface PersonRow {
  id: string;
  pnJid: string | null;
  lid: string | null;
  pushName: string | null;
  savedName: string | null;
  businessName: string | null;
}

/** Fields needed to download and decrypt media later. */
export interface MediaInfo {
  mimetype: string | null;
  fileName: string | null;
  fileLength: number | null;
  durationSec: number | null;
  directPath: string | null;
  url: string | null;
  mediaKey: Uint8Array | null;
  fileSha256: Uint8Array | null;
  fileEncSha256: Uint8Array | null;
  mediaKeyTimestamp: number | null;
}

/** A message as stored. `chatJid`+`id` is the key (ids are unique only per chat). */
export interface MessageRow {
  chatJid: string;
  id: string;
  /** Canonical person id of the sender (our own id for fromMe); null for system messages. */
  senderId: string | null;
  fromMe: boolean;
  ts: number;
  type: MessageType;
  /** Text, caption, document name, poll question + options, location name, contact name... */
  text: string | null;
  quotedId: string | null;
  editedText: string | null;
  editedAt: number | null;
  revoked: boolean;
  viewOnce: boolean;
  /** Outgoing delivery status (Baileys WAMessageStatus number), null if unknown. */
  status: number | null;
  media: MediaInfo | null;
  /** The raw `proto.IWebMessageInfo` bytes, for getMessage(), media retry and future fields. */
  raw: Uint8Array | null;
}

/** A reaction by one person on one message; an empty emoji removes it. */
export interface ReactionRow {
  chatJid: string;
  messageId: string;
  reactorId: string;
  emoji: string;
  ts: number;
}

/** A delivery/read receipt of one message by one person. */
export interface ReceiptRow {
  chatJid: string;
  messageId: string;
  personId: string;
  type: "delivered" | "read" | "played";
  ts: number;
}

/** A poll as created: question, options in order, how many a voter may pick (0: any), and the vote key. */
export interface PollRow {
  chatJid: string;
  messageId: string;
  question: string | null;
  options: string[];
  /** 0 or null: any number of options; 1: single choice. */
  selectableCount: number | null;
  /** The poll's messageSecret (votes are encrypted with it); null when unknown. */
  secret: Uint8Array | null;
}

/** One voter's current choice on a poll (option names; empty: they took their vote back). */
export interface PollVoteRow {
  chatJid: string;
  messageId: string;
  voterId: string;
  options: string[];
  ts: number;
}

/** A poll with its votes, voters named, as get_poll_results needs it. */
export interface PollDetails extends PollRow {
  votes: Array<PollVoteRow & { voterName: string | null; voterPhone: string | null }>;
}

/** A participant of a group. */
export interface ParticipantRow {
  groupJid: string;
  personId: string;
  admin: "admin" | "superadmin" | null;
}

/** Where a held send stands (see migrations/sqlite/0003_held_sends.sql). */
export type HeldStatus = "waiting" | "sending" | "sent" | "declined" | "expired" | "failed";

/**
 * A send waiting for the user's approval on the local page. `request` is the exact send as JSON
 * (opaque to the store); `contentHash` its SHA-256. `claim` is set by the one transition out of
 * "waiting" that won (approve, decline or expire).
 */
export interface HeldSendRow {
  id: string;
  createdAt: number;
  expiresAt: number;
  /** Who asked: the MCP client's name and session, for the page. */
  session: string | null;
  contentHash: string;
  request: string;
  status: HeldStatus;
  claim: string | null;
  settledAt: number | null;
  /** The sent message's id once sent. */
  messageId: string | null;
  /** Why it failed or was declined, for the model. */
  detail: string | null;
}

/**
 * Where a scheduled send stands (see the scheduled_sends migration): waiting for its
 * time, in flight, or one of the final states. "unknown": it was in flight when the server stopped
 * and the store holds no message with its id; it is never sent again.
 */
export type ScheduledStatus = "pending" | "sending" | "sent" | "failed" | "expired" | "cancelled" | "unknown";

/**
 * A message the user scheduled. `request` is the exact send as JSON (opaque to the store);
 * `contentHash` its SHA-256. `messageId` is chosen when it is scheduled and used for the send.
 */
export interface ScheduledSendRow {
  id: string;
  createdAt: number;
  /** When it is to be sent (ms). */
  dueAt: number;
  /** Who scheduled it: the MCP client's name and session. */
  session: string | null;
  /** The user confirmed it when it was scheduled (dialog or approval page). */
  confirmed: boolean;
  contentHash: string;
  request: string;
  messageId: string;
  status: ScheduledStatus;
  claim: string | null;
  /** Send attempts started (moves to "sending"). */
  attempts: number;
  lastAttemptAt: number | null;
  settledAt: number | null;
  /** How late it went out (ms after `dueAt`), once sent. */
  lateMs: number | null;
  /** Why it failed, expired or was cancelled; why it still waits. */
  detail: string | null;
}

/**
 * One write. A batch is a list of these, applied atomically and made durable before
 * `commit` resolves. Upserts merge: a null/undefined field never overwrites a known value.
 */
export type WriteOp =
  | { op: "upsertChat"; chat: Partial<ChatRow> & { jid: string } }
  | { op: "deleteChat"; jid: string }
  /**
   * WhatsApp's "clear chat": deletes the chat's messages (only those with ts < `before` when
   * given) with their reactions, receipts and index entries; the chat itself stays.
   */
  | { op: "clearChat"; jid: string; before?: number }
  | { op: "upsertPerson"; person: Partial<PersonRow> & { pnJid?: string | null; lid?: string | null } }
  | { op: "linkLid"; lid: string; pnJid: string }
  /** `live`: delivered in real time (or from the offline queue), recorded once in the live feed. */
  | { op: "upsertMessage"; message: MessageRow; live?: boolean }
  /**
   * An edit or a revoke, with its author (`by`). Applied only when WhatsApp would honour it
   * (`change_rules.ts`: an edit by the sender; a revoke by the sender or a group admin), else kept
   * as a refused change. One of a message not stored yet is kept and judged when the message
   * arrives. A batch journaled before authors were recorded has no `by`: refused on replay.
   */
  | { op: "editMessage"; chatJid: string; id: string; text: string; editedAt: number; by: ChangeAuthor; live?: boolean }
  | { op: "revokeMessage"; chatJid: string; id: string; by: ChangeAuthor; live?: boolean }
  | { op: "deleteMessage"; chatJid: string; id: string }
  | { op: "setMessageStatus"; chatJid: string; id: string; status: number }
  /** WhatsApp's unread delta (a new incoming message): unread_count += count (from 0 when unknown). */
  | { op: "addUnread"; jid: string; count: number }
  /**
   * The chat was read up to `upTo` (ms; null: up to its last message): count 0, the "marked
   * unread" flag cleared, the last-read marker moved forward (never back).
   */
  | { op: "markChatRead"; jid: string; upTo: number | null }
  /** The owner marked the chat as unread. */
  | { op: "markChatUnread"; jid: string }
  | { op: "upsertReaction"; reaction: ReactionRow; live?: boolean }
  | { op: "upsertReceipt"; receipt: ReceiptRow }
  /** A poll's question, options and secret (merged: a null field keeps the stored value). */
  | { op: "upsertPoll"; poll: PollRow }
  /** A voter's choice; replaces their earlier one only if not older. */
  | { op: "upsertPollVote"; vote: PollVoteRow; live?: boolean }
  | {
    op: "setParticipants";
    groupJid: string;
    mode: "replace" | "add" | "remove" | "promote" | "demote";
    participants: Array<{ personId: string; admin?: "admin" | "superadmin" | null }>;
  }
  | { op: "setAuth"; category: string; id: string; value: string | null }
  | { op: "clearAuth" }
  | { op: "setMeta"; key: string; value: string | null }
  /** Stores a new held send (an existing id is left alone). */
  | { op: "holdSend"; held: HeldSendRow }
  /**
   * Moves a held send out of "waiting" (to "sending", "declined" or "expired") and records
   * `claim`, only if it is still waiting: a compare-and-set; read the row back to see who won.
   */
  | { op: "claimHeldSend"; id: string; claim: string; to: "sending" | "declined" | "expired" | "failed"; at: number; detail?: string | null }
  /** Records the outcome of a claimed send (only by the holder of `claim`, only from "sending"). */
  | { op: "settleHeldSend"; id: string; claim: string; to: "sent" | "failed"; at: number; messageId?: string | null; detail?: string | null }
  /** Stores a new scheduled send (an existing id is left alone). */
  | { op: "scheduleSend"; item: ScheduledSendRow }
  /**
   * Moves a scheduled send from `from` to `to` and stores `claim`, only if its status is still
   * `from` (and, with `expectClaim`, its claim is that one): a compare-and-set; read the row back
   * to see who won. Moving to "sending" counts an attempt; a final state records `at` as settled.
   * `detail` and `lateMs` replace the stored ones when given (null clears `detail`).
   */
  | {
    op: "moveScheduled";
    id: string;
    from: ScheduledStatus;
    to: ScheduledStatus;
    claim: string;
    expectClaim?: string | null;
    at: number;
    detail?: string | null;
    lateMs?: number | null;
  }
  /**
   * The configured webhook endpoints and their filters (the webhook actor writes them at start).
   * Endpoints not listed become inactive, and their pending deliveries dead ("no longer configured").
   */
  | { op: "setWebhookEndpoints"; endpoints: WebhookEndpointSpec[]; at: number }
  /** A link state change, queued for the endpoints that take "link" events. */
  | { op: "recordLinkEvent"; state: string; previous: string | null; error: string | null; at: number }
  /**
   * The outcome of one delivery attempt: delivered (the row goes, the endpoint counts it), retry
   * at `nextAt`, or dead (given up). `endpointRetryAt` set: the receiver is unavailable, nothing
   * more goes to it before then. Applies only while the delivery is still pending.
   */
  | {
    op: "webhookAttempt";
    eventSeq: number;
    url: string;
    at: number;
    result: "delivered" | "retry" | "dead";
    nextAt?: number;
    error?: string | null;
    endpointRetryAt?: number | null;
  }
  /** Gives up pending deliveries of events recorded before `before`; trims dead rows to the newest 10,000. */
  | { op: "expireWebhooks"; before: number; at: number };

/** What a webhook can report: the live feed's kinds plus link state changes. */
export type WebhookEventKind = LiveEventKind | "link";

/** A configured webhook endpoint with its filters. */
export interface WebhookEndpointSpec {
  url: string;
  /** Only events of these chats (canonical JIDs); null: every chat. Link events ignore it. */
  chats: string[] | null;
  /** Only these kinds. */
  events: WebhookEventKind[];
}

/** One delivery due now: an event for one endpoint. */
export interface WebhookDue {
  eventSeq: number;
  url: string;
  /** Attempts made so far. */
  attempts: number;
  kind: WebhookEventKind;
  chatJid: string | null;
  messageId: string | null;
  /** The instant of the message, edit, reaction or link change (ms). */
  at: number;
  /** Link events: JSON `{ state, previous, error }`. */
  detail: string | null;
  /** When the event was recorded (ms), for the age cap. */
  createdAt: number;
}

/** Where one active endpoint stands, for the status page and get_sync_status. */
export interface WebhookEndpointStatus {
  url: string;
  pending: number;
  delivered: number;
  dead: number;
  /** Consecutive failed attempts (0 after a success). */
  failures: number;
  /** Nothing is sent before this instant (the receiver said it is unavailable); null: no wait. */
  retryAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  lastDeliveredAt: number | null;
  /** When the oldest pending event was recorded. */
  oldestPendingAt: number | null;
}

/** What the live feed records. */
export type LiveEventKind = "message" | "edit" | "delete" | "reaction";

/** One entry of the live feed: something that arrived live, in arrival order (`seq`). */
export interface LiveEvent {
  seq: number;
  kind: LiveEventKind;
  /** Canonical chat JID at the time it arrived. */
  chatJid: string;
  messageId: string;
  /** The instant of the message, edit or reaction (ms). */
  at: number;
}

/** A page of results with an opaque cursor for the next page (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A chat with what the tools show about it. */
export interface ChatSummary extends ChatRow {
  lastMessage: MessageView | null;
}

/** A message joined with its sender's names and reactions, as tools return it. */
export interface MessageView extends Omit<MessageRow, "raw"> {
  senderName: string | null;
  senderPhone: string | null;
  chatName: string | null;
  reactions: Array<{ reactorId: string; emoji: string }>;
  /** Search relevance when ordered by relevance; null otherwise. */
  rank: number | null;
  /** The group admin who deleted this message for everyone when it was not its sender (id, name). */
  revokedBy?: string | null;
  revokedByName?: string | null;
}

/** A message addressed by its chat and id (ids are unique only per chat). */
export interface MessageRef {
  chatJid: string;
  id: string;
}

/** The messages just before and after one in its chat, both in time order. */
export interface MessageNeighbours {
  before: MessageView[];
  after: MessageView[];
}

/** A message with the messages just before and after it in its chat, both in time order. */
export interface MessageContext extends MessageNeighbours {
  message: MessageView;
}

/** Filters of list_messages (the original's parameters, plus ours). */
export interface ListMessagesQuery {
  chatJid?: string;
  /** Any form: phone digits, phone JID, LID: resolved to the person first. */
  senderId?: string;
  /** Only messages with ts >= after (inclusive), instants compared as integers. */
  after?: number;
  /** Only messages with ts < before (exclusive). */
  before?: number;
  /** Full-text query (FTS syntax: words, "phrases", prefix*, AND/OR/NOT). */
  query?: string;
  types?: MessageType[];
  hasMedia?: boolean;
  /** "newest" (default) or "oldest" first by time; "relevance" ranks search hits (needs `query`). */
  order?: "newest" | "oldest" | "relevance";
  limit: number;
  /** Offset paging (the original's `page`), or an opaque cursor from a previous page. */
  offset?: number;
  cursor?: string;
}

/** Filters of list_chats. */
export interface ListChatsQuery {
  query?: string;
  /** Only chats with unread messages or marked as unread. */
  unreadOnly?: boolean;
  sortBy: "last_active" | "name";
  includeLastMessage: boolean;
  limit: number;
  offset?: number;
  cursor?: string;
}

/** Counters for the status page and get_sync_status. */
export interface StoreStats {
  backend: "sqljs" | "postgres";
  messages: number;
  chats: number;
  people: number;
  oldestMessageAt: number | null;
  newestMessageAt: number | null;
  /** Bytes on disk (snapshot + journal for sql.js; pg_database_size for PostgreSQL). */
  sizeBytes: number | null;
  journal: { entries: number; bytes: number; lastSeq: number } | null;
  snapshot: { seq: number; at: number | null; bytes: number } | null;
  lastError: string | null;
  /** Edits and revokes not applied because WhatsApp would not honour them (kept as events). */
  refusedChanges?: number;
  /**
   * sql.js only: cumulative wall-clock ms of the write path's stages since the store opened
   * (journal codec, apply incl. COMMIT, journal write + fsync, text-index rounds, replay at open).
   */
  work?: { codecMs: number; applyMs: number; journalMs: number; maintainMs: number; replayMs: number };
}

/** Group details for get_group_info. */
export interface GroupInfo {
  chat: ChatRow;
  participants: Array<ParticipantRow & { name: string | null; phone: string | null }>;
}

/** How a batch is committed. */
export interface CommitOptions {
  /**
   * A write of the WhatsApp leader (mirror, session keys): in a cluster it commits only while this
   * instance holds the lease, checked inside the transaction. Ignored outside a cluster.
   */
  fenced?: boolean;
}

/** The store: one writer, many readers. Implemented by the sql.js and PostgreSQL backends. */
export interface Repository {
  /** Applies the ops atomically; resolves once they are durable (never before). */
  commit(ops: WriteOp[], opts?: CommitOptions): Promise<void>;

  getChat(jid: string, includeLastMessage: boolean): Promise<ChatSummary | null>;
  listChats(q: ListChatsQuery): Promise<Page<ChatSummary>>;
  /** Name or phone substring, people only (no groups); at most `limit`. */
  searchContacts(query: string, limit: number): Promise<PersonRow[]>;
  listMessages(q: ListMessagesQuery): Promise<Page<MessageView>>;
  getMessage(chatJid: string, id: string): Promise<MessageView | null>;
  /**
   * JIDs of the chats holding a message with this id (ids are unique only per chat), at most
   * `limit`, the chat of the newest such message first. get_message_context without chat_jid
   * uses it to find or disambiguate. An index lookup.
   */
  findMessageChats(id: string, limit: number): Promise<string[]>;
  /** Raw proto bytes of a message (for Baileys getMessage and media download). */
  getRawMessage(chatJid: string, id: string): Promise<Uint8Array | null>;
  /**
   * Messages around one in its chat (addressed by chat AND id), in time order with ties kept in
   * arrival order (the stores' time-ordered key), so messages sharing a timestamp are not skipped.
   */
  getMessageContext(
    chatJid: string,
    id: string,
    before: number,
    after: number,
  ): Promise<MessageContext | null>;
  /**
   * The neighbours of many messages in one round trip (list_messages' hits, which the caller
   * already has): for each ref, in order, the `before` and `after` of
   * `getMessageContext(ref.chatJid, ref.id, before, after)`; both empty where there is no such message.
   */
  getMessageNeighbours(refs: MessageRef[], before: number, after: number): Promise<MessageNeighbours[]>;
  /** Finds a person by any identifier: phone digits, phone JID, LID. */
  resolvePerson(idOrPhone: string): Promise<PersonRow | null>;
  /** The 1:1 chat with a person (any identifier form). */
  getDirectChat(idOrPhone: string): Promise<ChatSummary | null>;
  /** Chats a person takes part in (their 1:1 chat and groups where they wrote or are a participant). */
  getContactChats(idOrPhone: string, limit: number, offset: number): Promise<ChatSummary[]>;
  getLastInteraction(idOrPhone: string): Promise<MessageView | null>;
  getGroupInfo(jid: string): Promise<GroupInfo | null>;
  /** Polls with their votes (voters named), for the messages that are polls; missing refs are left out. */
  getPolls(refs: MessageRef[]): Promise<PollDetails[]>;
  /** Delivery/read receipts of one message, oldest first. */
  getReceipts(chatJid: string, id: string): Promise<ReceiptRow[]>;
  stats(): Promise<StoreStats>;

  /** WhatsApp auth state (Baileys creds + signal keys), values are JSON strings (BufferJSON). */
  authGet(category: string, ids: string[]): Promise<Record<string, string>>;
  /** Every auth entry, for re-encrypting a whole session at once (WHATSAPP_SESSION_KEY first set). */
  authList(): Promise<AuthEntry[]>;
  /** One held send by id. */
  getHeldSend(id: string): Promise<HeldSendRow | null>;
  /** Held sends, newest first; only those in `statuses` when given. At most `limit`. */
  listHeldSends(q: { statuses?: HeldStatus[]; limit: number }): Promise<HeldSendRow[]>;
  /** One scheduled send by id. */
  getScheduled(id: string): Promise<ScheduledSendRow | null>;
  /** Scheduled sends by `dueAt`, soonest first (latest first with `latestFirst`); only those in `statuses` when given. At most `limit`. */
  listScheduled(q: { statuses?: ScheduledStatus[]; limit: number; latestFirst?: boolean }): Promise<ScheduledSendRow[]>;
  metaGet(key: string): Promise<string | null>;
  /** The live feed after `afterSeq`, oldest first, at most `limit`; optionally of one chat. */
  liveEvents(afterSeq: number, limit: number, chatJid?: string): Promise<LiveEvent[]>;
  /** The newest seq of the live feed (0 when empty). */
  liveHead(): Promise<number>;
  /** Webhook deliveries due at `now` (pending, past their own and their endpoint's wait), oldest event first. */
  webhookDue(now: number, limit: number): Promise<WebhookDue[]>;
  /** The earliest instant a pending delivery becomes due (null: none pending). */
  webhookNextDue(): Promise<number | null>;
  /** The active webhook endpoints with their counters. */
  webhookStatus(): Promise<WebhookEndpointStatus[]>;

  /** Flushes (a final snapshot for sql.js) and releases the lock. */
  close(): Promise<void>;
}

/** One stored auth entry (a Baileys credential or Signal key, as JSON text, or encrypted text). */
export interface AuthEntry {
  category: string;
  id: string;
  value: string;
}

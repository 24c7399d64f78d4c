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
  | { op: "settleHeldSend"; id: string; claim: string; to: "sent" | "failed"; at: number; messageId?: string | null; detail?: string | null };

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

/** A message with the messages just before and after it in its chat, both in time order. */
export interface MessageContext {
  before: MessageView[];
  message: MessageView;
  after: MessageView[];
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
   * The context of many messages in one round trip (list_messages' hits): for each ref, in
   * order, what `getMessageContext(ref.chatJid, ref.id, before, after)` gives, or null where
   * there is no such message.
   */
  getMessageContexts(refs: MessageRef[], before: number, after: number): Promise<Array<MessageContext | null>>;
  /** Finds a person by any identifier: phone digits, phone JID, LID. */
  resolvePerson(idOrPhone: string): Promise<PersonRow | null>;
  /** The 1:1 chat with a person (any identifier form). */
  getDirectChat(idOrPhone: string): Promise<ChatSummary | null>;
  /** Chats a person takes part in (their 1:1 chat and groups where they wrote or are a participant). */
  getContactChats(idOrPhone: string, limit: number, offset: number): Promise<ChatSummary[]>;
  getLastInteraction(idOrPhone: string): Promise<MessageView | null>;
  getGroupInfo(jid: string): Promise<GroupInfo | null>;
  /** Delivery/read receipts of one message, oldest first. */
  getReceipts(chatJid: string, id: string): Promise<ReceiptRow[]>;
  stats(): Promise<StoreStats>;

  /** WhatsApp auth state (Baileys creds + signal keys), values are JSON strings (BufferJSON). */
  authGet(category: string, ids: string[]): Promise<Record<string, string>>;
  /** One held send by id. */
  getHeldSend(id: string): Promise<HeldSendRow | null>;
  /** Held sends, newest first; only those in `statuses` when given. At most `limit`. */
  listHeldSends(q: { statuses?: HeldStatus[]; limit: number }): Promise<HeldSendRow[]>;
  metaGet(key: string): Promise<string | null>;
  /** The live feed after `afterSeq`, oldest first, at most `limit`; optionally of one chat. */
  liveEvents(afterSeq: number, limit: number, chatJid?: string): Promise<LiveEvent[]>;
  /** The newest seq of the live feed (0 when empty). */
  liveHead(): Promise<number>;

  /** Flushes (a final snapshot for sql.js) and releases the lock. */
  close(): Promise<void>;
}

/**
 * The sql.js `Repository`: writes go through the durable engine (`commit` resolves once the
 * batch is journaled and fsynced; the engine applies it with `applyLiveSqlite`), reads run as
 * prepared statements on the engine's in-memory database.
 */
import type { BindParams, Database, SqlJsStatic } from "sql.js";
import { unrefTimer } from "../../runtime/process.ts";
import { pageStart } from "../cursor.ts";
import { personCandidates } from "../../ids/parse.ts";
import { chatScopeToken, senderScopeToken } from "../search/text.ts";
import { planSearch, type QueryNode, searchTree } from "../search/query.ts";
import { chatQueryParams, clampLimit, contactParams, contextCounts, keysetPage, type MessageFilterShape, messageFilters, offsetPage } from "../query_params.ts";
import { COMPACT_PK_RANGE } from "./pk.ts";
import { chatFromRow, chatSummaryFromRow, neighboursFromRows, liveEventFromRow, messageViewFromRow, participantFromRow, personFromRow, RAW_SELECT, rawColumnsFromRow, type Row, toNum } from "../rows.ts";
import { fullRaw } from "../raw_residual.ts";
import { rawDetailCutoff, withoutOldDetail } from "../raw_detail.ts";
import type {
  AuthEntry,
  ChatSummary,
  GroupInfo,
  HeldSendRow,
  PollDetails,
  HeldStatus,
  ScheduledSendRow,
  ScheduledStatus,
  ListChatsQuery,
  ListMessagesQuery,
  LiveEvent,
  MessageNeighbours,
  MessageRef,
  MessageView,
  Page,
  PersonRow,
  ReceiptRow,
  Repository,
  StoreStats,
  WebhookDue,
  WebhookEndpointStatus,
  WriteOp,
} from "../types.ts";
import { settleKnownRows } from "./known_rows.ts";
import { applyReplaySqlite, canonical } from "./apply.ts";
import { applyLiveSqlite } from "./apply_live.ts";
import { type ContactIndex, createContactIndex } from "./contact_index.ts";
import { createRowNames, type RowNames } from "./row_names.ts";
import { createRowReactions, type RowReactions } from "./row_reactions.ts";
import { createRowKeys, type RowKeys } from "./row_keys.ts";
import { changesStamp, noteTransactionEnd } from "./changes_memo.ts";
import { getPollsSql, getVotesSql, pollsFromRows } from "../poll_rows.ts";
import { GET_HELD, heldFromRow, listHeldSql } from "../held_rows.ts";
import { WEBHOOK_DUE, WEBHOOK_NEXT_DUE, WEBHOOK_STATUS, webhookDueFromRow, webhookStatusFromRow } from "../webhook_rows.ts";
import { GET_SCHEDULED, listScheduledSql, scheduledFromRow } from "../scheduled_rows.ts";
import { type DurableDb, openDurable } from "./durable.ts";
import { freshImage } from "./snapshot.ts";
import { hasQueued, indexQueued, messageCount, mostlyQueued, queuedCount } from "./fts_queue.ts";
import { queuedMatches } from "./fts_backlog.ts";
import { countTotals, indexTotals, rankableOverQueue, relevanceHits, totalsCounted } from "./fts_relevance.ts";
import { mergeStep, mergeWanted } from "./fts_merge.ts";
import { registerSqlFunctions } from "./functions.ts";
import { loadSqlJs } from "./load.ts";
import { idKey } from "./message_keys.ts";
import { migrateSqlite } from "./migrate.ts";
import { messageIndexReplay } from "./replay_indexes.ts";
import {
  chatPageSql,
  chatWhere,
  CONTACT_CHATS_WHERE,
  CONTEXT_AFTER,
  CONTEXT_BEFORE,
  NEIGHBOURS,
  NEIGHBOURS_AT,
  FIND_MESSAGE_CHATS,
  GET_MESSAGE,
  GROUP_PARTICIPANTS,
  LIVE_EVENTS_SQL,
  LAST_INTERACTION,
  listMessagesSql,
  MESSAGES_BY_PK,
  PERSON_BY_ANY,
  queuedSearchSql,
  relevanceIndexedSql,
  relevanceQueuedSql,
  chatWalkEndSql,
  chatWalkSql,
  RECEIPTS,
  searchNewestSql,
  searchRelevanceSql,
  STATS,
} from "./read_sql.ts";
import { bind, type Statements, statementsOf } from "./statements.ts";

/** What the repository needs from the durable engine (`openDurable`). */
export type DurableStore = Pick<DurableDb<WriteOp>, "db" | "commit" | "maintain" | "stats" | "close" | "snapshotting">;

/**
 * Messages indexed per lane task. In the background: short enough that a commit never waits
 * long behind one (~0.25 s). Before a search (which waits anyway): large, because every round
 * ends in an FTS4 segment flush, and fewer, larger segments cost less to merge (measured on a
 * 1M-message backlog: 26 instead of 30 µs per message).
 */
const INDEX_CHUNK_BACKGROUND = 10_000;
const INDEX_CHUNK_SEARCH = 50_000;
/**
 * Most time a committed message waits before the background indexes it, also while commits
 * keep coming (an import, a history sync): the index follows the import in bulk rounds instead
 * of leaving all of it to the first search, which then waits for one round at most.
 */
const INDEX_DELAY_MS = 250;
/**
 * Fewest queued messages for a background round while commits keep coming (an import, a history
 * sync). The index is not on the import's path up to this many: building it took ~30 µs per
 * message of the lane (commits waited behind it), a third of the import's time, while a search
 * over queued messages is already exact (fts_backlog.ts). Past it, rounds of
 * INDEX_CHUNK_BACKGROUND keep the queue near it, so a search during a long import reads at most
 * this many queued messages. When writes pause, rounds take whatever is queued (`mergeGapMs`
 * apart); a search first indexes what is left or, past SEARCH_INDEX_MAX, matches it itself.
 * 50,000, not more: a search right after a 200k import matching 100k queued messages itself took
 * 0.74–0.87 s at load 4 (the 1 s goal), and at 1M the import's index work differs by 5% only.
 */
const INDEX_MIN_ROUND = 50_000;
/**
 * Most queued messages a search indexes before it reads (~0.1 s at ~20 µs per message). With
 * more queued (a crash replay or a migration re-queues every message: 200k took a first search
 * 3.4-4.3 s), a search reads the index and matches the queued messages itself (fts_backlog.ts,
 * ~1 µs per message scanned with its prefilter at load 3-4: 1M ~1 s for a word in none of them),
 * while the background keeps indexing. The same for a relevance-ordered search (fts_relevance.ts:
 * the complete index's totals are the index's plus the queued messages' stored counts, one sum per
 * state of the store): 46k queued beside 1M indexed, its first answer 0.26-0.32 s instead of
 * 0.98-1.44 s of indexing first; 124k: 0.80 s instead of 3.2 s (load ~6). Each search over the
 * queue walks it (~4-5 µs a queued message, indexing ~21-25) until the background has indexed it.
 * Until session 16 it indexed a queue under an eighth of the messages first (the totals took a
 * walk of every message then).
 */
const SEARCH_INDEX_MAX = 5_000;
/**
 * Leaf pages (~4 KB each) a background merge step of the text index writes (fts_merge.ts): a
 * lane task of a few ms, so a read or a commit never waits long behind one.
 */
const MERGE_PAGES = 32;
/**
 * Uncounted queued messages (queued before migration 0016, or changed since) a background step
 * counts for the totals a relevance search over a long queue needs, storing their counts
 * (fts_relevance.ts `countTotals`): ~0.1-0.2 s, as an index round.
 */
const TOTALS_STEP = 50_000;
/** Pause between two merge steps, and between two index rounds once commits pause (reads and commits run in between). */
const MERGE_GAP_MS = 10;
/**
 * Most of a chat's messages a time-ordered search in that chat matches in JS before it asks the
 * index for the rest (`chatWalkPage`): FTS4 reads a word's whole doclist before the chat's scope
 * token narrows it (at 1M, load 2-4, repository alone: "the" newest 20 1.4-1.65 ms, oldest 28-30 ms),
 * while a chat's recent messages hold a page of a common word's matches within a few dozen rows
 * (0.55-0.58 ms both orders; 64-128 rows alike); a rare word pays for the first step
 * (0.35-0.45 -> 0.56-0.63 ms).
 */
const CHAT_WALK_ROWS = 96;
/** The walk's first step: on beyond it only when its matches promise a full page within CHAT_WALK_ROWS. */
const CHAT_WALK_FIRST = 16;

/** Knobs of the repository over the engine. */
export interface SqljsRepositoryOptions {
  /** Most time a committed message waits for the background indexing once writes pause (default 250 ms). */
  indexDelayMs?: number;
  /** Fewest queued messages for a background round while commits keep coming (default 50,000). */
  indexMinRound?: number;
  /** Most queued messages a search indexes before it reads; beyond, it matches them itself (default 5,000). */
  searchIndexMax?: number;
  /** Leaf pages per background merge step of the text index (default 32; 0: no merging). */
  mergePages?: number;
  /** Pause between two merge steps, and between two index rounds once commits pause (default 10 ms). */
  mergeGapMs?: number;
  /** Most of a chat's messages a time-ordered search in it matches in JS before the index (default 96; 0: the index only). */
  chatWalkRows?: number;
}

/** Wraps an open durable engine as the Repository. */
export function createSqljsRepository(store: DurableStore, opts: SqljsRepositoryOptions = {}): Repository {
  return new SqljsRepository(
    store,
    opts.indexDelayMs ?? INDEX_DELAY_MS,
    opts.indexMinRound ?? INDEX_MIN_ROUND,
    opts.searchIndexMax ?? SEARCH_INDEX_MAX,
    opts.mergePages ?? MERGE_PAGES,
    opts.mergeGapMs ?? MERGE_GAP_MS,
    opts.chatWalkRows ?? CHAT_WALK_ROWS,
  );
}

class SqljsRepository implements Repository {
  private indexTimer: ReturnType<typeof setTimeout> | null = null;
  private indexing = false;
  private closing = false;
  private lastCommitAt = 0;
  /** Commits begun and ended: the messages are as they were while both stay the same (fts_relevance.ts keeps totals); a commit is under way while they differ. */
  private commitsBegun = 0;
  private commitsEnded = 0;
  private readonly contacts: ContactIndex;
  private readonly names: RowNames;
  private readonly reactions: RowReactions;
  private readonly places: RowKeys;

  constructor(
    private readonly store: DurableStore,
    private readonly indexDelayMs: number,
    private readonly indexMinRound: number,
    private readonly searchIndexMax: number,
    private readonly mergePages: number,
    private readonly mergeGapMs: number,
    private readonly chatWalkRows: number,
  ) {
    this.contacts = createContactIndex(store.db, () => this.s);
    const db = () => this.store.db;
    this.names = createRowNames(db, () => this.s);
    this.reactions = createRowReactions(db, () => this.s);
    this.places = createRowKeys(db, () => this.s);
    // What the open left queued (a journal replay, a migration) is indexed in the background too,
    // and a merge of the index's segments the last run left to do is done.
    if (hasQueued(store.db) || (this.mergePages > 0 && mergeWanted(store.db))) this.scheduleIndexing();
  }

  private get s(): Statements {
    return statementsOf(this.store.db);
  }

  private all(sql: string, params: Record<string, unknown>): Row[] {
    return this.s.all(sql, bind(params));
  }

  /** Message rows (columns prefixed `prefix`) with their names and reactions filled in (row_names.ts, row_reactions.ts). */
  private messageRows(sql: string, params: Record<string, unknown>, prefix = ""): Row[] {
    return this.filled(this.all(sql, params), prefix);
  }

  /** Message rows read (columns prefixed `prefix`), their names and reactions filled in. */
  private filled(rows: Row[], prefix = ""): Row[] {
    if (rows.length === 0) return rows;
    // One stamp for the three memos: nothing writes between these reads.
    const stamp = changesStamp(this.store.db, this.s);
    this.names.fill(rows, prefix, stamp);
    this.reactions.fill(rows, prefix, stamp);
    if (prefix === "") this.places.note(rows, stamp);
    return rows;
  }

  async commit(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    this.commitsBegun++;
    try {
      await this.store.commit(withoutOldDetail(ops, rawDetailCutoff(Date.now())));
    } finally {
      this.commitsEnded++;
      this.lastCommitAt = Date.now();
    }
    this.scheduleIndexing();
  }

  /** Empties the text index's queue (a search must see every committed message). */
  private async indexAll(): Promise<void> {
    while (hasQueued(this.store.db)) await this.store.maintain((db) => indexQueued(db, INDEX_CHUNK_SEARCH));
  }

  /**
   * Indexes queued messages in the background, a chunk per lane task (commits go first between
   * chunks): within `indexDelayMs` of a commit once writes pause, and while commits keep coming
   * (an import, a history sync) in rounds of at least `indexMinRound` messages, so the index
   * follows the import in bulk. A timer already set is not pushed back by later commits. Best
   * effort: a search indexes what is left, or matches it (fts_backlog.ts).
   * Once the queue is empty and writes pause, the index's segments are merged as fts_merge.ts's
   * rule asks, a few pages per lane task, `mergeGapMs` apart, never while a snapshot is written
   * (its copy-on-write would save the pages the merge rewrites).
   */
  private scheduleIndexing(delayMs = this.indexDelayMs): void {
    if (this.closing || this.indexTimer !== null || this.indexing) return;
    this.indexTimer = setTimeout(() => {
      this.indexTimer = null;
      if (this.closing) return;
      const db = this.store.db;
      const writing = this.writing();
      if (!hasQueued(db)) {
        if (this.mergePages <= 0 || !mergeWanted(db)) return;
        if (writing || this.store.snapshotting()) return this.scheduleIndexing(); // look again after the next delay
        return this.background((d) => mergeStep(d, this.mergePages) !== "none", this.mergeGapMs);
      }
      const queued = queuedCount(db);
      if (writing && queued < this.indexMinRound) {
        this.scheduleIndexing(); // look again after the next delay
        return;
      }
      // A queue a search would match itself (a crash replay, an import): first the totals a
      // relevance search over it needs (fts_relevance.ts: the uncounted queued messages counted, a
      // step per lane task, then the sum), once writes pause.
      if (!writing && queued > this.searchIndexMax && !totalsCounted(db, this.commitStamp())) {
        return this.background((d) => {
          countTotals(d, this.commitStamp(), TOTALS_STEP);
          return true;
        }, this.mergeGapMs);
      }
      // While commits keep coming, rounds `indexDelayMs` apart (the commits go first); once they
      // pause, `mergeGapMs` apart: a big queue (a crash replay, an import) is indexed in about half
      // the time (1M messages: ~100 rounds of ~0.25 s), so searches match it themselves for less long.
      this.background((d) => indexQueued(d, INDEX_CHUNK_BACKGROUND) > 0, () => (this.writing() ? this.indexDelayMs : this.mergeGapMs));
    }, delayMs);
    unrefTimer(this.indexTimer);
  }

  /** The messages' state as fts_relevance.ts keeps totals for it: the commits so far (null while one is under way). */
  private commitStamp(): string | null {
    return this.commitsBegun === this.commitsEnded ? String(this.commitsEnded) : null;
  }

  /**
   * Whether a commit is under way or ended within the last `indexDelayMs` (an import, a history
   * sync): a slow commit (a loaded machine) is no pause in the writes.
   */
  private writing(): boolean {
    return this.commitsBegun !== this.commitsEnded || Date.now() - this.lastCommitAt < this.indexDelayMs;
  }

  /**
   * Runs one background task on the lane, then looks for more work `nextMs` later if it did some.
   * A task that found nothing may have lost its work to a search that indexed the queue while it
   * waited on the lane: the merge the new segments want is looked for then (not at the next commit).
   */
  private background(task: (db: Database) => boolean, nextMs: number | (() => number)): void {
    this.indexing = true;
    this.store.maintain(task).then(
      (worked) => {
        this.indexing = false;
        if (worked) this.scheduleIndexing(typeof nextMs === "number" ? nextMs : nextMs());
        else if (!this.closing && this.mergePages > 0 && mergeWanted(this.store.db)) this.scheduleIndexing();
      },
      () => {
        this.indexing = false; // closing, or the store failed: the next search reports it
      },
    );
  }

  async getChat(jid: string, includeLastMessage: boolean): Promise<ChatSummary | null> {
    const rows = this.messageRows(chatPageSql("c.jid = :jid", "last_active", includeLastMessage), {
      jid: canonical(this.s, jid),
      limit: 1,
      offset: 0,
    }, "lm_");
    return rows[0] ? chatSummaryFromRow(rows[0]) : null;
  }

  async listChats(q: ListChatsQuery): Promise<Page<ChatSummary>> {
    const limit = clampLimit(q.limit);
    const { offset } = pageStart("o", q.cursor, q.offset);
    const text = q.query?.trim();
    const params = { ...(text ? chatQueryParams(text) : {}), limit: limit + 1, offset };
    const rows = this.messageRows(chatPageSql(chatWhere(!!text, q.unreadOnly === true, "1"), q.sortBy, q.includeLastMessage), params, "lm_");
    return offsetPage(rows.map(chatSummaryFromRow), limit, offset);
  }

  async searchContacts(query: string, limit: number): Promise<PersonRow[]> {
    return this.contacts.search(query, clampLimit(limit));
  }

  async listMessages(q: ListMessagesQuery): Promise<Page<MessageView>> {
    const empty: Page<MessageView> = { items: [], nextCursor: null };
    let sender: string | undefined;
    if (q.senderId) {
      const person = this.resolvePersonSync(q.senderId);
      if (!person) return empty;
      sender = person.id;
    }
    const chat = q.chatJid ? canonical(this.s, q.chatJid) : undefined;
    const { shape, params, limit } = messageFilters(q, { chat, sender }, COMPACT_PK_RANGE);
    if (params.types) params.typesJson = JSON.stringify(params.types);
    delete params.types;
    if (params.hasMedia !== undefined) params.hasMedia = params.hasMedia ? 1 : 0;

    const text = q.query?.trim();
    const plan = text ? planSearch(text) : null;
    if (plan?.kind === "none") return empty;
    // A search sees every committed message: it indexes a short queue first, and matches a long
    // one itself (`backlog`, fts_backlog.ts; in the relevance order, fts_relevance.ts, but for a
    // few query shapes whose scores only the complete index gives).
    let backlog: QueryNode | null = null;
    let scan = false;
    if (plan) {
      const relevance = plan.kind === "match" && q.order === "relevance";
      // Each count once per search (the table's count is a walk of its pages).
      const queued = queuedCount(this.store.db);
      if (queued <= this.searchIndexMax || (relevance && !this.rankedOverQueue(text!))) await this.indexAll();
      else {
        backlog = treeNode(searchTree(text!));
        // The messages are at least the queued and the indexed ones: fewer queued than indexed is
        // not most, known without counting the table (a walk of an index's pages: ~50 ms on a
        // store opened from its snapshot, whose pages are read from disk on first use).
        scan = queued >= indexTotals(this.store.db).rows && mostlyQueued(queued, messageCount(this.store.db));
        this.scheduleIndexing(); // the queue shrinks in the background meanwhile
      }
    }
    // From here on no await: the index and the queue are read as one state.

    if (plan?.kind === "match" && q.order === "relevance") {
      const { offset } = pageStart("o", q.cursor, q.offset);
      params.offset = offset;
      const fts = scoped(this.s, plan.fts, chat, sender);
      if (fts === null) return empty;
      params.fts = fts;
      const rows = backlog ? this.backlogRelevancePage(shape, backlog, params, scan) : this.messageRows(searchRelevanceSql(shape), params);
      return offsetPage(rows.map((r) => messageViewFromRow(r)), limit, offset);
    }

    const oldest = q.order === "oldest";
    const kind = oldest ? "a" : "m";
    const { after, offset } = pageStart(kind, q.cursor, q.offset);
    params.offset = offset;
    if (after) params.cpk = after.pk;
    let rows: Row[];
    if (plan?.kind === "match") {
      const fts = scoped(this.s, plan.fts, chat, sender);
      if (fts === null) return empty;
      params.fts = fts;
      const page = (p: Record<string, unknown>, o: { keyset: boolean; oldest: boolean; scan: boolean }): Row[] => backlog
        ? this.backlogPage(shape, backlog, p, o)
        : this.messageRows(searchNewestSql(shape, o), p);
      const opts = { keyset: !!after, oldest, scan };
      const node = chat !== undefined && this.chatWalkRows > 0 ? backlog ?? treeNode(searchTree(text!)) : null;
      rows = node ? this.chatWalkPage(shape, node, params, opts, page) : page(params, opts);
    } else {
      if (plan?.kind === "exclude") params.fts = plan.fts;
      rows = backlog
        ? this.backlogExcludePage(shape, backlog, params, { keyset: !!after, oldest, scan })
        : this.messageRows(listMessagesSql(shape, { keyset: !!after, exclude: plan?.kind === "exclude", oldest }), params);
    }
    return keysetPage(rows, limit, kind);
  }

  /**
   * A time-ordered search page in one chat: its next `chatWalkRows` messages from the page's start
   * (the chat's index, in pk order) matched in JS as the queue's are (fts_backlog.ts: a message's
   * current words, as the index holds an indexed one's, queued ones included); when they hold
   * fewer than the page's offset + limit (+1) matches, `rest` (the index and the queue) gives the
   * others from beyond the last walked message (a keyset bound), so the two parts together are
   * the first n matches in order.
   */
  private chatWalkPage(
    shape: MessageFilterShape,
    node: QueryNode,
    params: Record<string, unknown>,
    opts: { keyset: boolean; oldest: boolean; scan: boolean },
    rest: (params: Record<string, unknown>, opts: { keyset: boolean; oldest: boolean; scan: boolean }) => Row[],
  ): Row[] {
    const offset = Number(params.offset);
    const n = offset + Number(params.limit);
    const pks: number[] = [];
    let keyset = opts.keyset;
    let cpk = params.cpk;
    let walkedRows = 0;
    for (const rows of [Math.min(CHAT_WALK_FIRST, this.chatWalkRows), this.chatWalkRows - CHAT_WALK_FIRST]) {
      if (rows <= 0) break;
      // The step's last message (undefined: the chat has no more), then the step's matches up to it.
      const end = this.s.value(chatWalkEndSql(shape, { keyset, oldest: opts.oldest }), bind({ ...params, cpk, walk: rows - 1 }));
      const sql = (prefilter: string | null) => chatWalkSql(shape, { keyset, oldest: opts.oldest, span: end !== undefined, prefilter });
      pks.push(...queuedMatches(this.store.db, node, sql, bind({ ...params, cpk, spanPk: end }), n - pks.length));
      // A full page, or the chat has no more messages: the walk has the answer.
      if (pks.length === n || end === undefined) return this.walkedRows(pks, offset, opts.oldest);
      keyset = true;
      cpk = end;
      walkedRows += rows;
      // On only while the matches so far promise a full page within the walk (a rare word: to the index).
      if (pks.length * this.chatWalkRows < n * walkedRows) break;
    }
    const mine = this.walkedRows(pks, offset, opts.oldest);
    const more = rest({ ...params, cpk, offset: Math.max(0, offset - pks.length), limit: n - Math.max(offset, pks.length) }, { ...opts, keyset: true });
    return [...mine, ...more];
  }

  /** The rows of the walk's matches from the page's offset on, in the page's order. */
  private walkedRows(pks: number[], offset: number, oldest: boolean): Row[] {
    if (pks.length <= offset) return [];
    const order = oldest ? 1 : -1;
    return this.messageRows(MESSAGES_BY_PK, { pks: JSON.stringify(pks.slice(offset)) }).sort((a, b) => order * (Number(a.pk) - Number(b.pk)));
  }

  /**
   * A time-ordered search page over the index and the queue (fts_backlog.ts): the first
   * offset + limit (+1) matches of each, merged in pk order, then the page at the offset. With
   * `scan`, the walk of the messages may also match indexed ones (fts_backlog.ts): each is a true
   * match, so it is in the index's first n when it belongs to the page's n, and is taken once.
   */
  private backlogPage(shape: MessageFilterShape, node: QueryNode, params: Record<string, unknown>, opts: { keyset: boolean; oldest: boolean; scan: boolean }): Row[] {
    const offset = Number(params.offset);
    const n = offset + Number(params.limit);
    const indexed = this.all(searchNewestSql(shape, opts), { ...params, limit: n, offset: 0 });
    const seen = new Set(indexed.map((r) => Number(r.pk)));
    const pks = queuedMatches(this.store.db, node, (prefilter) => queuedSearchSql(shape, { ...opts, prefilter }), bind(params), n)
      .filter((pk) => !seen.has(pk));
    const queued = pks.length > 0 ? this.all(MESSAGES_BY_PK, { pks: JSON.stringify(pks) }) : [];
    const order = opts.oldest ? 1 : -1;
    const merged = [...indexed, ...queued].sort((a, b) => order * (Number(a.pk) - Number(b.pk)));
    return this.filled(merged.slice(offset, n));
  }

  /** Whether a relevance search of `text` can match the queue itself (fts_relevance.ts `rankableOverQueue`), rather than indexing it first. */
  private rankedOverQueue(text: string): boolean {
    return rankableOverQueue(this.store.db, treeNode(searchTree(text))!);
  }

  /**
   * A relevance-ordered page over the index and a long queue (fts_relevance.ts): the page the
   * index gives once the queue is indexed, scores included.
   */
  private backlogRelevancePage(shape: MessageFilterShape, node: QueryNode, params: Record<string, unknown>, scan: boolean): Row[] {
    const hits = relevanceHits(this.store.db, {
      node,
      indexedSql: relevanceIndexedSql(shape),
      queuedSql: (prefilter) => relevanceQueuedSql(shape, { scan, prefilter }),
      params: bind(params),
      offset: Number(params.offset),
      limit: Number(params.limit),
      stamp: this.commitStamp(),
    });
    if (hits.length === 0) return [];
    const byPk = new Map(this.all(MESSAGES_BY_PK, { pks: JSON.stringify(hits.map((h) => h.pk)) }).map((r) => [Number(r.pk), r]));
    return this.filled(hits.map((h) => ({ ...byPk.get(h.pk)!, rank: h.rank })));
  }

  /**
   * A time-ordered "everything except" page over the index and the queue (fts_backlog.ts): the
   * messages the index does not exclude, read a span at a time, less the queued ones in that span
   * that match (with `scan`, indexed ones may be among them: the index has excluded them already);
   * a span four times longer while the page is not full and messages are left.
   */
  private backlogExcludePage(shape: MessageFilterShape, node: QueryNode, params: Record<string, unknown>, opts: { keyset: boolean; oldest: boolean; scan: boolean }): Row[] {
    const offset = Number(params.offset);
    const n = offset + Number(params.limit);
    const sql = listMessagesSql(shape, { ...opts, exclude: true });
    for (let span = Math.max(2 * n, 64); ; span *= 4) {
      const listed = this.all(sql, { ...params, limit: span, offset: 0 });
      const last = listed.length === span ? listed[listed.length - 1]!.pk : undefined;
      const queued = (prefilter: string | null) => queuedSearchSql(shape, { ...opts, span: last !== undefined, prefilter });
      const out = new Set(queuedMatches(this.store.db, node, queued, bind({ ...params, spanPk: last }), Infinity));
      const kept = listed.filter((r) => !out.has(Number(r.pk)));
      if (kept.length >= n || last === undefined) return this.filled(kept.slice(offset, n));
    }
  }

  async getMessage(chatJid: string, id: string): Promise<MessageView | null> {
    const rows = this.messageRows(GET_MESSAGE, { chat: canonical(this.s, chatJid), id });
    return rows[0] ? messageViewFromRow(rows[0]) : null;
  }

  async findMessageChats(id: string, limit: number): Promise<string[]> {
    return this.all(FIND_MESSAGE_CHATS, { id, limit: clampLimit(limit) }).map((r) => String(r.chat_jid));
  }

  async getRawMessage(chatJid: string, id: string): Promise<Uint8Array | null> {
    const row = this.s.all(`SELECT ${RAW_SELECT} FROM messages WHERE chat_key = (SELECT key FROM jids WHERE jid = ?1) AND id_key = ${idKey("?2")}`, [canonical(this.s, chatJid), id])[0];
    return row?.raw instanceof Uint8Array ? fullRaw(row.raw, rawColumnsFromRow(row)) : null;
  }

  async getMessageContext(chatJid: string, id: string, before: number, after: number) {
    const chat = canonical(this.s, chatJid);
    const target = this.messageRows(GET_MESSAGE, { chat, id })[0];
    if (!target) return null;
    const key = { chat, pk: target.pk };
    const b = Math.max(0, Math.trunc(before));
    const a = Math.max(0, Math.trunc(after));
    const beforeRows = b > 0 ? this.messageRows(CONTEXT_BEFORE, { ...key, n: b }).reverse() : [];
    const afterRows = a > 0 ? this.messageRows(CONTEXT_AFTER, { ...key, n: a }) : [];
    return {
      before: beforeRows.map((r) => messageViewFromRow(r)),
      message: messageViewFromRow(target),
      after: afterRows.map((r) => messageViewFromRow(r)),
    };
  }

  async getMessageNeighbours(refs: MessageRef[], before: number, after: number): Promise<MessageNeighbours[]> {
    if (refs.length === 0) return [];
    const canon = refs.map((r) => ({ chatJid: canonical(this.s, r.chatJid), id: r.id }));
    const counts = contextCounts(before, after);
    // The hits of a page just read are where that read found them (row_keys.ts); else found by id.
    const places = this.places.placesOf(canon);
    const rows = places
      ? this.messageRows(NEIGHBOURS_AT, { hits: JSON.stringify(places), ...counts })
      : this.messageRows(NEIGHBOURS, { refs: JSON.stringify(canon.map((r) => [r.chatJid, r.id])), ...counts });
    return neighboursFromRows(refs.length, rows);
  }

  async resolvePerson(idOrPhone: string): Promise<PersonRow | null> {
    return this.resolvePersonSync(idOrPhone);
  }

  private resolvePersonSync(idOrPhone: string): PersonRow | null {
    for (const jid of personCandidates(idOrPhone)) {
      const row = this.all(PERSON_BY_ANY, { jid })[0];
      if (row) return personFromRow(row);
    }
    return null;
  }

  async getDirectChat(idOrPhone: string): Promise<ChatSummary | null> {
    const person = this.resolvePersonSync(idOrPhone);
    const candidates = person ? [person.id] : personCandidates(idOrPhone);
    for (const jid of candidates) {
      const chat = await this.getChat(jid, true);
      if (chat) return chat;
    }
    return null;
  }

  async getContactChats(idOrPhone: string, limit: number, offset: number): Promise<ChatSummary[]> {
    const person = this.resolvePersonSync(idOrPhone);
    if (!person) return [];
    const rows = this.messageRows(chatPageSql(CONTACT_CHATS_WHERE, "last_active", true), {
      person: person.id,
      limit: clampLimit(limit),
      offset: Math.max(0, Math.trunc(offset)),
    }, "lm_");
    return rows.map(chatSummaryFromRow);
  }

  async getLastInteraction(idOrPhone: string): Promise<MessageView | null> {
    const person = this.resolvePersonSync(idOrPhone);
    if (!person) return null;
    const rows = this.messageRows(LAST_INTERACTION, { person: person.id });
    return rows[0] ? messageViewFromRow(rows[0]) : null;
  }

  async getGroupInfo(jid: string): Promise<GroupInfo | null> {
    const chatRow = this.all(chatPageSql("c.jid = :jid", "last_active", false), { jid: canonical(this.s, jid), limit: 1, offset: 0 })[0];
    if (!chatRow || chatRow.kind !== "group") return null;
    const participants = this.all(GROUP_PARTICIPANTS, { jid: chatRow.jid }).map(participantFromRow);
    return { chat: chatFromRow(chatRow), participants };
  }

  async getPolls(refs: Array<{ chatJid: string; id: string }>): Promise<PollDetails[]> {
    if (refs.length === 0) return [];
    const canon = refs.map((r) => ({ chatJid: canonical(this.s, r.chatJid), id: r.id }));
    const json = JSON.stringify(canon.map((r) => [r.chatJid, r.id]));
    return pollsFromRows(canon, this.all(getPollsSql("sqlite"), { refs: json }), this.all(getVotesSql("sqlite"), { refs: json }));
  }

  async getReceipts(chatJid: string, id: string): Promise<ReceiptRow[]> {
    const rows = this.all(RECEIPTS, { chat: canonical(this.s, chatJid), id });
    return rows.map((r) => ({
      chatJid: String(r.chat_jid),
      messageId: String(r.message_id),
      personId: String(r.person_id),
      type: String(r.type) as ReceiptRow["type"],
      ts: toNum(r.ts) ?? 0,
    }));
  }

  async stats(): Promise<StoreStats> {
    const r = this.all(STATS, {})[0]!;
    const d = this.store.stats();
    return {
      backend: "sqljs",
      messages: toNum(r.messages) ?? 0,
      chats: toNum(r.chats) ?? 0,
      people: toNum(r.people) ?? 0,
      oldestMessageAt: toNum(r.oldest),
      newestMessageAt: toNum(r.newest),
      sizeBytes: d.snapshotBytes + d.journalBytes,
      journal: { entries: d.journalEntries, bytes: d.journalBytes, lastSeq: d.lastSeq },
      snapshot: { seq: d.snapshotSeq, at: d.snapshotAt, bytes: d.snapshotBytes },
      refusedChanges: toNum(r.refused) ?? 0,
      lastError: d.lastError,
      work: d.work,
    };
  }

  async authList(): Promise<AuthEntry[]> {
    return this.all("SELECT category, id, value FROM auth ORDER BY category, id", {}).map((r) => ({
      category: String(r.category),
      id: String(r.id),
      value: String(r.value),
    }));
  }

  async authGet(category: string, ids: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    if (ids.length === 0) return out;
    const rows = this.all("SELECT id, value FROM auth WHERE category = :cat AND id IN (SELECT value FROM json_each(:ids))", {
      cat: category,
      ids: JSON.stringify(ids),
    });
    for (const r of rows) out[String(r.id)] = String(r.value);
    return out;
  }

  async liveEvents(afterSeq: number, limit: number, chatJid?: string): Promise<LiveEvent[]> {
    const params: Record<string, unknown> = { after: Math.max(0, Math.trunc(afterSeq)), limit: clampLimit(limit) };
    if (chatJid !== undefined) params.chat = canonical(this.s, chatJid);
    return (this.all(LIVE_EVENTS_SQL(chatJid !== undefined), params)).map(liveEventFromRow);
  }

  async liveHead(): Promise<number> {
    return toNum(this.s.value("SELECT coalesce(max(seq), 0) FROM live_events")) ?? 0;
  }

  async metaGet(key: string): Promise<string | null> {
    const v = this.s.value("SELECT value FROM meta WHERE key = ?", [key]);
    return typeof v === "string" ? v : null;
  }

  async getHeldSend(id: string): Promise<HeldSendRow | null> {
    const r = this.all(GET_HELD, { id })[0];
    return r ? heldFromRow(r) : null;
  }

  async listHeldSends(q: { statuses?: HeldStatus[]; limit: number }): Promise<HeldSendRow[]> {
    const statuses = q.statuses ? JSON.stringify(q.statuses) : null;
    return this.all(listHeldSql("sqlite"), { statuses, limit: clampLimit(q.limit) }).map(heldFromRow);
  }
  async getScheduled(id: string): Promise<ScheduledSendRow | null> {
    const r = this.all(GET_SCHEDULED, { id })[0];
    return r ? scheduledFromRow(r) : null;
  }

  async listScheduled(q: { statuses?: ScheduledStatus[]; limit: number; latestFirst?: boolean }): Promise<ScheduledSendRow[]> {
    const statuses = q.statuses ? JSON.stringify(q.statuses) : null;
    return this.all(listScheduledSql("sqlite", q.latestFirst), { statuses, limit: clampLimit(q.limit) }).map(scheduledFromRow);
  }


  async webhookDue(now: number, limit: number): Promise<WebhookDue[]> {
    return this.all(WEBHOOK_DUE, { now, limit: clampLimit(limit) }).map(webhookDueFromRow);
  }

  async webhookNextDue(): Promise<number | null> {
    return toNum(this.s.value(WEBHOOK_NEXT_DUE));
  }

  async webhookStatus(): Promise<WebhookEndpointStatus[]> {
    const now = Date.now();
    return this.all(WEBHOOK_STATUS, {}).map((r) => webhookStatusFromRow(r, now));
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.indexTimer !== null) clearTimeout(this.indexTimer);
    this.indexTimer = null;
    this.s.free();
    await this.store.close();
  }
}

/** A search's parsed query for the backlog matcher (null: nothing searchable). */
function treeNode(tree: ReturnType<typeof searchTree>): QueryNode | null {
  return tree.kind === "none" ? null : tree.node;
}

/**
 * Adds the chat/sender scope tokens to a MATCH expression (posting-list intersection in FTS4);
 * null when the chat or sender has no `jids` key (no message names it: nothing can match).
 */
function scoped(s: Statements, fts: string, chat: string | undefined, sender: string | undefined): string | null {
  let out = fts;
  for (const [jid, token] of [[chat, chatScopeToken], [sender, senderScopeToken]] as const) {
    if (jid === undefined) continue;
    const key = s.value("SELECT key FROM jids WHERE jid = ?", [jid]);
    if (typeof key !== "number") return null;
    out += ` AND "${token(key)}"`;
  }
  return out;
}


/**
 * sql.js whose every Database is set up for the store as it is created: the schema's SQL
 * functions registered (the durable engine checks a snapshot without a checksum with PRAGMA
 * quick_check before `migrate` runs, and the schema's view calls them), and the rollback journal kept in memory instead of a file in sql.js's
 * in-memory file system (same atomicity, ~15% less work per write; durability is the engine's
 * journal's job). `secure_delete` zeroes deleted and replaced content, so a session entry
 * re-encrypted with WHATSAPP_SESSION_KEY leaves no plain copy in free space of the next snapshot.
 * `locking_mode = EXCLUSIVE`: no other connection ever opens the in-memory file, so the lock is kept
 * and the page cache stays valid between statements (commits still write every page to the file).
 */
export function withStoreSetup(sql: SqlJsStatic): SqlJsStatic {
  const Base = sql.Database;
  class Db extends Base {
    constructor(data?: ArrayLike<number> | null) {
      // A new database starts from an empty image whose file is tracked (no whole copy at snapshots).
      const fresh = data == null ? freshImage(Base) : null;
      super(fresh?.data ?? data);
      fresh?.track(this);
      registerSqlFunctions(this);
      this.exec("PRAGMA journal_mode = MEMORY");
      this.exec("PRAGMA secure_delete = ON");
      // This connection is the file's only user: keep its lock, so a statement does not start by
      // checking the file for other writers and dropping the page cache (measured on Node 20: ~30-55 µs
      // on every statement, and its pages read again from MEMFS; with the lock kept, 0.5-3 µs).
      this.exec("PRAGMA locking_mode = EXCLUSIVE");
    }
  }
  return { ...sql, Database: Db } as SqlJsStatic;
}

/**
 * What the durable engine reports at each transaction's end: the ingest's known rows settle
 * (known_rows.ts) and the read memos learn of rollbacks (changes_memo.ts).
 */
export function sqljsTransactionEnd(db: Database, committed: boolean): void {
  settleKnownRows(db, committed);
  noteTransactionEnd(db, committed);
}

/** Options of the sql.js store on disk. */
export interface SqljsStoreOptions {
  /** The store folder (created 0700). */
  dir: string;
  /** Base file name (default "store"). */
  name?: string;
  /** sql.js module; default `loadSqlJs()`. */
  sql?: SqlJsStatic;
  /** Journal size that triggers a snapshot (engine default if unset). */
  snapshotEveryBytes?: number;
  /** Warnings of the durable engine (torn tail dropped, snapshot failed...). */
  onWarning?: (msg: string) => void;
  /** A damaged file: refuse to open ("fail", default) or continue with the intact part ("start-fresh"). */
  onCorrupt?: "fail" | "start-fresh";
}

/** Opens (creating or migrating) the sql.js store in `opts.dir`. Rejects with StoreLockedError if another process has it. */
export async function openSqljsRepository(opts: SqljsStoreOptions): Promise<Repository> {
  const durable = await openDurable<WriteOp>({
    dir: opts.dir,
    name: opts.name,
    sql: withStoreSetup(opts.sql ?? (await loadSqlJs())),
    migrate: (db) => {
      migrateSqlite(db);
    },
    apply: applyLiveSqlite,
    onTransactionEnd: sqljsTransactionEnd,
    replayHooks: (db, size) => ({ ...messageIndexReplay(db, size), apply: applyReplaySqlite }),
    snapshotEveryBytes: opts.snapshotEveryBytes,
    onWarning: opts.onWarning,
    onCorrupt: opts.onCorrupt,
  });
  return createSqljsRepository(durable);
}

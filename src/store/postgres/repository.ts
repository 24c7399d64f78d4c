/**
 * The PostgreSQL `Repository` (postgres.js, pure JS). Chosen when DATABASE_URL is a postgres
 * URL. One transaction per commit (durable when COMMIT returns); a session-level advisory lock
 * keeps a second instance off the same database schema; migrations from `migrations/postgres`
 * run at open. The WhatsApp session (auth, meta) may live in a separate database (`sessionUrl`).
 */
import { pageStart } from "../cursor.ts";
import { normalizeJid } from "../../ids/jid.ts";
import { personCandidates } from "../../ids/parse.ts";
import { chatQueryParams, clampLimit, contextCounts, keysetPage, messageFilters, offsetPage } from "../query_params.ts";
import { MS_PK_RANGE } from "../keys.ts";
import { chatFromRow, chatSummaryFromRow, neighboursFromRows, liveEventFromRow, messageViewFromRow, participantFromRow, personFromRow, RAW_SELECT, rawColumnsFromRow, toBytes, toNum } from "../rows.ts";
import { fullRaw } from "../raw_residual.ts";
import { rawDetailCutoff, withoutOldDetail } from "../raw_detail.ts";
import { planSearch } from "../search/query.ts";
import type {
  AuthEntry,
  ChatSummary,
  CommitOptions,
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
import { applyPostgres, isSessionOp } from "./apply.ts";
import { FreshRuns } from "./apply_bulk.ts";
import { canonical } from "./apply_changes.ts";
import { type BatchContext, KnownPeople, prepareSearch } from "./apply_shared.ts";
import { getPollsSql, getVotesSql, pollsFromRows } from "../poll_rows.ts";
import { GET_HELD, heldFromRow, listHeldSql } from "../held_rows.ts";
import { WEBHOOK_DUE, WEBHOOK_NEXT_DUE, WEBHOOK_STATUS, webhookDueFromRow, webhookStatusFromRow } from "../webhook_rows.ts";
import { GET_SCHEDULED, listScheduledSql, scheduledFromRow } from "../scheduled_rows.ts";
import { connectPg, lockStore, type Pg, query, withMigrationLock } from "./client.ts";
import { checkFence, StaleLeaderError } from "../../cluster/lease_sql.ts";
import { storeChannels } from "../../cluster/channels.ts";
import { livePayload } from "../../cluster/live_notify.ts";
import { PgContactList } from "./contact_list.ts";
import { migratePostgres } from "./migrate.ts";
import { refreshListedSearchVectors } from "./search_refresh.ts";
import { StoreUpkeep } from "./upkeep.ts";
import {
  chatPageSql,
  chatWhere,
  CONTACT_CHATS_WHERE,
  CONTEXT_AFTER,
  CONTEXT_BEFORE,
  NEIGHBOURS,
  FIND_MESSAGE_CHATS,
  GET_MESSAGE,
  GROUP_PARTICIPANTS,
  LIVE_EVENTS_SQL,
  LAST_INTERACTION,
  listMessagesSql,
  PERSON_BY_ANY,
  RECEIPTS,
  RECENT_WINDOW,
  searchRelevanceSql,
  STATS,
} from "./read_sql.ts";

export { isPostgresUrl } from "./url.ts";

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** postgres:// or postgresql:// URL of the messages database. */
  url: string;
  /** A separate database for the WhatsApp session (auth keys and meta); default: `url`. */
  sessionUrl?: string;
  /** Pool size per database (default 4). */
  maxConnections?: number;
  /** Messages a text search scans in order before it uses the full-text index (default RECENT_WINDOW; tests make it small). */
  searchWindow?: number;
  /**
   * Cluster membership (src/cluster/): no exclusive lock (several instances share the store),
   * migrations under a lock of their own, a NOTIFY per commit that live readers care about, and
   * fenced commits (`commit(ops, { fenced: true })`) checked against the lease inside their
   * transaction. Needs the session in the same database.
   */
  cluster?: ClusterStoreOptions;
}

/** What the store needs from cluster membership. */
export interface ClusterStoreOptions {
  instanceId: string;
  /** The fencing token while this instance holds the lease, else null. */
  fence(): number | null;
}

/** Connects, locks, migrates. Rejects with DatabaseInUseError if another instance holds the lock. */
export async function openPostgresRepository(opts: PostgresStoreOptions): Promise<Repository> {
  const main = connectPg(opts.url, { max: opts.maxConnections });
  const separate = !!opts.sessionUrl && opts.sessionUrl !== opts.url;
  if (separate && opts.cluster) {
    await main.end({ timeout: 5 });
    throw new Error("Cannot run as a cluster member with the session in a separate database: the lease fences session writes in the store's own transactions");
  }
  const session = separate ? connectPg(opts.sessionUrl!, { max: opts.maxConnections }) : main;
  const locks: Array<{ release(): Promise<void> }> = [];
  let liveChannel: string | null = null;
  try {
    if (opts.cluster) {
      // Members share the store; only the migrations are one at a time.
      await withMigrationLock(main, () => migratePostgres(main));
      await refreshListedSearchVectors(main);
      liveChannel = (await storeChannels(main)).live;
    } else {
      locks.push(await lockStore(main, "messages"));
      await migratePostgres(main);
      await refreshListedSearchVectors(main);
    }
    if (separate) {
      locks.push(await lockStore(session, "session"));
      await migratePostgres(session);
    }
  } catch (err) {
    for (const l of locks.reverse()) await l.release().catch(() => {});
    await main.end({ timeout: 5 });
    if (separate) await session.end({ timeout: 5 });
    throw err;
  }
  const cluster = opts.cluster && liveChannel ? { ...opts.cluster, liveChannel } : null;
  const repo = new PostgresRepository(main, session, separate, locks, opts.searchWindow ?? RECENT_WINDOW, cluster);
  repo.upkeep = await StoreUpkeep.start(main, (err) => {
    repo.lastError = `Store upkeep (statistics, index merge) failed: ${(err as Error).message}`;
  });
  return repo;
}

class PostgresRepository implements Repository {
  private closed: Promise<void> | null = null;
  private readonly known = new KnownPeople();
  private readonly odds = new FreshRuns();
  private readonly contacts: PgContactList;
  upkeep: StoreUpkeep | null = null;
  lastError: string | null = null;

  constructor(
    private readonly pg: Pg,
    private readonly session: Pg,
    private readonly separate: boolean,
    private readonly locks: Array<{ release(): Promise<void> }>,
    private readonly searchWindow: number,
    private readonly cluster: (ClusterStoreOptions & { liveChannel: string }) | null = null,
  ) {
    this.contacts = new PgContactList(pg);
  }

  /**
   * Commits one at a time, in call order: a commit called while another is on the server waits
   * for it (each resolves once its own transaction is durable), and meanwhile computes its
   * messages' search vectors, so that work overlaps the server's.
   */
  commit(all: WriteOp[], opts?: CommitOptions): Promise<void> {
    if (all.length === 0) return Promise.resolve();
    const ops = withoutOldDetail(all, rawDetailCutoff(Date.now()));
    const previous = this.committing;
    if (previous) prepareSearch(ops);
    const mine = (async () => {
      if (previous) await previous;
      await this.commitNow(ops, opts);
    })();
    // Settles when this commit did, never rejects (the caller gets the failure from `mine`).
    const tail: Promise<void> = mine.then(() => {}, () => {}).then(() => {
      if (this.committing === tail) this.committing = null;
    });
    this.committing = tail;
    return mine;
  }

  private committing: Promise<void> | null = null;

  private async commitNow(ops: WriteOp[], opts?: CommitOptions): Promise<void> {
    if (this.cluster) {
      await this.clusterWrite(ops, opts?.fenced === true, this.cluster);
    } else {
      await this.write(ops);
    }
    let messages = 0;
    for (const op of ops) if (op.op === "upsertMessage") messages++;
    if (messages > 0) this.upkeep?.note(messages);
  }

  /**
   * A member's commit: the live NOTIFY goes out with the transaction (delivered only if it
   * commits), and a fenced commit checks the lease last, inside the transaction (see checkFence).
   */
  private async clusterWrite(ops: WriteOp[], fenced: boolean, c: ClusterStoreOptions & { liveChannel: string }): Promise<void> {
    const token = fenced ? c.fence() : null;
    if (fenced && token === null) throw new StaleLeaderError("Write refused: this instance does not hold the WhatsApp lease");
    const payload = livePayload(ops);
    await this.pg.begin(async (tx) => {
      await applyPostgres(tx, ops, { odds: this.odds });
      if (payload) await tx.unsafe("SELECT pg_notify($1, $2)", [c.liveChannel, payload]);
      if (token !== null) await checkFence(tx, c.instanceId, token);
    });
  }

  private async write(ops: WriteOp[]): Promise<void> {
    if (!this.separate) {
      await this.writeMain(ops);
      return;
    }
    // Two databases cannot share one transaction: the session's writes first (the WhatsApp
    // keys must be durable before they are used), then the rest.
    const sessionOps = ops.filter(isSessionOp);
    const mainOps = ops.filter((op) => !isSessionOp(op));
    if (sessionOps.length) await this.session.begin((tx) => applyPostgres(tx, sessionOps));
    if (mainOps.length) await this.writeMain(mainOps);
  }

  /** One transaction on the messages database; the people it wrote are remembered once it committed. */
  private async writeMain(ops: WriteOp[]): Promise<void> {
    const ctx = await this.pg.begin((tx) => applyPostgres(tx, ops, { known: this.known, odds: this.odds }));
    this.known.settle(ctx as BatchContext);
  }

  async getChat(jid: string, includeLastMessage: boolean): Promise<ChatSummary | null> {
    const rows = await query(this.pg, chatPageSql("c.jid = :jid", "last_active", includeLastMessage), {
      jid: await canonical(this.pg, jid),
      limit: 1,
      offset: 0,
    });
    return rows[0] ? chatSummaryFromRow(rows[0]) : null;
  }

  async listChats(q: ListChatsQuery): Promise<Page<ChatSummary>> {
    const limit = clampLimit(q.limit);
    const { offset } = pageStart("o", q.cursor, q.offset);
    const text = q.query?.trim();
    const params = { ...(text ? chatQueryParams(text) : {}), limit: limit + 1, offset };
    const rows = await query(this.pg, chatPageSql(chatWhere(!!text, q.unreadOnly === true, "TRUE"), q.sortBy, q.includeLastMessage), params);
    return offsetPage(rows.map(chatSummaryFromRow), limit, offset);
  }

  searchContacts(query_: string, limit: number): Promise<PersonRow[]> {
    return this.contacts.search(query_, limit);
  }

  async listMessages(q: ListMessagesQuery): Promise<Page<MessageView>> {
    const empty: Page<MessageView> = { items: [], nextCursor: null };
    let sender: string | undefined;
    if (q.senderId) {
      const person = await this.resolvePerson(q.senderId);
      if (!person) return empty;
      sender = person.id;
    }
    const chat = q.chatJid ? await canonical(this.pg, q.chatJid) : undefined;
    const { shape, params, limit } = messageFilters(q, { chat, sender }, MS_PK_RANGE);
    const text = q.query?.trim();
    const plan = text ? planSearch(text) : null;
    if (plan?.kind === "none") return empty;
    if (plan) params.q = plan.tsquery;
    if (plan?.kind === "match") params.window = this.searchWindow;

    if (plan?.kind === "match" && q.order === "relevance") {
      const { offset } = pageStart("o", q.cursor, q.offset);
      params.offset = offset;
      const rows = await query(this.pg, searchRelevanceSql(shape), params);
      return offsetPage(rows.map((r) => messageViewFromRow(r)), limit, offset);
    }
    const oldest = q.order === "oldest";
    const kind = oldest ? "a" : "m";
    const { after, offset } = pageStart(kind, q.cursor, q.offset);
    params.offset = offset;
    if (after) params.cpk = after.pk;
    const rows = await query(this.pg, listMessagesSql(shape, { keyset: !!after, search: plan ? plan.kind : "none", oldest }), params);
    return keysetPage(rows, limit, kind);
  }

  async getMessage(chatJid: string, id: string): Promise<MessageView | null> {
    const rows = await query(this.pg, GET_MESSAGE, { chat: await canonical(this.pg, chatJid), id });
    return rows[0] ? messageViewFromRow(rows[0]) : null;
  }

  async findMessageChats(id: string, limit: number): Promise<string[]> {
    const rows = await query(this.pg, FIND_MESSAGE_CHATS, { id, limit: clampLimit(limit) });
    return rows.map((r) => String(r.chat_jid));
  }

  async getRawMessage(chatJid: string, id: string): Promise<Uint8Array | null> {
    const rows = await query(this.pg, `SELECT ${RAW_SELECT} FROM messages WHERE chat_jid = :chat AND id = :id`, {
      chat: await canonical(this.pg, chatJid),
      id,
    });
    const raw = rows[0] ? toBytes(rows[0].raw) : null;
    return raw ? fullRaw(raw, rawColumnsFromRow(rows[0]!)) : null;
  }

  async getMessageContext(chatJid: string, id: string, before: number, after: number) {
    const chat = await canonical(this.pg, chatJid);
    const target = (await query(this.pg, GET_MESSAGE, { chat, id }))[0];
    if (!target) return null;
    const b = Math.max(0, Math.trunc(before));
    const a = Math.max(0, Math.trunc(after));
    const beforeRows = b > 0 ? (await query(this.pg, CONTEXT_BEFORE, { chat, pk: target.pk, n: b })).reverse() : [];
    const afterRows = a > 0 ? await query(this.pg, CONTEXT_AFTER, { chat, pk: target.pk, n: a }) : [];
    return {
      before: beforeRows.map((r) => messageViewFromRow(r)),
      message: messageViewFromRow(target),
      after: afterRows.map((r) => messageViewFromRow(r)),
    };
  }

  async getMessageNeighbours(refs: MessageRef[], before: number, after: number): Promise<MessageNeighbours[]> {
    if (refs.length === 0) return [];
    // Normalized here, LIDs resolved by the statement (canonical's two steps).
    const chats = refs.map((r) => normalizeJid(r.chatJid));
    const rows = await query(this.pg, NEIGHBOURS, { chats, ids: refs.map((r) => r.id), ...contextCounts(before, after) });
    return neighboursFromRows(refs.length, rows);
  }

  async resolvePerson(idOrPhone: string): Promise<PersonRow | null> {
    for (const jid of personCandidates(idOrPhone)) {
      const row = (await query(this.pg, PERSON_BY_ANY, { jid }))[0];
      if (row) return personFromRow(row);
    }
    return null;
  }

  async getDirectChat(idOrPhone: string): Promise<ChatSummary | null> {
    const person = await this.resolvePerson(idOrPhone);
    for (const jid of person ? [person.id] : personCandidates(idOrPhone)) {
      const chat = await this.getChat(jid, true);
      if (chat) return chat;
    }
    return null;
  }

  async getContactChats(idOrPhone: string, limit: number, offset: number): Promise<ChatSummary[]> {
    const person = await this.resolvePerson(idOrPhone);
    if (!person) return [];
    const rows = await query(this.pg, chatPageSql(CONTACT_CHATS_WHERE, "last_active", true), {
      person: person.id,
      limit: clampLimit(limit),
      offset: Math.max(0, Math.trunc(offset)),
    });
    return rows.map(chatSummaryFromRow);
  }

  async getLastInteraction(idOrPhone: string): Promise<MessageView | null> {
    const person = await this.resolvePerson(idOrPhone);
    if (!person) return null;
    const rows = await query(this.pg, LAST_INTERACTION, { person: person.id });
    return rows[0] ? messageViewFromRow(rows[0]) : null;
  }

  async getGroupInfo(jid: string): Promise<GroupInfo | null> {
    const chatRow = (await query(this.pg, chatPageSql("c.jid = :jid", "last_active", false), {
      jid: await canonical(this.pg, jid),
      limit: 1,
      offset: 0,
    }))[0];
    if (!chatRow || chatRow.kind !== "group") return null;
    const participants = (await query(this.pg, GROUP_PARTICIPANTS, { jid: chatRow.jid })).map(participantFromRow);
    return { chat: chatFromRow(chatRow), participants };
  }

  async getPolls(refs: Array<{ chatJid: string; id: string }>): Promise<PollDetails[]> {
    if (refs.length === 0) return [];
    const canon = [];
    for (const r of refs) canon.push({ chatJid: await canonical(this.pg, r.chatJid), id: r.id });
    const json = JSON.stringify(canon.map((r) => [r.chatJid, r.id]));
    const [polls, votes] = await Promise.all([
      query(this.pg, getPollsSql("postgres"), { refs: json }),
      query(this.pg, getVotesSql("postgres"), { refs: json }),
    ]);
    return pollsFromRows(canon, polls, votes);
  }

  async getReceipts(chatJid: string, id: string): Promise<ReceiptRow[]> {
    const rows = await query(this.pg, RECEIPTS, { chat: await canonical(this.pg, chatJid), id });
    return rows.map((r) => ({
      chatJid: String(r.chat_jid),
      messageId: String(r.message_id),
      personId: String(r.person_id),
      type: String(r.type) as ReceiptRow["type"],
      ts: toNum(r.ts) ?? 0,
    }));
  }

  async stats(): Promise<StoreStats> {
    const r = (await query(this.pg, STATS))[0]!;
    return {
      backend: "postgres",
      messages: toNum(r.messages) ?? 0,
      chats: toNum(r.chats) ?? 0,
      people: toNum(r.people) ?? 0,
      oldestMessageAt: toNum(r.oldest),
      newestMessageAt: toNum(r.newest),
      sizeBytes: toNum(r.size),
      journal: null,
      snapshot: null,
      refusedChanges: toNum(r.refused) ?? 0,
      lastError: this.lastError,
    };
  }

  async authList(): Promise<AuthEntry[]> {
    const rows = await query(this.session, "SELECT category, id, value FROM auth ORDER BY category, id", {});
    return rows.map((r) => ({ category: String(r.category), id: String(r.id), value: String(r.value) }));
  }

  async authGet(category: string, ids: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    if (ids.length === 0) return out;
    const rows = await query(this.session, "SELECT id, value FROM auth WHERE category = :cat AND id = ANY(:ids::text[])", {
      cat: category,
      ids,
    });
    for (const r of rows) out[String(r.id)] = String(r.value);
    return out;
  }

  async liveEvents(afterSeq: number, limit: number, chatJid?: string): Promise<LiveEvent[]> {
    const params: Record<string, unknown> = { after: Math.max(0, Math.trunc(afterSeq)), limit: clampLimit(limit) };
    if (chatJid !== undefined) params.chat = await canonical(this.pg, chatJid);
    return (await query(this.pg, LIVE_EVENTS_SQL(chatJid !== undefined), params)).map(liveEventFromRow);
  }

  async liveHead(): Promise<number> {
    return toNum((await query(this.pg, "SELECT coalesce(max(seq), 0) AS head FROM live_events"))[0]?.head) ?? 0;
  }

  async metaGet(key: string): Promise<string | null> {
    const rows = await query(this.session, "SELECT value FROM meta WHERE key = :key", { key });
    return typeof rows[0]?.value === "string" ? rows[0].value : null;
  }

  async getHeldSend(id: string): Promise<HeldSendRow | null> {
    const r = (await query(this.pg, GET_HELD, { id }))[0];
    return r ? heldFromRow(r) : null;
  }

  async listHeldSends(q: { statuses?: HeldStatus[]; limit: number }): Promise<HeldSendRow[]> {
    const statuses = q.statuses ? JSON.stringify(q.statuses) : null;
    return (await query(this.pg, listHeldSql("postgres"), { statuses, limit: clampLimit(q.limit) })).map(heldFromRow);
  }
  async getScheduled(id: string): Promise<ScheduledSendRow | null> {
    const r = (await query(this.pg, GET_SCHEDULED, { id }))[0];
    return r ? scheduledFromRow(r) : null;
  }

  async listScheduled(q: { statuses?: ScheduledStatus[]; limit: number; latestFirst?: boolean }): Promise<ScheduledSendRow[]> {
    const statuses = q.statuses ? JSON.stringify(q.statuses) : null;
    return (await query(this.pg, listScheduledSql("postgres", q.latestFirst), { statuses, limit: clampLimit(q.limit) })).map(scheduledFromRow);
  }


  async webhookDue(now: number, limit: number): Promise<WebhookDue[]> {
    return (await query(this.pg, WEBHOOK_DUE, { now, limit: clampLimit(limit) })).map(webhookDueFromRow);
  }

  async webhookNextDue(): Promise<number | null> {
    return toNum((await query(this.pg, WEBHOOK_NEXT_DUE))[0]?.next);
  }

  async webhookStatus(): Promise<WebhookEndpointStatus[]> {
    const now = Date.now();
    return (await query(this.pg, WEBHOOK_STATUS)).map((r) => webhookStatusFromRow(r, now));
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.upkeep?.close();
      await this.contacts.settled();
      for (const l of [...this.locks].reverse()) await l.release().catch(() => {});
      await this.pg.end({ timeout: 5 });
      if (this.separate) await this.session.end({ timeout: 5 });
    })();
    return this.closed;
  }
}

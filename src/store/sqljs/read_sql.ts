/**
 * The SQLite text of the read queries. Each list is ONE statement that also brings sender
 * names, chat names, reactions and (for chats) the last message, every step through an index.
 * Named parameters (`:chat`) are bound by the repository. Pure strings.
 */
import type { ChatOrder, MessageFilterShape } from "../query_params.ts";
import { directPathText, idKey, idText } from "./message_keys.ts";

/**
 * Messages are read through the view `messages` (the row with its chat and sender JIDs joined
 * back from the `jids` dictionary, migration 0011); a chat or sender filter compares the integer
 * key (`chat_key = KEY(:chat)`: one dictionary probe, then the integer index), so each list
 * still walks one index in time order.
 */
const KEY = (param: string): string => `(SELECT key FROM jids WHERE jid = ${param})`;

/** Messages considered per relevance-ordered search (newest matches first); beyond it, ranking is not attempted. */
export const RELEVANCE_WINDOW = 10_000;

/**
 * The columns of a message view, without its names and reactions: the sender's name and phone,
 * the chat's name and the revoker's name are filled in by row_names.ts from the JIDs, the
 * reactions by row_reactions.ts (memos: joined or probed per row, they cost more than the rest
 * of the row). `m` is the `messages` view, or with `table` the
 * `message_rows` table (whose stored ids and direct paths are decoded here as the view does:
 * message_keys.ts).
 */
export function messageColumns(
  m: string,
  prefix = "",
  jids: { chat: string; sender: string } = { chat: `${m}.chat_jid`, sender: `${m}.sender_id` },
  table = false,
): string {
  const p = prefix;
  const id = table ? idText(`${m}.id`) : `${m}.id`;
  return [
    `${m}.pk AS ${p}pk`,
    `${jids.chat} AS ${p}chat_jid`,
    `${id} AS ${p}id`,
    `${jids.sender} AS ${p}sender_id`,
    `${m}.from_me AS ${p}from_me`,
    `${m}.ts AS ${p}ts`,
    `${m}.type AS ${p}type`,
    `${m}.text AS ${p}text`,
    `${table ? idText(`${m}.quoted_id`) : `${m}.quoted_id`} AS ${p}quoted_id`,
    `${m}.edited_text AS ${p}edited_text`,
    `${m}.edited_at AS ${p}edited_at`,
    `${m}.revoked AS ${p}revoked`,
    `${m}.revoked_by AS ${p}revoked_by`,
    `${m}.view_once AS ${p}view_once`,
    `${m}.status AS ${p}status`,
    `${m}.has_media AS ${p}has_media`,
    `${m}.media_mimetype AS ${p}media_mimetype`,
    `${m}.media_file_name AS ${p}media_file_name`,
    `${m}.media_file_length AS ${p}media_file_length`,
    `${m}.media_duration_sec AS ${p}media_duration_sec`,
    `${table ? directPathText(`${m}.media_direct_path`, `${m}.media_url`) : `${m}.media_direct_path`} AS ${p}media_direct_path`,
    `${m}.media_url AS ${p}media_url`,
    `${m}.media_key AS ${p}media_key`,
    `${m}.media_file_sha256 AS ${p}media_file_sha256`,
    `${m}.media_file_enc_sha256 AS ${p}media_file_enc_sha256`,
    `${m}.media_key_ts AS ${p}media_key_ts`,
  ].join(",\n  ");
}

/**
 * The joins of a message view (alias m, from the `messages` view): its chat and sender JIDs are
 * looked up in the dictionary once per row and reused by the columns. The view's own
 * `chat_jid` / `sender_id` are scalar subqueries that SQLite evaluates again at every use; by
 * key, a list of 60 messages reads 15-40% faster (measured at 200k messages on Node 20), with
 * the same rows. The names these JIDs lead to are not joined here (row_names.ts).
 */
const VIEW_JOINS = `LEFT JOIN jids jc ON jc.key = m.chat_key
  LEFT JOIN jids js ON js.key = m.sender_key`;
/** The columns of a message view over `VIEW_JOINS`, and its chat key (row_keys.ts). */
const VIEW_COLUMNS = `${messageColumns("m", "", { chat: "jc.jid", sender: "js.jid" })},\n  m.chat_key AS chat_key`;
const VIEW_FROM = `messages m\n  ${VIEW_JOINS}`;

/** SELECT list + FROM for message views (alias m). */
export const MESSAGE_VIEW = `SELECT ${VIEW_COLUMNS}\nFROM ${VIEW_FROM}`;

/** One message by chat and id. */
export const GET_MESSAGE = `${MESSAGE_VIEW}\nWHERE m.chat_key = ${KEY(":chat")} AND m.id_key = ${idKey(":id")}`;

/** Messages before one (by pk, the time order) in a chat, newest first. */
export const CONTEXT_BEFORE = `${MESSAGE_VIEW}
WHERE m.chat_key = ${KEY(":chat")} AND m.pk < :pk
ORDER BY m.pk DESC LIMIT :n`;

/** Messages after one in a chat, oldest first. */
export const CONTEXT_AFTER = `${MESSAGE_VIEW}
WHERE m.chat_key = ${KEY(":chat")} AND m.pk > :pk
ORDER BY m.pk ASC LIMIT :n`;

/**
 * One side of NEIGHBOURS: the up to :n messages of a hit's chat just before (`<`) or after (`>`)
 * it, as one range walk of the chat's index between the hit and the n-th neighbour (found by a
 * scalar walk from the hit; the chat's first or last message when there are fewer). A range,
 * not `pk IN (subquery)`: that builds a temporary table per hit and side and took twice as long.
 */
function neighbourSide(side: 0 | 2, cmp: "<" | ">", n: ":nb" | ":na"): string {
  const [bound, order, end] = cmp === "<" ? [">=", "DESC", "-9223372036854775808"] : ["<=", "ASC", "9223372036854775807"];
  return `SELECT hits.i AS ctx_i, ${side} AS ctx_side, ${VIEW_COLUMNS}
FROM hits CROSS JOIN ${VIEW_FROM}
WHERE ${n} > 0 AND m.chat_key = hits.chat AND m.pk ${cmp} hits.pk AND m.pk ${bound} coalesce(
  (SELECT x.pk FROM message_rows x WHERE x.chat = hits.chat AND x.pk ${cmp} hits.pk ORDER BY x.pk ${order} LIMIT 1 OFFSET ${n} - 1), ${end})`;
}

/**
 * The neighbours of many messages in one statement (list_messages' hits, which the caller has):
 * :refs is a JSON array of [chat, id] pairs; each row is one neighbour: ctx_i (the pair's index),
 * ctx_side (0 before, 2 after), in time order within a side. A hit is found by its (id, chat)
 * key and only its pk is read (once: the hits are materialized); its neighbours are the rows
 * CONTEXT_BEFORE and CONTEXT_AFTER find, for every hit at once.
 */
export const NEIGHBOURS = `WITH refs AS MATERIALIZED (
  SELECT h.key AS i, h.value ->> 0 AS chat_jid, h.value ->> 1 AS id FROM json_each(:refs) h),
hits AS MATERIALIZED (
  SELECT refs.i AS i, m.chat AS chat, m.pk AS pk
  FROM refs
  CROSS JOIN message_rows m ON m.chat = ${KEY("refs.chat_jid")} AND m.id = ${idKey("refs.id")})
${neighbourSides()}`;

/**
 * NEIGHBOURS for hits whose chat key and pk the caller has (rows it read, unchanged since):
 * :hits is a JSON array of [chat key, pk] pairs, in the refs' order.
 */
export const NEIGHBOURS_AT = `WITH hits AS MATERIALIZED (
  SELECT h.key AS i, h.value ->> 0 AS chat, h.value ->> 1 AS pk FROM json_each(:hits) h)
${neighbourSides()}`;

function neighbourSides(): string {
  return `${neighbourSide(0, "<", ":nb")}
UNION ALL
${neighbourSide(2, ">", ":na")}
ORDER BY ctx_i, ctx_side, pk`;
}

/** The newest message in a person's 1:1 chat or sent by them anywhere. */
export const LAST_INTERACTION = `${MESSAGE_VIEW}
WHERE m.pk IN (
  (SELECT pk FROM message_rows WHERE chat = ${KEY(":person")} ORDER BY pk DESC LIMIT 1),
  (SELECT pk FROM message_rows WHERE sender = ${KEY(":person")} ORDER BY pk DESC LIMIT 1))
ORDER BY m.pk DESC LIMIT 1`;


function filterSql(f: MessageFilterShape): string[] {
  const w: string[] = [];
  if (f.chat) w.push(`m.chat_key = ${KEY(":chat")}`);
  if (f.sender) w.push(`m.sender_key = ${KEY(":sender")}`);
  // pk ranges are time ranges (an index range); ts is then checked exactly.
  if (f.after) w.push("m.pk >= :afterPk", "m.ts >= :after");
  if (f.before) w.push("m.pk < :beforePk", "m.ts < :before");
  if (f.types) w.push("m.type IN (SELECT value FROM json_each(:typesJson))");
  if (f.hasMedia) w.push("m.has_media = :hasMedia");
  return w;
}

/**
 * Time-ordered list without text search (optionally excluding FTS matches: the "exclude" plan),
 * newest first, or oldest first with `oldest`.
 */
export function listMessagesSql(f: MessageFilterShape, opts: { keyset: boolean; exclude: boolean; oldest?: boolean }): string {
  const w = filterSql(f);
  if (opts.keyset) w.push(opts.oldest ? "m.pk > :cpk" : "m.pk < :cpk");
  if (opts.exclude) w.push("m.pk NOT IN (SELECT docid FROM messages_fts WHERE messages_fts MATCH :fts)");
  return `${MESSAGE_VIEW}
WHERE ${w.length ? w.join(" AND ") : "1"}
ORDER BY m.pk ${opts.oldest ? "ASC" : "DESC"} LIMIT :limit OFFSET :offset`;
}

/**
 * Newest-first (or, with `oldest`, oldest-first) full-text search: the FTS4 index drives (docid = pk, the time order, so
 * "ORDER BY docid DESC" walks the posting lists backwards and stops at the limit); chat and
 * sender are scope tokens inside :fts; dates narrow the docid range, then are checked exactly.
 */
export function searchNewestSql(f: MessageFilterShape, opts: { keyset: boolean; oldest?: boolean }): string {
  const w = ["f.messages_fts MATCH :fts", ...filterSql(f).filter((c) => !c.startsWith("m.pk"))];
  if (f.after) w.push("f.docid >= :afterPk");
  if (f.before) w.push("f.docid < :beforePk");
  if (opts.keyset) w.push(opts.oldest ? "f.docid > :cpk" : "f.docid < :cpk");
  return `SELECT ${VIEW_COLUMNS}
FROM messages_fts f CROSS JOIN messages m ON m.pk = f.docid
  ${VIEW_JOINS}
WHERE ${w.join(" AND ")}
ORDER BY f.docid ${opts.oldest ? "ASC" : "DESC"} LIMIT :limit OFFSET :offset`;
}

/**
 * A walked message's current text (the edit if any) and file name as their UTF-8 bytes: the walks
 * rule most texts out on their bytes (search/byte_screen.ts) and decode only the others, as
 * sql.js would have (every write binds a text column as text, so the bytes are a text's).
 */
const QUEUED_TEXTS = "CAST(coalesce(m.edited_text, m.text) AS BLOB), CAST(m.media_file_name AS BLOB)";

/**
 * The queued messages (`fts_pending`, not yet in the index) a search's filters select, newest first
 * (or oldest first): pk, current text (the edit if any), file name, for fts_backlog.ts to match.
 * Revoked messages have no words. Each queued message is looked up by its pk; with `scan`, every
 * message from the oldest queued one on is walked in pk order instead (after a crash replay or a
 * big import, when most are queued: a walk of the table's leaves costs less than a search of the
 * table per message, and probing the queue for each message the prefilter keeps would cost a
 * fifth of the walk again). The walk may then also select indexed messages: the caller treats a
 * match among them as the index's answer (fts_backlog.ts).
 */
export function queuedSearchSql(
  f: MessageFilterShape,
  opts: { keyset: boolean; oldest?: boolean; span?: boolean; prefilter?: string | null; scan?: boolean },
): string {
  const key = opts.scan ? "m.pk" : "p.docid";
  const w = ["m.revoked = 0", ...filterSql(f)];
  if (opts.prefilter) w.push(opts.prefilter);
  if (f.after) w.push(`${key} >= :afterPk`);
  if (f.before) w.push(`${key} < :beforePk`);
  if (opts.keyset) w.push(opts.oldest ? `${key} > :cpk` : `${key} < :cpk`);
  // Only as far as :spanPk (the last message a page read), with `span`.
  if (opts.span) w.push(opts.oldest ? `${key} <= :spanPk` : `${key} >= :spanPk`);
  const order = opts.oldest ? "ASC" : "DESC";
  if (opts.scan) {
    return `SELECT m.pk, ${QUEUED_TEXTS}
FROM messages m
WHERE m.pk >= (SELECT min(docid) FROM fts_pending) AND ${w.join(" AND ")}
ORDER BY m.pk ${order}`;
  }
  return `SELECT m.pk, ${QUEUED_TEXTS}
FROM fts_pending p CROSS JOIN messages m ON m.pk = p.docid
WHERE ${w.join(" AND ")}
ORDER BY p.docid ${order}`;
}

/**
 * The pk of a chat's :walk-th message (from 0) from a search page's start in its order, within
 * the date bounds' pk range: the last one a step of the walk reads (repository.ts
 * `chatWalkPage`); none when the chat has no more. Read from the chat's index alone.
 */
export function chatWalkEndSql(f: MessageFilterShape, opts: { keyset: boolean; oldest?: boolean }): string {
  return `SELECT m.pk FROM message_rows m WHERE ${chatRange(f, opts).join(" AND ")}
ORDER BY m.pk ${opts.oldest ? "ASC" : "DESC"} LIMIT 1 OFFSET :walk`;
}

/**
 * A chat's messages from a search page's start up to :spanPk (with `span`; else all) through the
 * chat's index, that the other filters and the prefilter keep, for fts_backlog.ts to match
 * (repository.ts `chatWalkPage`): pk, current text, file name, in the page's order.
 */
export function chatWalkSql(f: MessageFilterShape, opts: { keyset: boolean; oldest?: boolean; span: boolean; prefilter: string | null }): string {
  const w = chatRange(f, opts);
  if (opts.span) w.push(opts.oldest ? "m.pk <= :spanPk" : "m.pk >= :spanPk");
  // The table's own columns (the view's chat_key and sender_key are its chat and sender).
  w.push("m.revoked = 0", ...filterSql(f).filter((c) => !c.startsWith("m.chat_key") && !c.startsWith("m.pk")).map((c) => c.replace("m.sender_key", "m.sender")));
  if (opts.prefilter) w.push(opts.prefilter);
  return `SELECT m.pk, ${QUEUED_TEXTS}
FROM message_rows m
WHERE ${w.join(" AND ")}
ORDER BY m.pk ${opts.oldest ? "ASC" : "DESC"}`;
}

/** A chat's messages from a page's start (a keyset search page's cursor), within the date bounds' pk range. */
function chatRange(f: MessageFilterShape, opts: { keyset: boolean; oldest?: boolean }): string[] {
  const w = [`m.chat = ${KEY(":chat")}`];
  if (f.after) w.push("m.pk >= :afterPk");
  if (f.before) w.push("m.pk < :beforePk");
  if (opts.keyset) w.push(opts.oldest ? "m.pk > :cpk" : "m.pk < :cpk");
  return w;
}

/** Messages by pk (:pks, a JSON array), newest first. */
export const MESSAGES_BY_PK = `${MESSAGE_VIEW}
WHERE m.pk IN (SELECT value FROM json_each(:pks))
ORDER BY m.pk DESC`;

/**
 * Relevance-ordered search (BM25 from matchinfo) over the newest RELEVANCE_WINDOW matches. The
 * index keeps no document sizes: wa_bm25 counts the row's length from its text.
 */
export function searchRelevanceSql(f: MessageFilterShape): string {
  const inner = ["messages_fts MATCH :fts"];
  if (f.after) inner.push("docid >= :afterPk");
  if (f.before) inner.push("docid < :beforePk");
  const w = filterSql(f).filter((c) => !c.startsWith("m.pk"));
  return `WITH hits AS (
  SELECT m.pk AS pk, wa_bm25(win.mi, coalesce(m.edited_text, m.text), m.media_file_name) AS rank
  FROM (SELECT docid, matchinfo(messages_fts, 'pcnax') AS mi FROM messages_fts
        WHERE ${inner.join(" AND ")} ORDER BY docid DESC LIMIT ${RELEVANCE_WINDOW}) win
  CROSS JOIN messages m ON m.pk = win.docid
  WHERE ${w.length ? w.join(" AND ") : "1"}
  ORDER BY rank DESC, m.pk DESC LIMIT :limit OFFSET :offset)
SELECT ${VIEW_COLUMNS}, hits.rank AS rank
FROM hits CROSS JOIN messages m ON m.pk = hits.pk
  ${VIEW_JOINS}
ORDER BY hits.rank DESC, m.pk DESC`;
}

/**
 * A relevance search's filters split as the index's query applies them (`searchRelevanceSql`):
 * `window`, what chooses the newest RELEVANCE_WINDOW matches (the chat and sender, which are
 * scope tokens in :fts, and the dates' pk range); `kept`, what is checked on them after (the
 * exact times, types, media).
 */
function relevanceFilters(f: MessageFilterShape): { window: string; kept: string } {
  const all = filterSql(f);
  const inWindow = (c: string) => c.startsWith("m.pk") || c.startsWith("m.chat_key") || c.startsWith("m.sender_key");
  const and = (w: string[]) => (w.length ? w.join(" AND ") : "1");
  return { window: and(all.filter(inWindow)), kept: and(all.filter((c) => !inWindow(c))) };
}

/**
 * The index's part of a relevance window over a long queue (fts_relevance.ts): its newest
 * RELEVANCE_WINDOW matches of :fts as `searchRelevanceSql` chooses them, newest first, each with
 * its matchinfo, current text and file name, and whether the other filters keep it.
 */
export function relevanceIndexedSql(f: MessageFilterShape): string {
  const inner = ["messages_fts MATCH :fts"];
  if (f.after) inner.push("docid >= :afterPk");
  if (f.before) inner.push("docid < :beforePk");
  const w = filterSql(f).filter((c) => !c.startsWith("m.pk"));
  return `SELECT win.docid, win.mi, coalesce(m.edited_text, m.text), m.media_file_name, (${w.length ? w.join(" AND ") : "1"})
FROM (SELECT docid, matchinfo(messages_fts, 'pcnax') AS mi FROM messages_fts
      WHERE ${inner.join(" AND ")} ORDER BY docid DESC LIMIT ${RELEVANCE_WINDOW}) win
CROSS JOIN messages m ON m.pk = win.docid
ORDER BY win.docid DESC`;
}

/**
 * The queued messages a relevance search over a long queue reads (fts_relevance.ts), newest
 * first: every one the prefilter keeps, whatever the filters (a phrase's rows with hits count
 * over the whole table), with pk, current text, file name, whether it is in the window's range
 * (chat, sender, dates' pk range), whether the other filters keep it, and whether it is queued:
 * 1; with `scan`, the messages from the oldest queued one on are walked, as in `queuedSearchSql`,
 * and the indexed ones among them are the index's, so null: not known (looking each row up in
 * the queue cost a third of the walk; fts_relevance.ts looks up the few rows with a hit).
 */
export function relevanceQueuedSql(f: MessageFilterShape, opts: { scan: boolean; prefilter: string | null }): string {
  const { window, kept } = relevanceFilters(f);
  const w = ["m.revoked = 0"];
  if (opts.prefilter) w.push(opts.prefilter);
  const cols = `m.pk, ${QUEUED_TEXTS}, (${window}), (${kept})`;
  if (opts.scan) {
    return `SELECT ${cols}, NULL
FROM messages m
WHERE m.pk >= (SELECT min(docid) FROM fts_pending) AND ${w.join(" AND ")}
ORDER BY m.pk DESC`;
  }
  return `SELECT ${cols}, 1
FROM fts_pending p CROSS JOIN messages m ON m.pk = p.docid
WHERE ${w.join(" AND ")}
ORDER BY p.docid DESC`;
}

/** Chat columns with the display-name fallback to the person's names. */
const CHAT_COLUMNS = `c.jid, c.kind, coalesce(c.name, p.saved_name, p.push_name, p.business_name) AS name,
  c.last_message_at, c.archived, c.pinned, c.muted_until, c.unread_count, c.description, c.read_at, c.marked_unread,
  coalesce(c.search_key, p.name_key) AS sort_name`;

function chatOrder(order: ChatOrder, t: "c" | "page"): string {
  const sortName = t === "c" ? "sort_name" : "page.sort_name"; // inside the CTE: the result alias
  return order === "name" ? `(${sortName} IS NULL), ${sortName}, ${t}.jid` : `${t}.last_message_at DESC, ${t}.jid`;
}

/**
 * A page of chats (`where` over aliases c = chats, p = the chat's person), with the last message
 * of each chat joined after paging (so only the page's chats are looked at).
 */
export function chatPageSql(where: string, order: ChatOrder, withLast: boolean): string {
  const page = `WITH page AS (
  SELECT ${CHAT_COLUMNS}
  FROM chats c LEFT JOIN people p ON p.id = c.jid
  WHERE ${where}
  ORDER BY ${chatOrder(order, "c")}
  LIMIT :limit OFFSET :offset)`;
  if (!withLast) return `${page}\nSELECT page.*, NULL AS lm_id FROM page ORDER BY ${chatOrder(order, "page")}`;
  // The table, not the view: a view that is a join is not flattened into the right side of a LEFT JOIN.
  return `${page}
SELECT page.*, ${messageColumns("lm", "lm_", { chat: "lmc.jid", sender: "lms.jid" }, true)}
FROM page
  LEFT JOIN message_rows lm ON lm.pk = (SELECT m2.pk FROM message_rows m2 WHERE m2.chat = ${KEY("page.jid")} ORDER BY m2.pk DESC LIMIT 1)
  LEFT JOIN jids lmc ON lmc.key = lm.chat
  LEFT JOIN jids lms ON lms.key = lm.sender
ORDER BY ${chatOrder(order, "page")}`;
}

/** Filter of list_chats: name (folded), person names/phone, or JID substring. */
export const CHAT_QUERY_WHERE =
  "(c.search_key LIKE :pat ESCAPE '\\' OR p.search_key LIKE :pat ESCAPE '\\' OR c.jid LIKE :raw ESCAPE '\\')";

/** Chats with unread messages, or marked as unread. */
export const UNREAD_WHERE = "(c.unread_count > 0 OR c.marked_unread = 1)";

/** The WHERE of list_chats: the name filter and/or the unread filter, else `all`. */
export function chatWhere(byText: boolean, unreadOnly: boolean, all: string): string {
  const w = [byText ? CHAT_QUERY_WHERE : null, unreadOnly ? UNREAD_WHERE : null].filter((x): x is string => x !== null);
  return w.length ? w.join(" AND ") : all;
}

/** Chats a person takes part in: the 1:1 chat, groups listing them, chats where they wrote. */
export const CONTACT_CHATS_WHERE = `(c.jid = :person
  OR c.jid IN (SELECT group_jid FROM participants WHERE person_id = :person)
  OR c.jid IN (SELECT j.jid FROM jids j WHERE j.key IN (SELECT chat FROM message_rows WHERE sender = ${KEY(":person")})))`;

/**
 * Contact search: people (never groups) by folded names, phone digits, chat name or JID. The
 * reference the contact index (contact_index.ts) answers like, without the scan; tests compare them.
 */
export const SEARCH_CONTACTS = `SELECT p.id, p.pn_jid, p.lid, p.push_name, p.saved_name, p.business_name
FROM people p LEFT JOIN chats c ON c.jid = p.id
WHERE p.search_key LIKE :pat ESCAPE '\\' OR c.search_key LIKE :pat ESCAPE '\\'
   OR p.id LIKE :raw ESCAPE '\\' OR p.lid LIKE :raw ESCAPE '\\'
   OR (:digits <> '' AND p.search_key LIKE :digits ESCAPE '\\')
ORDER BY (coalesce(p.name_key, c.search_key) IS NULL), coalesce(p.name_key, c.search_key), p.id
LIMIT :limit`;

/** Every person with the keys SEARCH_CONTACTS compares, in its order (the contact index's list). */
export const CONTACT_LIST = `SELECT p.id, p.pn_jid, p.lid, p.push_name, p.saved_name, p.business_name,
  p.search_key AS person_key, c.search_key AS chat_key
FROM people p LEFT JOIN chats c ON c.jid = p.id
ORDER BY (coalesce(p.name_key, c.search_key) IS NULL), coalesce(p.name_key, c.search_key), p.id`;

/** A person by any of its keys. */
export const PERSON_BY_ANY = `SELECT id, pn_jid, lid, push_name, saved_name, business_name FROM people
WHERE id = :jid OR pn_jid = :jid OR lid = :jid LIMIT 1`;

/** Participants of a group with names. */
export const GROUP_PARTICIPANTS = `SELECT pa.group_jid, pa.person_id, pa.admin,
  coalesce(p.saved_name, p.push_name, p.business_name) AS name, p.pn_jid
FROM participants pa LEFT JOIN people p ON p.id = pa.person_id
WHERE pa.group_jid = :jid
ORDER BY (pa.admin IS NULL), (p.name_key IS NULL), p.name_key, pa.person_id`;

/** Counters for the status page (counts; oldest/newest through the time-ordered pk). */
export const STATS = `SELECT (SELECT count(*) FROM message_rows) AS messages, (SELECT count(*) FROM chats) AS chats,
  (SELECT count(*) FROM people) AS people,
  (SELECT ts FROM message_rows ORDER BY pk ASC LIMIT 1) AS oldest, (SELECT ts FROM message_rows ORDER BY pk DESC LIMIT 1) AS newest,
  (SELECT count(*) FROM refused_changes) AS refused`;

/** Chats holding a message id, the newest such message's first (the (id, chat_jid) key's index). */
export const FIND_MESSAGE_CHATS = `SELECT chat_jid FROM messages WHERE id_key = ${idKey(":id")} ORDER BY pk DESC LIMIT :limit`;

/** Receipts of one message. */
export const RECEIPTS = `SELECT chat_jid, message_id, person_id, type, ts FROM receipts
WHERE chat_jid = :chat AND message_id = :id ORDER BY ts, person_id, type`;

/** The live feed after a seq, oldest first (optionally of one chat). */
export const LIVE_EVENTS_SQL = (byChat: boolean): string =>
  `SELECT seq, kind, chat_jid, message_id, at FROM live_events
WHERE seq > :after${byChat ? " AND chat_jid = :chat" : ""} ORDER BY seq LIMIT :limit`;

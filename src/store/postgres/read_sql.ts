/**
 * The PostgreSQL text of the read queries: the same shapes and column aliases as the SQLite
 * store (`../sqljs/read_sql.ts`), one statement per list, `:name` parameters. Pure strings.
 */
import type { ChatOrder, MessageFilterShape } from "../query_params.ts";

/** The columns of a message view (`m` messages, `sp` sender person). */
export function messageColumns(m: string, sp: string, chatName: string, prefix = ""): string {
  const p = prefix;
  const cols = [
    "pk", "chat_jid", "id", "sender_id", "from_me", "ts", "type", "text", "quoted_id", "edited_text", "edited_at", "revoked", "revoked_by",
    "view_once", "status", "has_media", "media_mimetype", "media_file_name", "media_file_length", "media_duration_sec",
    "media_direct_path", "media_url", "media_key", "media_file_sha256", "media_file_enc_sha256", "media_key_ts",
  ].map((c) => `${m}.${c} AS ${p}${c}`);
  return [
    ...cols,
    `coalesce(${sp}.saved_name, ${sp}.push_name, ${sp}.business_name) AS ${p}sender_name`,
    `${sp}.pn_jid AS ${p}sender_pn`,
    `(SELECT coalesce(rp.saved_name, rp.push_name, rp.business_name) FROM people rp WHERE rp.id = ${m}.revoked_by) AS ${p}revoked_by_name`,
    `${chatName} AS ${p}chat_name`,
    `(SELECT coalesce(json_agg(json_build_array(r.reactor_id, r.emoji) ORDER BY r.ts, r.reactor_id COLLATE "C"), '[]'::json)
       FROM reactions r WHERE r.chat_jid = ${m}.chat_jid AND r.message_id = ${m}.id) AS ${p}reactions`,
  ].join(",\n  ");
}

const JOINS = `LEFT JOIN people sp ON sp.id = m.sender_id
  LEFT JOIN chats c ON c.jid = m.chat_jid
  LEFT JOIN people cp ON cp.id = m.chat_jid`;
const CHAT_NAME = "coalesce(c.name, cp.saved_name, cp.push_name, cp.business_name)";
const MESSAGE_VIEW = `SELECT ${messageColumns("m", "sp", CHAT_NAME)}\nFROM messages m\n  ${JOINS}`;

/** One message by chat and id. */
export const GET_MESSAGE = `${MESSAGE_VIEW}\nWHERE m.chat_jid = :chat AND m.id = :id`;

/** Messages before one in a chat, newest first. */
export const CONTEXT_BEFORE = `${MESSAGE_VIEW}\nWHERE m.chat_jid = :chat AND m.pk < :pk::bigint ORDER BY m.pk DESC LIMIT :n::int`;

/** Messages after one in a chat, oldest first. */
export const CONTEXT_AFTER = `${MESSAGE_VIEW}\nWHERE m.chat_jid = :chat AND m.pk > :pk::bigint ORDER BY m.pk ASC LIMIT :n::int`;

/** The newest message in a person's 1:1 chat or sent by them anywhere. */
export const LAST_INTERACTION = `${MESSAGE_VIEW}
WHERE m.pk IN (
  (SELECT pk FROM messages WHERE chat_jid = :person ORDER BY pk DESC LIMIT 1),
  (SELECT pk FROM messages WHERE sender_id = :person ORDER BY pk DESC LIMIT 1))
ORDER BY m.pk DESC LIMIT 1`;

function filterSql(f: MessageFilterShape): string[] {
  const w: string[] = [];
  if (f.chat) w.push("m.chat_jid = :chat");
  if (f.sender) w.push("m.sender_id = :sender");
  if (f.after) w.push("m.pk >= :afterPk::bigint", "m.ts >= :after::bigint");
  if (f.before) w.push("m.pk < :beforePk::bigint", "m.ts < :before::bigint");
  if (f.types) w.push("m.type = ANY(:types::text[])");
  if (f.hasMedia) w.push("m.has_media = :hasMedia::boolean");
  return w;
}

/** How the text search takes part in a message list. */
export type SearchMode = "none" | "match" | "exclude";

/** Newest-first (or oldest-first) list, optionally restricted to (or excluding) full-text matches of :q. */
export function listMessagesSql(f: MessageFilterShape, opts: { keyset: boolean; search: SearchMode; oldest?: boolean }): string {
  const w = filterSql(f);
  if (opts.keyset) w.push(opts.oldest ? "m.pk > :cpk::bigint" : "m.pk < :cpk::bigint");
  if (opts.search === "match") w.push("m.search @@ :q::tsquery");
  if (opts.search === "exclude") w.push("NOT coalesce(m.search @@ :q::tsquery, FALSE)");
  return `${MESSAGE_VIEW}
WHERE ${w.length ? w.join(" AND ") : "TRUE"}
ORDER BY m.pk ${opts.oldest ? "ASC" : "DESC"} LIMIT :limit::int OFFSET :offset::int`;
}

/** Relevance-ordered search (ts_rank). */
export function searchRelevanceSql(f: MessageFilterShape): string {
  const w = ["m.search @@ :q::tsquery", ...filterSql(f)];
  return `WITH hits AS (
  SELECT m.pk, ts_rank(m.search, :q::tsquery) AS rank FROM messages m
  WHERE ${w.join(" AND ")}
  ORDER BY rank DESC, m.pk DESC LIMIT :limit::int OFFSET :offset::int)
SELECT ${messageColumns("m", "sp", CHAT_NAME)}, hits.rank AS rank
FROM hits JOIN messages m ON m.pk = hits.pk
  ${JOINS}
ORDER BY hits.rank DESC, m.pk DESC`;
}

const CHAT_COLUMNS = `c.jid, c.kind, coalesce(c.name, p.saved_name, p.push_name, p.business_name) AS name,
  c.last_message_at, c.archived, c.pinned, c.muted_until, c.unread_count, c.description,
  coalesce(c.search_key, p.name_key) AS sort_name`;

function chatOrder(order: ChatOrder, t: "c" | "page"): string {
  // Inside the CTE the sort name is an expression (PostgreSQL allows output aliases only bare).
  const sortName = t === "c" ? "coalesce(c.search_key, p.name_key)" : "page.sort_name";
  return order === "name"
    ? `(${sortName} IS NULL), ${sortName} COLLATE "C", ${t}.jid COLLATE "C"`
    : `${t}.last_message_at DESC NULLS LAST, ${t}.jid COLLATE "C"`;
}

/** A page of chats with (optionally) each one's last message. */
export function chatPageSql(where: string, order: ChatOrder, withLast: boolean): string {
  const page = `WITH page AS (
  SELECT ${CHAT_COLUMNS}
  FROM chats c LEFT JOIN people p ON p.id = c.jid
  WHERE ${where}
  ORDER BY ${chatOrder(order, "c")}
  LIMIT :limit::int OFFSET :offset::int)`;
  if (!withLast) return `${page}\nSELECT page.*, NULL AS lm_id FROM page ORDER BY ${chatOrder(order, "page")}`;
  return `${page}
SELECT page.*, ${messageColumns("lm", "lsp", "page.name", "lm_")}
FROM page
  LEFT JOIN LATERAL (SELECT * FROM messages m2 WHERE m2.chat_jid = page.jid ORDER BY m2.pk DESC LIMIT 1) lm ON TRUE
  LEFT JOIN people lsp ON lsp.id = lm.sender_id
ORDER BY ${chatOrder(order, "page")}`;
}

/** Filter of list_chats. */
export const CHAT_QUERY_WHERE =
  "(c.search_key LIKE :pat ESCAPE '\\' OR p.search_key LIKE :pat ESCAPE '\\' OR c.jid LIKE :raw ESCAPE '\\')";

/** Chats a person takes part in. */
export const CONTACT_CHATS_WHERE = `(c.jid = :person
  OR c.jid IN (SELECT group_jid FROM participants WHERE person_id = :person)
  OR c.jid IN (SELECT DISTINCT chat_jid FROM messages WHERE sender_id = :person))`;

/** Contact search. */
export const SEARCH_CONTACTS = `SELECT p.id, p.pn_jid, p.lid, p.push_name, p.saved_name, p.business_name
FROM people p LEFT JOIN chats c ON c.jid = p.id
WHERE p.search_key LIKE :pat ESCAPE '\\' OR c.search_key LIKE :pat ESCAPE '\\'
   OR p.id LIKE :raw ESCAPE '\\' OR p.lid LIKE :raw ESCAPE '\\'
   OR (:digits <> '' AND p.search_key LIKE :digits ESCAPE '\\')
ORDER BY (coalesce(p.name_key, c.search_key) IS NULL), coalesce(p.name_key, c.search_key) COLLATE "C", p.id COLLATE "C"
LIMIT :limit::int`;

/** A person by any of its keys. */
export const PERSON_BY_ANY = `SELECT id, pn_jid, lid, push_name, saved_name, business_name FROM people
WHERE id = :jid OR pn_jid = :jid OR lid = :jid LIMIT 1`;

/** Participants of a group with names. */
export const GROUP_PARTICIPANTS = `SELECT pa.group_jid, pa.person_id, pa.admin,
  coalesce(p.saved_name, p.push_name, p.business_name) AS name, p.pn_jid
FROM participants pa LEFT JOIN people p ON p.id = pa.person_id
WHERE pa.group_jid = :jid
ORDER BY (pa.admin IS NULL), (p.name_key IS NULL), p.name_key COLLATE "C", pa.person_id COLLATE "C"`;

/** Counters. */
export const STATS = `SELECT (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM chats) AS chats,
  (SELECT count(*) FROM people) AS people,
  (SELECT ts FROM messages ORDER BY pk ASC LIMIT 1) AS oldest, (SELECT ts FROM messages ORDER BY pk DESC LIMIT 1) AS newest,
  pg_database_size(current_database()) AS size, (SELECT count(*) FROM refused_changes) AS refused`;

/** Chats holding a message id, the newest such message's first (index messages_by_id). */
export const FIND_MESSAGE_CHATS = `SELECT chat_jid FROM messages WHERE id = :id ORDER BY pk DESC LIMIT :limit::int`;

/** Receipts of one message. */
export const RECEIPTS = `SELECT chat_jid, message_id, person_id, type, ts FROM receipts
WHERE chat_jid = :chat AND message_id = :id ORDER BY ts, person_id COLLATE "C", type COLLATE "C"`;

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

/**
 * The neighbours of many messages in one statement (list_messages' hits, which the caller has):
 * :chats and :ids are parallel arrays (a chat JID normalized, a message id; a LID's chat is its
 * owner's, as `canonical` has it, looked up here rather than in one round trip per hit); each row is one neighbour: ctx_i (the pair's index), ctx_side (0
 * before, 2 after), in time order within a side. Only a hit's pk is read; each side is
 * CONTEXT_BEFORE / CONTEXT_AFTER as a lateral join on the (chat_jid, pk) index.
 */
export const NEIGHBOURS = `WITH refs AS (
  SELECT r.ord, r.id, CASE WHEN right(r.chat, 4) = '@lid' THEN coalesce((SELECT p.id FROM people p WHERE p.lid = r.chat), r.chat)
    ELSE r.chat END AS chat
  FROM unnest(:chats::text[], :ids::text[]) WITH ORDINALITY AS r(chat, id, ord)),
hits AS (
  SELECT (refs.ord - 1)::int AS i, m.chat_jid AS chat, m.pk AS pk
  FROM refs JOIN messages m ON m.chat_jid = refs.chat AND m.id = refs.id),
ctx AS (
  SELECT hits.i, 0 AS side, b.pk FROM hits CROSS JOIN LATERAL (
    SELECT x.pk FROM messages x WHERE x.chat_jid = hits.chat AND x.pk < hits.pk ORDER BY x.pk DESC LIMIT :nb::int) b
  UNION ALL
  SELECT hits.i, 2, a.pk FROM hits CROSS JOIN LATERAL (
    SELECT x.pk FROM messages x WHERE x.chat_jid = hits.chat AND x.pk > hits.pk ORDER BY x.pk ASC LIMIT :na::int) a)
SELECT ctx.i AS ctx_i, ctx.side AS ctx_side, ${messageColumns("m", "sp", CHAT_NAME)}
FROM ctx JOIN messages m ON m.pk = ctx.pk
  ${JOINS}
ORDER BY ctx.i, ctx.side, m.pk`;

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

/**
 * Messages a search looks at first (the `:window` parameter): the newest (or oldest) this many
 * of the filtered list. A word in more than about one message in 200 fills a page from them;
 * rarer ones are found through the full-text index instead.
 */
export const RECENT_WINDOW = 4000;

/**
 * How many times `:window` messages the second, longer scan in order looks at (see listMessagesSql).
 */
export const LONG_WINDOW_FACTOR = 4;

/**
 * Newest-first (or oldest-first) list, optionally restricted to (or excluding) full-text matches
 * of :q. The page's pks are chosen first and only those rows are joined (names, reactions).
 *
 * A match is found one of three ways in one statement, whichever the words need: scanning the
 * newest `:window` filtered messages in order (common words: the page fills quickly); when that
 * window found at least half a page, the newest LONG_WINDOW_FACTOR times as many in order
 * (words in about one message in 200 to 800, e.g. a phrase of common words: the index would
 * hand over thousands of candidates scattered over the table, each a heap page read and
 * recheck); else all matches through the full-text index, sorted (rare words: few matches).
 * Each way alone gives the exact page; one-time filters run exactly one of them, so no plan
 * has to guess a word's frequency. Each window is scanned once: the longer scan goes on after
 * the first window's last message (its matches there are already in hand), and a window's size
 * is counted from the rows its scan read (at 1M messages, EXPLAIN ANALYZE: a phrase of common
 * words 5.3 → 4.2 ms, a rare word 4.4–5.1 → 3.2–3.5 ms; before, the longer scan read the first
 * window again and each size was a second scan of the index).
 */
export function listMessagesSql(f: MessageFilterShape, opts: { keyset: boolean; search: SearchMode; oldest?: boolean }): string {
  const w = filterSql(f);
  if (opts.keyset) w.push(opts.oldest ? "m.pk > :cpk::bigint" : "m.pk < :cpk::bigint");
  const dir = opts.oldest ? "ASC" : "DESC";
  const page = `LIMIT :limit::int OFFSET :offset::int`;
  const where = (extra: string[]) => (w.length + extra.length ? [...w, ...extra].join(" AND ") : "TRUE");
  let pick: string;
  if (opts.search === "match") {
    const need = "(:offset::int + :limit::int)";
    const short = ":window::int";
    const long = `(:window::int * ${LONG_WINDOW_FACTOR - 1})`;
    // The next `n` filtered messages in order, each with whether it matches. Read as far as the
    // CTEs below pull (a materialized CTE runs on demand, every reader sees its rows in the
    // order made): the matches up to the page, and only when those do not fill it, the rest of
    // the window (its size and last pk), already scanned by then.
    const window = (n: string, extra: string[]) =>
      `SELECT m.pk, coalesce(m.search @@ :q::tsquery, FALSE) AS hit FROM messages m WHERE ${where(extra)} ORDER BY m.pk ${dir} LIMIT ${n}`;
    const after = `m.pk ${opts.oldest ? ">" : "<"} (SELECT last FROM span)`;
    // Each scan stops as soon as the page is full; the longer one goes on where the first ended.
    pick = `w1 AS MATERIALIZED (${window(short, [])}),
quick AS MATERIALIZED (SELECT pk FROM w1 WHERE hit LIMIT ${need}),
span AS MATERIALIZED (SELECT count(*) AS n, ${opts.oldest ? "max" : "min"}(pk) AS last FROM w1),
done AS MATERIALIZED (
  SELECT (SELECT count(*) FROM quick) >= ${need} OR (SELECT n FROM span) < ${short} AS yes),
go AS MATERIALIZED (
  SELECT NOT (SELECT yes FROM done) AND greatest((SELECT count(*) FROM quick) - :offset::int, 0) * 2 >= :limit::int AS yes),
w2 AS MATERIALIZED (${window(long, [after])}),
longer AS MATERIALIZED (
  SELECT pk FROM w2 WHERE (SELECT yes FROM go) AND hit LIMIT greatest(${need} - (SELECT count(*) FROM quick), 0)),
done2 AS MATERIALIZED (
  SELECT (SELECT yes FROM done) OR ((SELECT yes FROM go)
    AND ((SELECT count(*) FROM quick) + (SELECT count(*) FROM longer) >= ${need} OR (SELECT count(*) FROM w2) < ${long})) AS yes),
page AS (
  (SELECT h.pk FROM (SELECT pk FROM quick UNION ALL SELECT pk FROM longer) h
   WHERE (SELECT yes FROM done2) ORDER BY h.pk ${dir} ${page})
  UNION ALL
  (SELECT s.pk FROM (SELECT m.pk FROM messages m WHERE ${where(["m.search @@ :q::tsquery"])} OFFSET 0) s
   WHERE NOT (SELECT yes FROM done2) ORDER BY s.pk ${dir} ${page}))`;
  } else {
    const extra = opts.search === "exclude" ? ["NOT coalesce(m.search @@ :q::tsquery, FALSE)"] : [];
    pick = `page AS MATERIALIZED (
  SELECT m.pk FROM messages m WHERE ${where(extra)} ORDER BY m.pk ${dir} ${page})`;
  }
  return `WITH ${pick}
SELECT ${messageColumns("m", "sp", CHAT_NAME)}
FROM page JOIN messages m ON m.pk = page.pk
  ${JOINS}
ORDER BY m.pk ${dir}`;
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
  c.last_message_at, c.archived, c.pinned, c.muted_until, c.unread_count, c.description, c.read_at, c.marked_unread,
  coalesce(c.search_key, p.name_key) AS sort_name`;

function chatOrder(order: ChatOrder, t: "c" | "page"): string {
  // Inside the CTE the sort name is an expression (PostgreSQL allows output aliases only bare).
  const sortName = t === "c" ? "coalesce(c.search_key, p.name_key)" : "page.sort_name";
  return order === "name"
    ? `(${sortName} IS NULL), ${sortName} COLLATE "C", ${t}.jid COLLATE "C"`
    : `${t}.last_message_at DESC NULLS LAST, ${t}.jid COLLATE "C"`;
}

/**
 * A page of chats with (optionally) each one's last message. By last activity, with a filter on
 * the chat alone, the page is cut from the chats before their names are joined: chats has no
 * index on the last activity (migration 0014), and the join adds nothing to sort by (one person
 * row at most per chat, so the same rows in the same order).
 */
export function chatPageSql(where: string, order: ChatOrder, withLast: boolean): string {
  const chatsOnly = order === "last_active" && !/\bp\./.test(where);
  const page = chatsOnly
    ? `WITH page AS (
  SELECT ${CHAT_COLUMNS}
  FROM (SELECT * FROM chats c WHERE ${where} ORDER BY ${chatOrder(order, "c")} LIMIT :limit::int OFFSET :offset::int) c
    LEFT JOIN people p ON p.id = c.jid
  ORDER BY ${chatOrder(order, "c")})`
    : `WITH page AS (
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

/** Chats with unread messages, or marked as unread. */
export const UNREAD_WHERE = "(c.unread_count > 0 OR c.marked_unread)";

/** The WHERE of list_chats: the name filter and/or the unread filter, else `all`. */
export function chatWhere(byText: boolean, unreadOnly: boolean, all: string): string {
  const w = [byText ? CHAT_QUERY_WHERE : null, unreadOnly ? UNREAD_WHERE : null].filter((x): x is string => x !== null);
  return w.length ? w.join(" AND ") : all;
}

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

/** The version of what SEARCH_CONTACTS reads (migration 0016). */
export const CONTACTS_VERSION = "SELECT version FROM contacts_version";

/**
 * Every person with the keys SEARCH_CONTACTS compares, in its order, and the version they are at
 * (one statement: one snapshot; one row with no person when there is none). `LIMIT 1`: the
 * planner has no statistics of the one-row table and guessed 1,810 rows, hence 18M result rows,
 * and JIT-compiled the statement (300 ms instead of 30 ms at 10k people).
 */
export const CONTACT_LIST = `SELECT v.version, l.* FROM (SELECT version FROM contacts_version LIMIT 1) v LEFT JOIN LATERAL (
  SELECT p.id, p.pn_jid, p.lid, p.push_name, p.saved_name, p.business_name, p.name_key,
    p.search_key AS person_key, c.search_key AS chat_key
  FROM people p LEFT JOIN chats c ON c.jid = p.id) l ON TRUE
ORDER BY (coalesce(l.name_key, l.chat_key) IS NULL), coalesce(l.name_key, l.chat_key) COLLATE "C", l.id COLLATE "C"`;

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

/** The live feed after a seq, oldest first (optionally of one chat). */
export const LIVE_EVENTS_SQL = (byChat: boolean): string =>
  `SELECT seq, kind, chat_jid, message_id, at FROM live_events
WHERE seq > :after::bigint${byChat ? " AND chat_jid = :chat" : ""} ORDER BY seq LIMIT :limit::int`;

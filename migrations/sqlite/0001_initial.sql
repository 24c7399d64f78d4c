-- 0001 (SQLite / sql.js): the initial schema.
-- Instants are INTEGER milliseconds since the Unix epoch, UTC; booleans are 0/1.
-- The functions wa_search_body, wa_search_scope and wa_bm25 are registered by the program
-- (src/store/sqljs/functions.ts) on every connection before this runs.

-- Conversations. search_key: the name folded (lowercase, no accents) for substring search.
CREATE TABLE chats (
  jid             TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('person', 'group', 'broadcast', 'newsletter')),
  name            TEXT,
  search_key      TEXT,
  last_message_at INTEGER,
  archived        INTEGER,
  pinned          INTEGER,
  muted_until     INTEGER,
  unread_count    INTEGER,
  description     TEXT
);
CREATE INDEX chats_by_last_message ON chats (last_message_at);

-- One row per person. id is the canonical JID: the phone-number JID when known, else the LID.
-- search_key: all names and the phone digits, folded; name_key: the display name, folded (sorting).
CREATE TABLE people (
  id            TEXT PRIMARY KEY,
  pn_jid        TEXT UNIQUE,
  lid           TEXT UNIQUE,
  push_name     TEXT,
  saved_name    TEXT,
  business_name TEXT,
  search_key    TEXT,
  name_key      TEXT
);

CREATE TABLE participants (
  group_jid TEXT NOT NULL,
  person_id TEXT NOT NULL,
  admin     TEXT CHECK (admin IN ('admin', 'superadmin')),
  PRIMARY KEY (group_jid, person_id)
) WITHOUT ROWID;
CREATE INDEX participants_by_person ON participants (person_id);

-- Messages. The key is (chat_jid, id): ids are unique only per chat.
-- pk is a time-ordered integer, ts * 1024 + a slot for messages sharing a millisecond (in
-- arrival order): THE order of messages everywhere (lists, context, cursors), the full-text
-- index's docid, and stable for the row's life. Ranges of pk are ranges of time.
CREATE TABLE messages (
  pk                    INTEGER PRIMARY KEY,
  chat_jid              TEXT NOT NULL,
  id                    TEXT NOT NULL,
  sender_id             TEXT,
  from_me               INTEGER NOT NULL DEFAULT 0,
  ts                    INTEGER NOT NULL,
  type                  TEXT NOT NULL,
  text                  TEXT,
  quoted_id             TEXT,
  edited_text           TEXT,
  edited_at             INTEGER,
  revoked               INTEGER NOT NULL DEFAULT 0,
  view_once             INTEGER NOT NULL DEFAULT 0,
  status                INTEGER,
  has_media             INTEGER NOT NULL DEFAULT 0,
  media_mimetype        TEXT,
  media_file_name       TEXT,
  media_file_length     INTEGER,
  media_duration_sec    INTEGER,
  media_direct_path     TEXT,
  media_url             TEXT,
  media_key             BLOB,
  media_file_sha256     BLOB,
  media_file_enc_sha256 BLOB,
  media_key_ts          INTEGER,
  raw                   BLOB,
  UNIQUE (chat_jid, id)
);
-- An index ends with the rowid (pk) implicitly: these are (chat_jid, pk) and (sender_id, pk),
-- the time order within a chat / a sender. The table itself is in time order.
CREATE INDEX messages_by_chat ON messages (chat_jid);
CREATE INDEX messages_by_sender ON messages (sender_id);

CREATE TABLE reactions (
  chat_jid   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  reactor_id TEXT NOT NULL,
  emoji      TEXT NOT NULL,
  ts         INTEGER NOT NULL,
  PRIMARY KEY (chat_jid, message_id, reactor_id)
) WITHOUT ROWID;
CREATE INDEX reactions_by_reactor ON reactions (reactor_id);

CREATE TABLE receipts (
  chat_jid   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  person_id  TEXT NOT NULL,
  type       TEXT NOT NULL CHECK (type IN ('delivered', 'read', 'played')),
  ts         INTEGER NOT NULL,
  PRIMARY KEY (chat_jid, message_id, person_id, type)
) WITHOUT ROWID;
CREATE INDEX receipts_by_person ON receipts (person_id);

-- The WhatsApp session (Baileys creds and signal keys), values are JSON text.
CREATE TABLE auth (
  category TEXT NOT NULL,
  id       TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (category, id)
) WITHOUT ROWID;

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Full-text search: an FTS4 index over the messages (external content: the view below), so
-- the text is stored once. body: the message's searchable tokens (text or edit, document
-- name; nothing when revoked); scope: tokens naming its chat and sender, so a search in one
-- chat intersects posting lists instead of scanning. Both columns are computed by the same
-- functions on insert and when FTS4 reads old values back to delete them; a message with no
-- searchable text has no row in the index, and the view gives it an empty scope too (so the
-- FTS4 integrity check, which compares the index with the view, agrees).
CREATE VIEW messages_search (rowid, body, scope) AS
  SELECT pk,
         wa_search_body(text, edited_text, media_file_name, revoked),
         wa_search_scope(chat_jid, sender_id, text, edited_text, media_file_name, revoked)
  FROM messages;

-- order=DESC: posting lists are stored newest first, so "newest matches first" (every search)
-- reads them incrementally and stops at the page size, even for a word in half the messages.
-- (FTS4 options take no spaces around "=".)
CREATE VIRTUAL TABLE messages_fts USING fts4 (
  content="messages_search",
  body,
  scope,
  order=DESC,
  tokenize=unicode61 "remove_diacritics=2" "tokenchars=_"
);

-- Kept in sync: a new message is indexed by the program as it inserts it (src/store/sqljs/apply.ts,
-- with the same functions' values: one tokenization, no trigger round trips on the hot path);
-- every later change (edits, revokes, deletes, LID merges, re-upserts) by these triggers.
CREATE TRIGGER messages_fts_before_update
BEFORE UPDATE OF text, edited_text, media_file_name, revoked, chat_jid, sender_id ON messages
WHEN (old.text IS NOT new.text OR old.edited_text IS NOT new.edited_text
      OR old.media_file_name IS NOT new.media_file_name OR old.revoked IS NOT new.revoked
      OR old.chat_jid IS NOT new.chat_jid OR old.sender_id IS NOT new.sender_id)
  AND wa_search_body(old.text, old.edited_text, old.media_file_name, old.revoked) <> ''
BEGIN
  DELETE FROM messages_fts WHERE docid = old.pk;
END;

CREATE TRIGGER messages_fts_after_update
AFTER UPDATE OF text, edited_text, media_file_name, revoked, chat_jid, sender_id ON messages
WHEN (old.text IS NOT new.text OR old.edited_text IS NOT new.edited_text
      OR old.media_file_name IS NOT new.media_file_name OR old.revoked IS NOT new.revoked
      OR old.chat_jid IS NOT new.chat_jid OR old.sender_id IS NOT new.sender_id)
  AND wa_search_body(new.text, new.edited_text, new.media_file_name, new.revoked) <> ''
BEGIN
  INSERT INTO messages_fts (docid, body, scope)
  VALUES (new.pk,
          wa_search_body(new.text, new.edited_text, new.media_file_name, new.revoked),
          wa_search_scope(new.chat_jid, new.sender_id, new.text, new.edited_text, new.media_file_name, new.revoked));
END;

CREATE TRIGGER messages_fts_before_delete BEFORE DELETE ON messages
WHEN wa_search_body(old.text, old.edited_text, old.media_file_name, old.revoked) <> ''
BEGIN
  DELETE FROM messages_fts WHERE docid = old.pk;
END;

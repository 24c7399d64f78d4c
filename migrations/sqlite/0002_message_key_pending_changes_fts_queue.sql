-- 0002 (SQLite / sql.js):
-- 1. The messages key becomes UNIQUE (id, chat_jid) instead of (chat_jid, id): the same
--    constraint (upserts still name ON CONFLICT (chat_jid, id)), but its index now also finds a
--    message by id alone (find_message_chats) without a second index to maintain on every
--    insert. SQLite cannot change a table constraint in place: the table is rebuilt (rows, pks
--    and so the full-text index's docids are kept), and its view, indexes and triggers made again.
-- 2. pending_changes: an edit or revoke that arrives before its message (history sync order is
--    not guaranteed) waits here and is applied when the message is stored. One row per message,
--    at most the 10,000 most recent (older ones are dropped: a message that never arrives).
-- 3. The full-text index is filled in the background: a new message is queued in fts_pending
--    (by a trigger, in the same transaction) and indexed later in bulk, before any search reads
--    the index (src/store/sqljs/fts_queue.ts). The content view leaves queued messages out, so
--    the index always equals the view: "indexed" and "queued" never overlap, and FTS4's own
--    integrity check holds at every commit. Changes to a queued message need no index work (it
--    is indexed with its text of that later moment); changes to an indexed one re-index it.

DROP VIEW messages_search;

CREATE TABLE messages_rebuilt (
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
  UNIQUE (id, chat_jid)
);

INSERT INTO messages_rebuilt (pk, chat_jid, id, sender_id, from_me, ts, type, text, quoted_id, edited_text, edited_at,
    revoked, view_once, status, has_media, media_mimetype, media_file_name, media_file_length, media_duration_sec,
    media_direct_path, media_url, media_key, media_file_sha256, media_file_enc_sha256, media_key_ts, raw)
  SELECT pk, chat_jid, id, sender_id, from_me, ts, type, text, quoted_id, edited_text, edited_at,
    revoked, view_once, status, has_media, media_mimetype, media_file_name, media_file_length, media_duration_sec,
    media_direct_path, media_url, media_key, media_file_sha256, media_file_enc_sha256, media_key_ts, raw
  FROM messages ORDER BY pk;

DROP TABLE messages;
ALTER TABLE messages_rebuilt RENAME TO messages;

CREATE INDEX messages_by_chat ON messages (chat_jid);
CREATE INDEX messages_by_sender ON messages (sender_id);

-- Messages queued for the index (docid = messages.pk).
CREATE TABLE fts_pending (docid INTEGER PRIMARY KEY);

CREATE VIEW messages_search (rowid, body, scope) AS
  SELECT pk,
         wa_search_body(text, edited_text, media_file_name, revoked),
         wa_search_scope(chat_jid, sender_id, text, edited_text, media_file_name, revoked)
  FROM messages
  WHERE pk NOT IN (SELECT docid FROM fts_pending);

-- Whether a message may have searchable text is cheap to tell; the exact body is computed when indexing.
CREATE TRIGGER messages_fts_queue AFTER INSERT ON messages
WHEN new.revoked = 0 AND (new.text IS NOT NULL OR new.edited_text IS NOT NULL OR new.media_file_name IS NOT NULL)
BEGIN
  INSERT OR IGNORE INTO fts_pending (docid) VALUES (new.pk);
END;

CREATE TRIGGER messages_fts_before_update
BEFORE UPDATE OF text, edited_text, media_file_name, revoked, chat_jid, sender_id ON messages
WHEN (old.text IS NOT new.text OR old.edited_text IS NOT new.edited_text
      OR old.media_file_name IS NOT new.media_file_name OR old.revoked IS NOT new.revoked
      OR old.chat_jid IS NOT new.chat_jid OR old.sender_id IS NOT new.sender_id)
  AND old.pk NOT IN (SELECT docid FROM fts_pending)
  AND wa_search_body(old.text, old.edited_text, old.media_file_name, old.revoked) <> ''
BEGIN
  DELETE FROM messages_fts WHERE docid = old.pk;
END;

CREATE TRIGGER messages_fts_after_update
AFTER UPDATE OF text, edited_text, media_file_name, revoked, chat_jid, sender_id ON messages
WHEN (old.text IS NOT new.text OR old.edited_text IS NOT new.edited_text
      OR old.media_file_name IS NOT new.media_file_name OR old.revoked IS NOT new.revoked
      OR old.chat_jid IS NOT new.chat_jid OR old.sender_id IS NOT new.sender_id)
  AND new.pk NOT IN (SELECT docid FROM fts_pending)
  AND wa_search_body(new.text, new.edited_text, new.media_file_name, new.revoked) <> ''
BEGIN
  INSERT INTO messages_fts (docid, body, scope)
  VALUES (new.pk,
          wa_search_body(new.text, new.edited_text, new.media_file_name, new.revoked),
          wa_search_scope(new.chat_jid, new.sender_id, new.text, new.edited_text, new.media_file_name, new.revoked));
END;

CREATE TRIGGER messages_fts_before_delete BEFORE DELETE ON messages
WHEN old.pk NOT IN (SELECT docid FROM fts_pending)
  AND wa_search_body(old.text, old.edited_text, old.media_file_name, old.revoked) <> ''
BEGIN
  DELETE FROM messages_fts WHERE docid = old.pk;
END;

CREATE TRIGGER messages_fts_unqueue AFTER DELETE ON messages
WHEN old.pk IN (SELECT docid FROM fts_pending)
BEGIN
  DELETE FROM fts_pending WHERE docid = old.pk;
END;

-- rowid: arrival order (the oldest are dropped first when the table is full).
CREATE TABLE pending_changes (
  chat_jid    TEXT NOT NULL,
  id          TEXT NOT NULL,
  edited_text TEXT,
  edited_at   INTEGER,
  revoked     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (chat_jid, id)
);

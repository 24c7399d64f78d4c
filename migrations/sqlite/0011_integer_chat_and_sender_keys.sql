-- 0011 (SQLite / sql.js): a leaner message row. A message's chat and sender were JID text in the
-- row and in both of its indexes (and the key); they are now small integers, the keys of a
-- dictionary `jids` (one row per JID ever used as a chat or a sender, never deleted), so each
-- message row, its key (id, chat) and its by-chat and by-sender indexes hold 1-3 bytes instead
-- of a ~30-byte JID, and an insert compares integers instead of text.
-- The rows move to the table `message_rows`; `messages` becomes a view with the old columns
-- (the JIDs looked up by key, plus chat_key and sender_key) that every read keeps using. Writes go
-- to the table. Pks (and so the full-text index's docids) are kept; the search view, the queue
-- and the index triggers are made again on the table, with the same values.

DROP VIEW messages_search;

CREATE TABLE jids (
  key INTEGER PRIMARY KEY,
  jid TEXT NOT NULL UNIQUE
);

INSERT INTO jids (jid)
  SELECT chat_jid FROM messages UNION SELECT sender_id FROM messages WHERE sender_id IS NOT NULL ORDER BY 1;

CREATE TABLE message_rows (
  pk                    INTEGER PRIMARY KEY,
  chat                  INTEGER NOT NULL,
  id                    TEXT NOT NULL,
  sender                INTEGER,
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
  revoked_by            TEXT,
  UNIQUE (id, chat)
);

INSERT INTO message_rows (pk, chat, id, sender, from_me, ts, type, text, quoted_id, edited_text, edited_at,
    revoked, view_once, status, has_media, media_mimetype, media_file_name, media_file_length, media_duration_sec,
    media_direct_path, media_url, media_key, media_file_sha256, media_file_enc_sha256, media_key_ts, raw, revoked_by)
  SELECT m.pk, (SELECT key FROM jids WHERE jid = m.chat_jid), m.id, (SELECT key FROM jids WHERE jid = m.sender_id),
    m.from_me, m.ts, m.type, m.text, m.quoted_id, m.edited_text, m.edited_at,
    m.revoked, m.view_once, m.status, m.has_media, m.media_mimetype, m.media_file_name, m.media_file_length, m.media_duration_sec,
    m.media_direct_path, m.media_url, m.media_key, m.media_file_sha256, m.media_file_enc_sha256, m.media_key_ts, m.raw, m.revoked_by
  FROM messages m ORDER BY m.pk;

DROP TABLE messages;

-- An index ends with the rowid (pk): these are (chat, pk) and (sender, pk), time order within a chat / a sender.
CREATE INDEX message_rows_by_chat ON message_rows (chat);
CREATE INDEX message_rows_by_sender ON message_rows (sender);

-- The old columns, in the old order, then the integer keys. Reads filter on chat_key / sender_key
-- (`chat_key = (SELECT key FROM jids WHERE jid = :chat)`: one probe, then the integer index).
-- The JIDs are scalar subqueries on the dictionary's primary key, not LEFT JOINs: they cost
-- nothing when a query uses no JID, and a join made one row's read ~3x slower (147 vs 45 µs).
CREATE VIEW messages AS
  SELECT mr.pk AS pk, (SELECT jid FROM jids WHERE key = mr.chat) AS chat_jid, mr.id AS id,
    (SELECT jid FROM jids WHERE key = mr.sender) AS sender_id, mr.from_me AS from_me, mr.ts AS ts,
    mr.type AS type, mr.text AS text, mr.quoted_id AS quoted_id, mr.edited_text AS edited_text, mr.edited_at AS edited_at,
    mr.revoked AS revoked, mr.view_once AS view_once, mr.status AS status, mr.has_media AS has_media,
    mr.media_mimetype AS media_mimetype, mr.media_file_name AS media_file_name, mr.media_file_length AS media_file_length,
    mr.media_duration_sec AS media_duration_sec, mr.media_direct_path AS media_direct_path, mr.media_url AS media_url,
    mr.media_key AS media_key, mr.media_file_sha256 AS media_file_sha256, mr.media_file_enc_sha256 AS media_file_enc_sha256,
    mr.media_key_ts AS media_key_ts, mr.raw AS raw, mr.revoked_by AS revoked_by, mr.chat AS chat_key, mr.sender AS sender_key
  FROM message_rows mr;

CREATE VIEW messages_search (rowid, body, file_name, scope) AS
  SELECT mr.pk,
         wa_search_text(mr.text, mr.edited_text, mr.revoked),
         wa_search_file(mr.text, mr.edited_text, mr.media_file_name, mr.revoked),
         wa_search_scope((SELECT jid FROM jids WHERE key = mr.chat), (SELECT jid FROM jids WHERE key = mr.sender),
                         mr.text, mr.edited_text, mr.media_file_name, mr.revoked)
  FROM message_rows mr
  WHERE mr.pk NOT IN (SELECT docid FROM fts_pending);

CREATE TRIGGER messages_fts_queue AFTER INSERT ON message_rows
WHEN new.revoked = 0 AND (new.text IS NOT NULL OR new.edited_text IS NOT NULL OR new.media_file_name IS NOT NULL)
BEGIN
  INSERT OR IGNORE INTO fts_pending (docid) VALUES (new.pk);
END;

CREATE TRIGGER messages_fts_unqueue AFTER DELETE ON message_rows
WHEN old.pk IN (SELECT docid FROM fts_pending)
BEGIN
  DELETE FROM fts_pending WHERE docid = old.pk;
END;

CREATE TRIGGER messages_fts_before_update
BEFORE UPDATE OF text, edited_text, media_file_name, revoked, chat, sender ON message_rows
WHEN (old.text IS NOT new.text OR old.edited_text IS NOT new.edited_text
      OR old.media_file_name IS NOT new.media_file_name OR old.revoked IS NOT new.revoked
      OR old.chat IS NOT new.chat OR old.sender IS NOT new.sender)
  AND old.pk NOT IN (SELECT docid FROM fts_pending)
  AND wa_search_body(old.text, old.edited_text, old.media_file_name, old.revoked) <> ''
BEGIN
  DELETE FROM messages_fts WHERE docid = old.pk;
END;

CREATE TRIGGER messages_fts_after_update
AFTER UPDATE OF text, edited_text, media_file_name, revoked, chat, sender ON message_rows
WHEN (old.text IS NOT new.text OR old.edited_text IS NOT new.edited_text
      OR old.media_file_name IS NOT new.media_file_name OR old.revoked IS NOT new.revoked
      OR old.chat IS NOT new.chat OR old.sender IS NOT new.sender)
  AND new.pk NOT IN (SELECT docid FROM fts_pending)
  AND wa_search_body(new.text, new.edited_text, new.media_file_name, new.revoked) <> ''
BEGIN
  INSERT INTO messages_fts (docid, body, file_name, scope)
  VALUES (new.pk,
          wa_search_text(new.text, new.edited_text, new.revoked),
          wa_search_file(new.text, new.edited_text, new.media_file_name, new.revoked),
          wa_search_scope((SELECT jid FROM jids WHERE key = new.chat), (SELECT jid FROM jids WHERE key = new.sender),
                          new.text, new.edited_text, new.media_file_name, new.revoked));
END;

CREATE TRIGGER messages_fts_before_delete BEFORE DELETE ON message_rows
WHEN old.pk NOT IN (SELECT docid FROM fts_pending)
  AND wa_search_body(old.text, old.edited_text, old.media_file_name, old.revoked) <> ''
BEGIN
  DELETE FROM messages_fts WHERE docid = old.pk;
END;

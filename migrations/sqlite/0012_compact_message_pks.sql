-- 0012 (SQLite / sql.js): compact message pks. A message's pk was ts * 1024 + a slot (per
-- millisecond): with WhatsApp's whole-second instants, consecutive messages were ~10^6 apart, so
-- every full-text doclist entry (a docid delta) took 4-5 bytes and every index entry an 8-byte
-- integer. The pk now counts 2048 slots per second (src/store/sqljs/pk.ts): a second's whole-second
-- instant owns its first 1049 slots, each other millisecond one, in time order.
-- Every pk is rewritten, in the old pk order (which is kept exactly): a message takes its instant's
-- first slot, or the slot after the message before it when that one is higher (new = the row's
-- number + the running max of (base - row number)). Nothing else stores a message pk but the
-- full-text index (docids) and its queue: the index is dropped first (its pages are reused by the
-- copy) and made again empty, with every searchable message queued, which the program indexes in
-- bulk (as in 0008): a search waits for the queue, so it is never answered from a partial index.
-- Memory: the copy of the rows lives beside the old table until the latter is dropped, mostly in the
-- pages the index and the two plain indexes gave back (the image grows ~8%); the pk map is two
-- integers per message. The rollback journal (in memory) keeps the original of every page rewritten,
-- so this one-time step peaks at ~1.4x the image's memory (200k messages: 283 vs 170 MB RSS at open).
-- The freed pages stay in the file (re-indexing reuses most) until the store is vacuumed.

DROP TABLE messages_fts;
DELETE FROM fts_pending;
DROP VIEW messages_search;
DROP VIEW messages;
DROP INDEX message_rows_by_chat;
DROP INDEX message_rows_by_sender;

-- base(ts) as in pk.ts: second s = floor(t / 1000), millisecond ms; s * 2048 + (0, or 1048 + ms).
CREATE TEMP TABLE pk_map (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
INSERT INTO pk_map (old, new)
  SELECT pk, rn + max(base - rn) OVER (ORDER BY pk ROWS UNBOUNDED PRECEDING)
  FROM (SELECT pk, row_number() OVER (ORDER BY pk) AS rn,
               (t - ms) / 1000 * 2048 + CASE WHEN ms = 0 THEN 0 ELSE 1048 + ms END AS base
        FROM (SELECT pk, t, ((t % 1000) + 1000) % 1000 AS ms
              FROM (SELECT pk, min(max(CAST(ts AS INTEGER), -8700000000000), 8700000000000) AS t FROM message_rows)))
  ORDER BY pk;

CREATE TABLE message_rows_compact (
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

INSERT INTO message_rows_compact (pk, chat, id, sender, from_me, ts, type, text, quoted_id, edited_text, edited_at,
    revoked, view_once, status, has_media, media_mimetype, media_file_name, media_file_length, media_duration_sec,
    media_direct_path, media_url, media_key, media_file_sha256, media_file_enc_sha256, media_key_ts, raw, revoked_by)
  SELECT p.new, m.chat, m.id, m.sender, m.from_me, m.ts, m.type, m.text, m.quoted_id, m.edited_text, m.edited_at,
    m.revoked, m.view_once, m.status, m.has_media, m.media_mimetype, m.media_file_name, m.media_file_length, m.media_duration_sec,
    m.media_direct_path, m.media_url, m.media_key, m.media_file_sha256, m.media_file_enc_sha256, m.media_key_ts, m.raw, m.revoked_by
  FROM message_rows m CROSS JOIN pk_map p ON p.old = m.pk ORDER BY m.pk;

DROP TABLE message_rows;
DROP TABLE pk_map;
ALTER TABLE message_rows_compact RENAME TO message_rows;

-- As in 0011: (chat, pk) and (sender, pk), the views, the index and its triggers, on the new pks.
CREATE INDEX message_rows_by_chat ON message_rows (chat);
CREATE INDEX message_rows_by_sender ON message_rows (sender);

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

CREATE VIRTUAL TABLE messages_fts USING fts4 (
  content="messages_search",
  body,
  file_name,
  scope,
  order=DESC,
  tokenize=unicode61 "remove_diacritics=2" "tokenchars=_"
);

INSERT INTO fts_pending (docid)
  SELECT pk FROM message_rows
  WHERE revoked = 0 AND (text IS NOT NULL OR edited_text IS NOT NULL OR media_file_name IS NOT NULL);

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

-- 0008 (SQLite / sql.js): the full-text index keeps a message's text and its document file name
-- in separate columns (body, file_name), so a phrase can no longer match across them (the last
-- words of a caption followed by the first words of the file name). The functions
-- wa_search_text and wa_search_file (src/store/sqljs/functions.ts) compute the two columns;
-- wa_search_body (all words) still tells whether a message has any.
-- The index is rebuilt through its queue: every message with searchable text is queued
-- (fts_pending) and the program indexes the queue in bulk in the background, and before any
-- search reads the index; the view leaves queued messages out, so the index equals its view
-- at every commit, as before.

DROP TRIGGER messages_fts_before_update;
DROP TRIGGER messages_fts_after_update;
DROP TRIGGER messages_fts_before_delete;
DROP VIEW messages_search;
DROP TABLE messages_fts;

INSERT OR IGNORE INTO fts_pending (docid)
  SELECT pk FROM messages
  WHERE revoked = 0 AND (text IS NOT NULL OR edited_text IS NOT NULL OR media_file_name IS NOT NULL);

CREATE VIEW messages_search (rowid, body, file_name, scope) AS
  SELECT pk,
         wa_search_text(text, edited_text, revoked),
         wa_search_file(text, edited_text, media_file_name, revoked),
         wa_search_scope(chat_jid, sender_id, text, edited_text, media_file_name, revoked)
  FROM messages
  WHERE pk NOT IN (SELECT docid FROM fts_pending);

CREATE VIRTUAL TABLE messages_fts USING fts4 (
  content="messages_search",
  body,
  file_name,
  scope,
  order=DESC,
  tokenize=unicode61 "remove_diacritics=2" "tokenchars=_"
);

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
  INSERT INTO messages_fts (docid, body, file_name, scope)
  VALUES (new.pk,
          wa_search_text(new.text, new.edited_text, new.revoked),
          wa_search_file(new.text, new.edited_text, new.media_file_name, new.revoked),
          wa_search_scope(new.chat_jid, new.sender_id, new.text, new.edited_text, new.media_file_name, new.revoked));
END;

CREATE TRIGGER messages_fts_before_delete BEFORE DELETE ON messages
WHEN old.pk NOT IN (SELECT docid FROM fts_pending)
  AND wa_search_body(old.text, old.edited_text, old.media_file_name, old.revoked) <> ''
BEGIN
  DELETE FROM messages_fts WHERE docid = old.pk;
END;

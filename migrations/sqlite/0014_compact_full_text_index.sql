-- 0014 (SQLite / sql.js): a smaller, cheaper full-text index, with the same search results.
-- 1. No document sizes (`matchinfo=fts3`): FTS4 kept a row per message in messages_fts_docsize
--    (its token count per column, ~15 bytes a message) only for matchinfo's 'l', which the
--    relevance order uses. wa_bm25 now counts the row's tokens from its text instead, as the
--    index's tokenizer counts them (messages_fts_tokens, an fts3tokenize table: no storage).
--    The row count and the average lengths ('n', 'a') are still kept (messages_fts_stat).
-- 2. Scope tokens from the `jids` keys (`_c<chat key>`, `_s<sender key>`, base 36) instead of a
--    hash of the JID text: shorter, and no JID look-ups while indexing.
-- The view and the triggers are those of 0012 with the scope from the keys. The index is made
-- again empty with every searchable message queued (as in 0008 and 0012): a search waits for
-- the queue, so it is never answered from a partial index.

DROP TRIGGER IF EXISTS messages_fts_queue;
DROP TRIGGER IF EXISTS messages_fts_unqueue;
DROP TRIGGER IF EXISTS messages_fts_before_update;
DROP TRIGGER IF EXISTS messages_fts_after_update;
DROP TRIGGER IF EXISTS messages_fts_before_delete;
DROP TABLE IF EXISTS messages_fts;
DELETE FROM fts_pending;
DROP VIEW IF EXISTS messages_search;

CREATE VIEW messages_search (rowid, body, file_name, scope) AS
  SELECT mr.pk,
         wa_search_text(mr.text, mr.edited_text, mr.revoked),
         wa_search_file(mr.text, mr.edited_text, mr.media_file_name, mr.revoked),
         wa_search_scope(mr.chat, mr.sender, mr.text, mr.edited_text, mr.media_file_name, mr.revoked)
  FROM message_rows mr
  WHERE mr.pk NOT IN (SELECT docid FROM fts_pending);

CREATE VIRTUAL TABLE messages_fts USING fts4 (
  content="messages_search",
  body,
  file_name,
  scope,
  order=DESC,
  matchinfo=fts3,
  tokenize=unicode61 "remove_diacritics=2" "tokenchars=_"
);

CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts_tokens USING fts3tokenize (unicode61, "remove_diacritics=2", "tokenchars=_");

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
          wa_search_scope(new.chat, new.sender, new.text, new.edited_text, new.media_file_name, new.revoked));
END;

CREATE TRIGGER messages_fts_before_delete BEFORE DELETE ON message_rows
WHEN old.pk NOT IN (SELECT docid FROM fts_pending)
  AND wa_search_body(old.text, old.edited_text, old.media_file_name, old.revoked) <> ''
BEGIN
  DELETE FROM messages_fts WHERE docid = old.pk;
END;

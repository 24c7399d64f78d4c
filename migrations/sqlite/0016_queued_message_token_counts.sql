-- 0016 (SQLite / sql.js): each queued message carries what it will add to the full-text index's
-- totals, so a relevance search over a long queue (src/store/sqljs/fts_relevance.ts) sums them
-- instead of tokenizing every queued message (after a crash replay of 1M messages that walk took
-- most of the first relevance search's 1.2-1.5 s).
-- text_tokens, file_tokens: the tokens FTS4 will count in the body and file_name columns when it
-- indexes the message as it is now (the row counts in the index's rows when their sum is > 0).
-- Written by the batch that queues the message (src/store/sqljs/apply.ts), computed from the row
-- it inserts. NULL: not counted (queued before this migration, a text changed since, a text whose
-- count the program leaves to the search); the search counts those itself, the background fills
-- them in. Derived data, like the queue: a journal replay writes the same.

ALTER TABLE fts_pending ADD COLUMN text_tokens INTEGER;
ALTER TABLE fts_pending ADD COLUMN file_tokens INTEGER;

-- The queued messages not counted (few, but for a queue that was long at this migration).
CREATE INDEX fts_pending_uncounted ON fts_pending (docid) WHERE text_tokens IS NULL;

-- A queued message's words changed: its counts no longer hold (an indexed one is re-indexed by
-- messages_fts_before_update / messages_fts_after_update; both see the queue complete, 0015).
CREATE TRIGGER fts_pending_uncount AFTER UPDATE OF text, edited_text, media_file_name, revoked ON message_rows
WHEN old.text IS NOT new.text OR old.edited_text IS NOT new.edited_text
  OR old.media_file_name IS NOT new.media_file_name OR old.revoked IS NOT new.revoked
BEGIN
  UPDATE fts_pending SET text_tokens = NULL, file_tokens = NULL WHERE docid = new.pk AND text_tokens IS NOT NULL;
END;

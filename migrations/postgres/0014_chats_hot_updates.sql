-- 0014 (PostgreSQL): an import moves a chat's last activity in nearly every commit (hundreds of
-- chats per batch of 1,000 messages). With chats_by_last_message each move was a new row version
-- plus an entry in both of the table's indexes, and left a dead version for VACUUM. Without that
-- index the update is HOT (heap-only: no index entry, the old version pruned on the page itself)
-- as long as the page has room, hence the fill factor. Lists of chats by last activity sort the
-- table instead (a few thousand rows: a top-N sort), with the same ORDER BY, so the same pages.
DROP INDEX IF EXISTS chats_by_last_message;
ALTER TABLE chats SET (fillfactor = 50);

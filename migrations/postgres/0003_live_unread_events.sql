-- 0003 (PostgreSQL): live state. Same meaning as migrations/sqlite/0003.
-- 1. Unread state per chat: read_at is the last-read marker (ms), marked_unread the
--    "mark as unread" flag.
ALTER TABLE chats ADD COLUMN read_at BIGINT;
ALTER TABLE chats ADD COLUMN marked_unread BOOLEAN;

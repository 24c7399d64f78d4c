-- 0003 (SQLite / sql.js): live state.
-- 1. Unread state per chat, as WhatsApp keeps it: unread_count (already there) is now also kept
--    up to date by WhatsApp's deltas; read_at is the last-read marker (the instant of the newest
--    message read, ms); marked_unread is the "mark as unread" flag (a chat with no count).
ALTER TABLE chats ADD COLUMN read_at INTEGER;
ALTER TABLE chats ADD COLUMN marked_unread INTEGER;

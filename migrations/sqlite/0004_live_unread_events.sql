-- 0003 (SQLite / sql.js): live state.
-- 1. Unread state per chat, as WhatsApp keeps it: unread_count (already there) is now also kept
--    up to date by WhatsApp's deltas; read_at is the last-read marker (the instant of the newest
--    message read, ms); marked_unread is the "mark as unread" flag (a chat with no count).
ALTER TABLE chats ADD COLUMN read_at INTEGER;
ALTER TABLE chats ADD COLUMN marked_unread INTEGER;

-- 2. live_events: what arrived live (WhatsApp's real-time and offline-queue deliveries, never
--    history sync), in arrival order. seq is the cursor of wait_for_messages and of the webhook
--    outbox: a message that arrives late (the offline queue after a restart) gets a new seq even
--    though its timestamp is old, so a reader that follows seq sees it exactly once. One row per
--    (kind, chat, message, at): a re-delivery of the same event adds nothing. Only the newest
--    100,000 rows are kept.
CREATE TABLE live_events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       TEXT NOT NULL CHECK (kind IN ('message', 'edit', 'delete', 'reaction')),
  chat_jid   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  at         INTEGER NOT NULL,
  UNIQUE (chat_jid, message_id, kind, at)
);

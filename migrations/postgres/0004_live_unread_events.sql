-- 0003 (PostgreSQL): live state. Same meaning as migrations/sqlite/0003.
-- 1. Unread state per chat: read_at is the last-read marker (ms), marked_unread the
--    "mark as unread" flag.
ALTER TABLE chats ADD COLUMN read_at BIGINT;
ALTER TABLE chats ADD COLUMN marked_unread BOOLEAN;

-- 2. live_events: what arrived live, in arrival order (see migrations/sqlite/0003). The store
--    has one writer, so seq order is commit order.
CREATE TABLE live_events (
  seq        BIGSERIAL PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('message', 'edit', 'delete', 'reaction')),
  chat_jid   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  at         BIGINT NOT NULL,
  UNIQUE (chat_jid, message_id, kind, at)
);

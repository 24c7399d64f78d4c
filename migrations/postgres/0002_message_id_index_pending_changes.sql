-- 0002 (PostgreSQL): find a message by id alone (find_message_chats), and keep edits/revokes
-- that arrive before their message (see migrations/sqlite/0002). seq: arrival order (the
-- oldest are dropped first when more than 10,000 wait).

CREATE INDEX messages_by_id ON messages (id);

CREATE TABLE pending_changes (
  chat_jid    TEXT NOT NULL,
  id          TEXT NOT NULL,
  edited_text TEXT,
  edited_at   BIGINT,
  revoked     BOOLEAN NOT NULL DEFAULT FALSE,
  seq         BIGINT GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (chat_jid, id)
);

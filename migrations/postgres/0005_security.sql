-- 0003 (PostgreSQL): edits and revokes are applied only when WhatsApp would honour them; see
-- migrations/sqlite/0003 for the three changes (pending_changes keyed by author,
-- messages.revoked_by, refused_changes).

ALTER TABLE pending_changes DROP CONSTRAINT pending_changes_pkey;
ALTER TABLE pending_changes ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE pending_changes ADD PRIMARY KEY (chat_jid, id, author);

ALTER TABLE messages ADD COLUMN revoked_by TEXT;

CREATE TABLE refused_changes (
  chat_jid   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  kind       TEXT NOT NULL,
  author     TEXT NOT NULL,
  text       TEXT,
  at         BIGINT,
  PRIMARY KEY (chat_jid, message_id, kind, author)
);

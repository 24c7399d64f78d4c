-- 0003 (SQLite): edits and revokes are applied only when WhatsApp would honour them
-- (src/store/change_rules.ts).
-- 1. pending_changes keeps the author of each early change: one row per message and author
--    ('me', a person id, or '' when unknown), so a stranger's early edit neither replaces nor
--    hides the sender's own, and the check runs when the message arrives. Rows kept from before
--    have no known author ('') and are refused then.
-- 2. messages.revoked_by: the group admin who deleted someone else's message.
-- 3. refused_changes: edits and revokes that were not applied, kept as events of their real
--    author (one row per message, kind and author; the newest text wins), counted by stats().

CREATE TABLE pending_changes_by_author (
  chat_jid    TEXT NOT NULL,
  id          TEXT NOT NULL,
  author      TEXT NOT NULL,
  edited_text TEXT,
  edited_at   INTEGER,
  revoked     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (chat_jid, id, author)
);
INSERT INTO pending_changes_by_author (chat_jid, id, author, edited_text, edited_at, revoked)
  SELECT chat_jid, id, '', edited_text, edited_at, revoked FROM pending_changes ORDER BY rowid;
DROP TABLE pending_changes;
ALTER TABLE pending_changes_by_author RENAME TO pending_changes;

ALTER TABLE messages ADD COLUMN revoked_by TEXT;

CREATE TABLE refused_changes (
  chat_jid   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  kind       TEXT NOT NULL,
  author     TEXT NOT NULL,
  text       TEXT,
  at         INTEGER,
  PRIMARY KEY (chat_jid, message_id, kind, author)
);

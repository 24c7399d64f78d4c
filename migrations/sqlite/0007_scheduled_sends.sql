-- 0007 (SQLite / sql.js): scheduled sends. A message the user scheduled (schedule_message) waits
-- here until the scheduler actor sends it at `due_at`. `request` is the exact send as JSON
-- (recipient, text, the copied attachment with its SHA-256); `content_hash` is the SHA-256 of
-- `request`, checked again before sending. `message_id` is the WhatsApp message id chosen at
-- schedule time and used for the send, so after a crash the store tells whether it went out.
-- Every transition is a compare-and-set on `status` (and `claim`): a row is sent at most once.
-- Status: pending, sending (in flight), sent, failed, expired, cancelled, unknown (in flight at a
-- crash and not found afterwards: never resent).

CREATE TABLE scheduled_sends (
  id              TEXT PRIMARY KEY,
  created_at      INTEGER NOT NULL,
  due_at          INTEGER NOT NULL,
  session         TEXT,
  confirmed       INTEGER NOT NULL DEFAULT 0,
  content_hash    TEXT NOT NULL,
  request         TEXT NOT NULL,
  message_id      TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending',
  claim           TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_attempt_at INTEGER,
  settled_at      INTEGER,
  late_ms         INTEGER,
  detail          TEXT
);

CREATE INDEX scheduled_sends_by_status ON scheduled_sends (status, due_at);

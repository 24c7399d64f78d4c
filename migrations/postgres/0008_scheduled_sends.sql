-- 0007 (PostgreSQL): scheduled sends (see migrations/sqlite/0007_scheduled_sends.sql).

CREATE TABLE scheduled_sends (
  id              TEXT PRIMARY KEY,
  created_at      BIGINT NOT NULL,
  due_at          BIGINT NOT NULL,
  session         TEXT,
  confirmed       INTEGER NOT NULL DEFAULT 0,
  content_hash    TEXT NOT NULL,
  request         TEXT NOT NULL,
  message_id      TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending',
  claim           TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_attempt_at BIGINT,
  settled_at      BIGINT,
  late_ms         BIGINT,
  detail          TEXT
);

CREATE INDEX scheduled_sends_by_status ON scheduled_sends (status, due_at);

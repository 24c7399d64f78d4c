-- 0003 (PostgreSQL): held sends waiting for the user's approval on /approve (see
-- migrations/sqlite/0003_held_sends.sql). Followers of a cluster hold sends here the same way.

CREATE TABLE held_sends (
  id            TEXT PRIMARY KEY,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  session       TEXT,
  content_hash  TEXT NOT NULL,
  request       TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'waiting',
  claim         TEXT,
  settled_at    BIGINT,
  message_id    TEXT,
  detail        TEXT
);

CREATE INDEX held_sends_by_status ON held_sends (status, created_at);

-- 0009 (PostgreSQL): the webhook outbox. Same tables and meaning as
-- migrations/sqlite/0008_webhook_outbox.sql; the filters are JSON arrays kept as text and
-- active is 0/1, so both stores share their SQL (src/store/webhook_rows.ts).
CREATE TABLE webhook_endpoints (
  url               TEXT PRIMARY KEY,
  active            INTEGER NOT NULL DEFAULT 1,
  chats             TEXT,
  events            TEXT NOT NULL,
  failures          INTEGER NOT NULL DEFAULT 0,
  next_at           BIGINT NOT NULL DEFAULT 0,
  delivered         BIGINT NOT NULL DEFAULT 0,
  dead              BIGINT NOT NULL DEFAULT 0,
  last_error        TEXT,
  last_error_at     BIGINT,
  last_delivered_at BIGINT
);

CREATE TABLE webhook_events (
  seq        BIGSERIAL PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('message', 'edit', 'delete', 'reaction', 'link')),
  chat_jid   TEXT,
  message_id TEXT,
  at         BIGINT NOT NULL,
  detail     TEXT,
  created_at BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
  event_seq  BIGINT NOT NULL,
  url        TEXT NOT NULL,
  status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dead')),
  attempts   INTEGER NOT NULL DEFAULT 0,
  next_at    BIGINT NOT NULL DEFAULT 0,
  last_error TEXT,
  settled_at BIGINT,
  PRIMARY KEY (event_seq, url)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_at, event_seq);
CREATE INDEX webhook_deliveries_by_url ON webhook_deliveries (url, status);

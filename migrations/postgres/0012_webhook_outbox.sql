-- 0011 (PostgreSQL): the webhook outbox. Same tables and meaning as
-- migrations/sqlite/0009_webhook_outbox.sql; the filters are JSON arrays kept as text and
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

-- Readable by the server alone, like every table of the store (see 0007_row_level_security.sql):
-- row-level security with no policy, and the API roles' grants revoked where those roles exist.
DO $$
DECLARE
  t TEXT;
  r TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['webhook_endpoints', 'webhook_events', 'webhook_deliveries'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        EXECUTE format('REVOKE ALL ON TABLE %I FROM %I', t, r);
      END IF;
    END LOOP;
  END LOOP;
END $$;

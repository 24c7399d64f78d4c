-- 0009 (SQLite / sql.js): the webhook outbox.
-- webhook_endpoints: the configured URLs (written by the webhook actor at start from
--   WHATSAPP_MCP_WEBHOOK_URL and its filters; a URL no longer configured stays with active = 0 so
--   its counters survive), the endpoint's backoff gate (failures, next_at: after an answer that
--   says the receiver is unavailable, nothing is sent to it before next_at) and its counters.
-- webhook_events: one row per event to deliver, written in the same batch (the same commit) as
--   the change that causes it: a live message, edit, delete or reaction (from apply's live feed
--   insert) or a link state change. Only events some active endpoint accepts are written (the
--   filters are in webhook_endpoints). A row goes away once no delivery refers to it.
-- webhook_deliveries: one row per (event, endpoint) not delivered yet ('pending') or given up
--   ('dead': too many attempts, too old, or the URL was removed; the newest 10,000 are kept).
--   A delivered row is deleted and counted on its endpoint.
CREATE TABLE webhook_endpoints (
  url               TEXT PRIMARY KEY,
  active            INTEGER NOT NULL DEFAULT 1,
  chats             TEXT,
  events            TEXT NOT NULL,
  failures          INTEGER NOT NULL DEFAULT 0,
  next_at           INTEGER NOT NULL DEFAULT 0,
  delivered         INTEGER NOT NULL DEFAULT 0,
  dead              INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT,
  last_error_at     INTEGER,
  last_delivered_at INTEGER
);

CREATE TABLE webhook_events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       TEXT NOT NULL CHECK (kind IN ('message', 'edit', 'delete', 'reaction', 'link')),
  chat_jid   TEXT,
  message_id TEXT,
  at         INTEGER NOT NULL,
  detail     TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
  event_seq  INTEGER NOT NULL,
  url        TEXT NOT NULL,
  status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dead')),
  attempts   INTEGER NOT NULL DEFAULT 0,
  next_at    INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  settled_at INTEGER,
  PRIMARY KEY (event_seq, url)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_at, event_seq);
CREATE INDEX webhook_deliveries_by_url ON webhook_deliveries (url, status);

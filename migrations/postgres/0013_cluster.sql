-- 0007 (PostgreSQL only): several instances on one store (WHATSAPP_MCP_CLUSTER=1, see src/cluster/).
-- sql.js stays one process per store, so SQLite has no counterpart.

-- Every running instance, with a heartbeat on the database's clock. The leader also publishes its
-- WhatsApp link status here, so followers' status pages and get_sync_status can show it.
CREATE TABLE cluster_members (
  instance_id   TEXT PRIMARY KEY,
  started_at    BIGINT NOT NULL,
  heartbeat_at  TIMESTAMPTZ NOT NULL,
  role          TEXT NOT NULL,
  host          TEXT,
  pid           INTEGER,
  version       TEXT,
  link          TEXT
);

-- The one lease that decides who holds the WhatsApp connection. `token` is the fencing token:
-- incremented on every takeover, never reused; expiry is judged on the database's clock only.
CREATE TABLE cluster_lease (
  name          TEXT PRIMARY KEY,
  holder        TEXT,
  token         BIGINT NOT NULL DEFAULT 0,
  expires_at    TIMESTAMPTZ NOT NULL DEFAULT '-infinity',
  acquired_at   TIMESTAMPTZ
);
INSERT INTO cluster_lease (name) VALUES ('whatsapp');

-- Requests to WhatsApp from any member, executed by the leader: sends at most once, never resent when the outcome is unknown (idem_key,
-- the message id chosen before sending), queries at most once. `request`/`result` are the
-- binary op codec (src/store/codec_binary.ts); media bytes travel inside `request`, size-capped.
CREATE TABLE wa_outbox (
  id             BIGSERIAL PRIMARY KEY,
  idem_key       TEXT NOT NULL UNIQUE,
  kind           TEXT NOT NULL,
  request        BYTEA,
  request_bytes  INTEGER NOT NULL,
  wa_message_id  TEXT,
  chat_jid       TEXT,
  state          TEXT NOT NULL DEFAULT 'pending',
  origin         TEXT NOT NULL,
  created_at     BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  claimed_by     TEXT,
  claim_token    BIGINT,
  attempts       INTEGER NOT NULL DEFAULT 0,
  settled_at     BIGINT,
  result         BYTEA,
  error          TEXT
);
CREATE INDEX wa_outbox_open ON wa_outbox (id) WHERE state IN ('pending', 'claimed', 'sending');
CREATE INDEX wa_outbox_settled ON wa_outbox (settled_at) WHERE settled_at IS NOT NULL;

-- Row-level security without a policy, like every other table (see 0007_row_level_security.sql).
DO $$
DECLARE
  t TEXT;
  r TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['cluster_members', 'cluster_lease', 'wa_outbox'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        EXECUTE format('REVOKE ALL ON TABLE %I FROM %I', t, r);
      END IF;
    END LOOP;
  END LOOP;
END $$;

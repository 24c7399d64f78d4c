-- 0009 (PostgreSQL): polls and their votes (see migrations/sqlite/0008_polls.sql).

CREATE TABLE polls (
  chat_jid          TEXT NOT NULL,
  message_id        TEXT NOT NULL,
  question          TEXT,
  options           TEXT NOT NULL DEFAULT '[]',
  selectable_count  INTEGER,
  secret            BYTEA,
  PRIMARY KEY (chat_jid, message_id)
);

CREATE TABLE poll_votes (
  chat_jid    TEXT NOT NULL,
  message_id  TEXT NOT NULL,
  voter_id    TEXT NOT NULL,
  options     TEXT NOT NULL DEFAULT '[]',
  ts          BIGINT NOT NULL,
  PRIMARY KEY (chat_jid, message_id, voter_id)
);
CREATE INDEX poll_votes_by_voter ON poll_votes (voter_id);

-- Like every table of the store (0007_row_level_security.sql): the server's role alone reads them.
ALTER TABLE polls ENABLE ROW LEVEL SECURITY;
ALTER TABLE poll_votes ENABLE ROW LEVEL SECURITY;
DO $$
DECLARE
  t TEXT;
  r TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['polls', 'poll_votes'] LOOP
    FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        EXECUTE format('REVOKE ALL ON TABLE %I FROM %I', t, r);
      END IF;
    END LOOP;
  END LOOP;
END $$;

-- 0007 (PostgreSQL): polls and their votes (see migrations/sqlite/0007_polls.sql).

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

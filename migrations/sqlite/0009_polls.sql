-- 0008 (SQLite / sql.js): polls and their votes. A poll creation message is stored as a message
-- (type 'poll') and, here, with its question, its options (a JSON array of names, in order), how
-- many options a voter may pick (0 = any number) and its messageSecret: the key every vote on it
-- is encrypted with (WhatsApp sends votes as pollUpdateMessages that only this secret opens).
-- A vote is one row per voter: the options they picked now (JSON array of names; empty = they
-- took their vote back) and when; a later vote replaces an earlier one.

CREATE TABLE polls (
  chat_jid          TEXT NOT NULL,
  message_id        TEXT NOT NULL,
  question          TEXT,
  options           TEXT NOT NULL DEFAULT '[]',
  selectable_count  INTEGER,
  secret            BLOB,
  PRIMARY KEY (chat_jid, message_id)
);

CREATE TABLE poll_votes (
  chat_jid    TEXT NOT NULL,
  message_id  TEXT NOT NULL,
  voter_id    TEXT NOT NULL,
  options     TEXT NOT NULL DEFAULT '[]',
  ts          INTEGER NOT NULL,
  PRIMARY KEY (chat_jid, message_id, voter_id)
);
CREATE INDEX poll_votes_by_voter ON poll_votes (voter_id);

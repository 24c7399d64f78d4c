-- 0001 (PostgreSQL): the initial schema. Same tables and meaning as migrations/sqlite/0001.
-- Instants are BIGINT milliseconds since the Unix epoch, UTC.
-- Tables are created in the first schema of search_path.

CREATE TABLE chats (
  jid             TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('person', 'group', 'broadcast', 'newsletter')),
  name            TEXT,
  search_key      TEXT,
  last_message_at BIGINT,
  archived        BOOLEAN,
  pinned          BOOLEAN,
  muted_until     BIGINT,
  unread_count    INTEGER,
  description     TEXT
);
CREATE INDEX chats_by_last_message ON chats (last_message_at DESC NULLS LAST, jid);

CREATE TABLE people (
  id            TEXT PRIMARY KEY,
  pn_jid        TEXT UNIQUE,
  lid           TEXT UNIQUE,
  push_name     TEXT,
  saved_name    TEXT,
  business_name TEXT,
  search_key    TEXT,
  name_key      TEXT
);

CREATE TABLE participants (
  group_jid TEXT NOT NULL,
  person_id TEXT NOT NULL,
  admin     TEXT CHECK (admin IN ('admin', 'superadmin')),
  PRIMARY KEY (group_jid, person_id)
);
CREATE INDEX participants_by_person ON participants (person_id);

-- pk: the same time-ordered integer as in SQLite (ts * 1024 + a slot, in arrival order): the
-- order of messages everywhere, so both backends order equal timestamps alike.
-- search: the message's searchable tokens, computed by the program (src/store/search/text.ts)
-- so both backends index exactly the same terms.
CREATE TABLE messages (
  chat_jid              TEXT NOT NULL,
  id                    TEXT NOT NULL,
  pk                    BIGINT NOT NULL UNIQUE,
  sender_id             TEXT,
  from_me               BOOLEAN NOT NULL DEFAULT FALSE,
  ts                    BIGINT NOT NULL,
  type                  TEXT NOT NULL,
  text                  TEXT,
  quoted_id             TEXT,
  edited_text           TEXT,
  edited_at             BIGINT,
  revoked               BOOLEAN NOT NULL DEFAULT FALSE,
  view_once             BOOLEAN NOT NULL DEFAULT FALSE,
  status                INTEGER,
  has_media             BOOLEAN NOT NULL DEFAULT FALSE,
  media_mimetype        TEXT,
  media_file_name       TEXT,
  media_file_length     BIGINT,
  media_duration_sec    INTEGER,
  media_direct_path     TEXT,
  media_url             TEXT,
  media_key             BYTEA,
  media_file_sha256     BYTEA,
  media_file_enc_sha256 BYTEA,
  media_key_ts          BIGINT,
  raw                   BYTEA,
  search                TSVECTOR,
  PRIMARY KEY (chat_jid, id)
);
CREATE INDEX messages_by_chat ON messages (chat_jid, pk);
CREATE INDEX messages_by_sender ON messages (sender_id, pk);
CREATE INDEX messages_search ON messages USING GIN (search);

CREATE TABLE reactions (
  chat_jid   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  reactor_id TEXT NOT NULL,
  emoji      TEXT NOT NULL,
  ts         BIGINT NOT NULL,
  PRIMARY KEY (chat_jid, message_id, reactor_id)
);
CREATE INDEX reactions_by_reactor ON reactions (reactor_id);

CREATE TABLE receipts (
  chat_jid   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  person_id  TEXT NOT NULL,
  type       TEXT NOT NULL CHECK (type IN ('delivered', 'read', 'played')),
  ts         BIGINT NOT NULL,
  PRIMARY KEY (chat_jid, message_id, person_id, type)
);
CREATE INDEX receipts_by_person ON receipts (person_id);

CREATE TABLE auth (
  category TEXT NOT NULL,
  id       TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (category, id)
);

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- 0003 (SQLite / sql.js): held sends. A send the policy wants a human to confirm, from a client
-- that cannot ask (no elicitation), waits here until the user approves or declines it on the
-- local page /approve, or it expires. `request` is the exact send as JSON (recipient, text,
-- attachments with their SHA-256, the connection request to repeat); `content_hash` is the
-- SHA-256 of `request`, checked again before sending. `claim` makes every transition out of
-- 'waiting' a compare-and-set: only the writer whose claim is stored goes on, so a send goes out
-- at most once (also across processes and restarts). Status: waiting, sending, sent, declined,
-- expired, failed (a 'sending' row found after a restart stays 'sending': it may have gone out).

CREATE TABLE held_sends (
  id            TEXT PRIMARY KEY,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  session       TEXT,
  content_hash  TEXT NOT NULL,
  request       TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'waiting',
  claim         TEXT,
  settled_at    INTEGER,
  message_id    TEXT,
  detail        TEXT
);

CREATE INDEX held_sends_by_status ON held_sends (status, created_at);

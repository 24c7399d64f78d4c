-- 0010 (PostgreSQL): a search vector now leaves a one-position gap between a message's text and
-- its document file name, so a phrase (<->) cannot match across them. The vectors are computed
-- by the program (src/store/search/text.ts), so this migration only lists the rows whose vector
-- has both parts (a text and a different file name); the program recomputes those at open
-- (src/store/postgres/search_refresh.ts) and empties the list.
CREATE TABLE search_refresh (
  chat_jid TEXT NOT NULL,
  id       TEXT NOT NULL,
  PRIMARY KEY (chat_jid, id)
);
INSERT INTO search_refresh (chat_jid, id)
  SELECT chat_jid, id FROM messages
  WHERE NOT revoked AND search IS NOT NULL AND media_file_name IS NOT NULL
    AND coalesce(edited_text, text) IS NOT NULL AND media_file_name <> coalesce(edited_text, text);
-- Locked like every table of the store (0007, 0009): row-level security without a policy.
ALTER TABLE search_refresh ENABLE ROW LEVEL SECURITY;
DO $$
DECLARE
  r TEXT;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('REVOKE ALL ON TABLE search_refresh FROM %I', r);
    END IF;
  END LOOP;
END $$;

-- 0007 (PostgreSQL): lock every table of the store to the server's own role.
-- Supabase-style databases expose the tables of their schemas to API roles (anon, authenticated)
-- through PostgREST, and grant those roles access to new tables by default. The WhatsApp session
-- (auth: the account's keys; meta) and the mirror must be readable by the server alone: row-level
-- security is enabled with NO policy, so every role but the owner (the role that ran these
-- migrations) and superusers sees no rows; the API roles' grants are revoked where those roles
-- exist (nothing fails where they do not). The owner is not affected (RLS is not forced).
-- A later migration that creates a table must enable row-level security on it too
-- (test/store/postgres_rls.test.ts checks every table).
DO $$
DECLARE
  t TEXT;
  r TEXT;
BEGIN
  FOR t IN
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        EXECUTE format('REVOKE ALL ON TABLE %I FROM %I', t, r);
      END IF;
    END LOOP;
  END LOOP;
END $$;

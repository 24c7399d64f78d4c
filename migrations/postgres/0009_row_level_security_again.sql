-- 0009 (PostgreSQL): the lockdown of 0007 again, for the tables created since (scheduled_sends);
-- idempotent (see 0007 for why).
-- A later migration that creates a table must enable row-level security on it itself
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

-- 0016 (PostgreSQL): a counter of the rows search_contacts reads, so each server instance can
-- answer contact searches from a list in its own memory and still see every other instance's
-- changes (src/store/postgres/contact_list.ts): a search reads `version` (one row) and uses its
-- list only when the list was built at that version or a later one.
--
-- The counter moves in the transaction that changes a person (any column the search reads) or a
-- chat's name key (the search matches and sorts on it): readers see the new value exactly when
-- they see the change. Not a sequence: nextval is visible before the writer commits and is not
-- rolled back, so a reader could build its list between the two and keep it stale.
--
-- Row-level triggers with WHEN: the condition is checked per written row, and only a row that
-- changes what the search reads queues an event. An import's chat updates (last activity, on
-- every commit) and its person upserts that change nothing queue none. The events are deferred
-- to COMMIT (constraint triggers, INITIALLY DEFERRED): the counter row is locked only while the
-- transaction commits, never while it still takes other locks, so two writers cannot deadlock
-- on it. The first event of a transaction advances the counter; the others see that it already
-- did and write nothing.
CREATE TABLE contacts_version (
  one       BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
  version   BIGINT NOT NULL,
  bumped_in BIGINT
);
INSERT INTO contacts_version (one, version) VALUES (TRUE, 1);

-- The counter of the schema whose table fired (the triggers run under the writer's search_path).
-- The first call of a transaction advances it and notes so in a transaction-local setting; the
-- others (an import inserts thousands of people in one commit) stop at that note: 8 -> ~3 µs per
-- inserted person. `bumped_in` keeps it to one step per transaction even without the note.
CREATE FUNCTION wa_contacts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  mark TEXT := TG_TABLE_SCHEMA || ':' || txid_current();
BEGIN
  IF current_setting('whatsapp_mcp.contacts_changed', true) = mark THEN
    RETURN NULL;
  END IF;
  EXECUTE format('UPDATE %I.contacts_version SET version = version + 1, bumped_in = txid_current()
    WHERE bumped_in IS DISTINCT FROM txid_current()', TG_TABLE_SCHEMA);
  PERFORM set_config('whatsapp_mcp.contacts_changed', mark, true);
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER people_contacts_insert AFTER INSERT ON people
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wa_contacts_changed();
CREATE CONSTRAINT TRIGGER people_contacts_update AFTER UPDATE ON people
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.id, OLD.pn_jid, OLD.lid, OLD.push_name, OLD.saved_name, OLD.business_name, OLD.search_key, OLD.name_key)
    IS DISTINCT FROM (NEW.id, NEW.pn_jid, NEW.lid, NEW.push_name, NEW.saved_name, NEW.business_name, NEW.search_key, NEW.name_key))
  EXECUTE FUNCTION wa_contacts_changed();
CREATE CONSTRAINT TRIGGER people_contacts_delete AFTER DELETE ON people
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wa_contacts_changed();
CREATE TRIGGER people_contacts_truncate AFTER TRUNCATE ON people FOR EACH STATEMENT EXECUTE FUNCTION wa_contacts_changed();

-- A chat takes part through its JID (joined to people.id) and its name key only.
CREATE CONSTRAINT TRIGGER chats_contacts_insert AFTER INSERT ON chats
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.search_key IS NOT NULL)
  EXECUTE FUNCTION wa_contacts_changed();
CREATE CONSTRAINT TRIGGER chats_contacts_update AFTER UPDATE ON chats
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.jid, OLD.search_key) IS DISTINCT FROM (NEW.jid, NEW.search_key))
  EXECUTE FUNCTION wa_contacts_changed();
CREATE CONSTRAINT TRIGGER chats_contacts_delete AFTER DELETE ON chats
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.search_key IS NOT NULL)
  EXECUTE FUNCTION wa_contacts_changed();
CREATE TRIGGER chats_contacts_truncate AFTER TRUNCATE ON chats FOR EACH STATEMENT EXECUTE FUNCTION wa_contacts_changed();

-- Locked down like every table of the store (see 0007).
ALTER TABLE contacts_version ENABLE ROW LEVEL SECURITY;
DO $$
DECLARE
  r TEXT;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('REVOKE ALL ON TABLE contacts_version FROM %I', r);
    END IF;
  END LOOP;
END $$;

-- 0003 (SQLite / sql.js): performance.
-- 1. search_contacts answers from an in-memory list of people kept by the program
--    (src/store/sqljs/contact_index.ts) instead of scanning the people table per search. These
--    triggers tell it when that list is stale: they call wa_contacts_changed() (registered by
--    the program, src/store/sqljs/functions.ts) whenever a row the search reads changes: a
--    person, or a chat's name key or JID. A message's chat update (last_message_at only) does
--    not fire them, so ingest pays nothing.

CREATE TRIGGER contacts_person_insert AFTER INSERT ON people
BEGIN SELECT wa_contacts_changed(); END;

CREATE TRIGGER contacts_person_update AFTER UPDATE ON people
WHEN OLD.id IS NOT NEW.id OR OLD.pn_jid IS NOT NEW.pn_jid OR OLD.lid IS NOT NEW.lid
  OR OLD.push_name IS NOT NEW.push_name OR OLD.saved_name IS NOT NEW.saved_name
  OR OLD.business_name IS NOT NEW.business_name OR OLD.search_key IS NOT NEW.search_key
  OR OLD.name_key IS NOT NEW.name_key
BEGIN SELECT wa_contacts_changed(); END;

CREATE TRIGGER contacts_person_delete AFTER DELETE ON people
BEGIN SELECT wa_contacts_changed(); END;

CREATE TRIGGER contacts_chat_insert AFTER INSERT ON chats
BEGIN SELECT wa_contacts_changed(); END;

CREATE TRIGGER contacts_chat_update AFTER UPDATE OF jid, search_key ON chats
WHEN OLD.jid IS NOT NEW.jid OR OLD.search_key IS NOT NEW.search_key
BEGIN SELECT wa_contacts_changed(); END;

CREATE TRIGGER contacts_chat_delete AFTER DELETE ON chats
BEGIN SELECT wa_contacts_changed(); END;

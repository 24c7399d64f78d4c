-- 0003 (PostgreSQL): a million messages. The primary key leads with the message id, so one
-- index serves both upserts (chat_jid, id) and look-ups by id alone (find_message_chats), and
-- messages_by_id goes: one index less to maintain per inserted message.

ALTER TABLE messages DROP CONSTRAINT messages_pkey;
ALTER TABLE messages ADD CONSTRAINT messages_pkey PRIMARY KEY (id, chat_jid);
DROP INDEX messages_by_id;

-- 0013 (SQLite / sql.js): compact message ids and media direct paths (src/store/sqljs/message_keys.ts
-- holds the same expressions the program writes and looks up with).
-- A message id (and a quoted id) that is uppercase hex of even length, as most WhatsApp ids are
-- ("3EB0…", 20-32 characters), is stored as its bytes: half the size in the row and in the
-- (id, chat) key's index. Any other id (lowercase hex included) stays TEXT exactly as it is. A
-- media direct path that is exactly its media URL's path (the URL without "https://host", what an
-- import derives it from) is stored as an empty BLOB and derived again by the view.
-- The view `messages` decodes both (hex() is uppercase), so every read gives the same text as
-- before; it also shows the stored id as `id_key`, which lookups by id compare (the key's index).
-- Nothing else stores these values: reactions, receipts, held changes and live events keep text.
-- Rows are rewritten in place (the freed bytes stay in their pages, reused by later rows).

DROP VIEW messages;

UPDATE message_rows SET id = unhex(id)
WHERE typeof(id) = 'text' AND length(id) > 0 AND length(id) % 2 = 0 AND id NOT GLOB '*[^0-9A-F]*';

UPDATE message_rows SET quoted_id = unhex(quoted_id)
WHERE typeof(quoted_id) = 'text' AND length(quoted_id) > 0 AND length(quoted_id) % 2 = 0 AND quoted_id NOT GLOB '*[^0-9A-F]*';

UPDATE message_rows SET media_direct_path = X''
WHERE media_direct_path = (CASE WHEN substr(media_url, 1, 8) = 'https://' AND instr(substr(media_url, 9), '/') > 0
                                THEN substr(media_url, 8 + instr(substr(media_url, 9), '/')) END);

CREATE VIEW messages AS
  SELECT mr.pk AS pk, (SELECT jid FROM jids WHERE key = mr.chat) AS chat_jid,
    (CASE WHEN typeof(mr.id) = 'blob' THEN hex(mr.id) ELSE mr.id END) AS id,
    (SELECT jid FROM jids WHERE key = mr.sender) AS sender_id, mr.from_me AS from_me, mr.ts AS ts,
    mr.type AS type, mr.text AS text,
    (CASE WHEN typeof(mr.quoted_id) = 'blob' THEN hex(mr.quoted_id) ELSE mr.quoted_id END) AS quoted_id,
    mr.edited_text AS edited_text, mr.edited_at AS edited_at,
    mr.revoked AS revoked, mr.view_once AS view_once, mr.status AS status, mr.has_media AS has_media,
    mr.media_mimetype AS media_mimetype, mr.media_file_name AS media_file_name, mr.media_file_length AS media_file_length,
    mr.media_duration_sec AS media_duration_sec,
    (CASE WHEN typeof(mr.media_direct_path) = 'blob'
          THEN (CASE WHEN substr(mr.media_url, 1, 8) = 'https://' AND instr(substr(mr.media_url, 9), '/') > 0
                     THEN substr(mr.media_url, 8 + instr(substr(mr.media_url, 9), '/')) END)
          ELSE mr.media_direct_path END) AS media_direct_path,
    mr.media_url AS media_url,
    mr.media_key AS media_key, mr.media_file_sha256 AS media_file_sha256, mr.media_file_enc_sha256 AS media_file_enc_sha256,
    mr.media_key_ts AS media_key_ts, mr.raw AS raw, mr.revoked_by AS revoked_by, mr.chat AS chat_key, mr.sender AS sender_key,
    mr.id AS id_key
  FROM message_rows mr;

-- 0013 (SQLite / sql.js): a placeholder on branch h-fts only, so that 0014 applies in order
-- (the checker wants no gaps). The real 0013 is h-size's (column encodings of message_rows):
-- drop this file when merging that branch.
SELECT 1;

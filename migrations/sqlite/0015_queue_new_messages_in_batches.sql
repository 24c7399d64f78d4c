-- 0015 (SQLite / sql.js): new messages are queued for the full-text index by the program, one
-- statement per write batch (src/store/sqljs/apply.ts, `queueForIndex`), instead of by the
-- trigger messages_fts_queue, row by row: the trigger cost ~5 µs of a message's ~17 µs insert in
-- sql.js, the batched insert less than 1. The queue's content is the same: every inserted
-- message with revoked = 0 and a text, an edited text or a file name, in the write's own
-- transaction. The queue is written before any change or delete of a message in the same batch,
-- so the other index triggers (kept) see it complete. Messages queued before this migration stay
-- queued. Only apply.ts inserts message rows.

DROP TRIGGER IF EXISTS messages_fts_queue;

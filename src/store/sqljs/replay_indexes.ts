/**
 * A long journal replay at open (a crash after a big import or history sync, before a snapshot)
 * inserts most of its messages into a table that was small before it. Each insert then pays for
 * every index of `message_rows` (~2 µs each for the secondary ones, a third of a row's cost in
 * sql.js); building an index once at the end from the sorted rows costs ~0.6 µs a row. So, when
 * the replay is large next to the snapshot, the secondary indexes (those SQLite does not need to
 * insert: not the primary key, not the UNIQUE (id, chat) that ON CONFLICT uses) are dropped
 * before the first run of records that cannot need them, and created again, from their own SQL
 * in `sqlite_master`, before any run that might, and at the end of the replay.
 *
 * Safe by construction: indexes never change what a statement returns, only how fast; the ops
 * let through without them look messages up by (chat, id) only (the UNIQUE index), while the
 * ops that scan a chat's or a sender's messages (re-keying a LID, clearing or deleting a chat)
 * find the indexes back first. The replay is in memory: nothing is written to disk before the
 * indexes are back (a crash mid-replay replays again from the same files).
 */
import type { Database } from "sql.js";
import { personIdentities } from "../person_identity.ts";
import type { WriteOp } from "../types.ts";
import type { ReplayHooks, ReplaySize } from "./durable_recover.ts";

/**
 * Ops whose plans never read `message_rows` by chat or sender alone (everything else may: LID
 * links re-key, clearChat and deleteChat scan a chat); a person upsert too unless it names both a
 * phone JID and a LID (`withoutScans`).
 */
const WITHOUT_SCANS: ReadonlySet<WriteOp["op"]> = new Set<WriteOp["op"]>([
  "upsertMessage",
  "editMessage",
  "revokeMessage",
  "deleteMessage",
  "setMessageStatus",
  "upsertReaction",
  "upsertReceipt",
  "upsertPoll",
  "upsertPollVote",
  "upsertChat",
  "setParticipants",
  "addUnread",
  "markChatRead",
  "markChatUnread",
  "setAuth",
  "clearAuth",
  "setMeta",
]);

/** Whether `op`'s plan never reads message rows by chat or sender alone (a person upsert re-keys only when it links a LID). */
function withoutScans(op: WriteOp): boolean {
  if (op.op !== "upsertPerson") return WITHOUT_SCANS.has(op.op);
  const { pn, lid } = personIdentities(op.person);
  return pn === null || lid === null;
}

/** Journal bytes below which the indexes stay (a short replay: nothing to win). */
const MIN_JOURNAL_BYTES = 4 * 1024 * 1024;

/**
 * Whether a replay of this size is worth deferring the indexes for: a rebuild reads every row
 * (the snapshot's too), so the journal must be at least half the snapshot's size (a journal
 * record takes ~300-550 bytes a message, a stored message a similar share of the snapshot).
 */
export function defersIndexes(size: ReplaySize, minJournalBytes = MIN_JOURNAL_BYTES): boolean {
  return size.journalBytes >= minJournalBytes && size.journalBytes * 2 >= size.snapshotBytes;
}

/** The replay hooks of the sql.js store (see the module doc); null for a short replay (below `minJournalBytes`). */
export function messageIndexReplay(_db: Database, size: ReplaySize, minJournalBytes = MIN_JOURNAL_BYTES): Required<Pick<ReplayHooks<WriteOp>, "beforeRun" | "end">> | null {
  if (!defersIndexes(size, minJournalBytes)) return null;
  let dropped: string[] | null = null; // the CREATE INDEX statements to run again
  let done = false; // dropped and created again once: not again (each rebuild reads every row)
  const restore = (db: Database) => {
    if (dropped === null) return;
    db.exec(`BEGIN; ${dropped.join("; ")}; COMMIT`);
    dropped = null;
    done = true;
  };
  return {
    beforeRun(db, ops) {
      if (!ops.every(withoutScans)) return restore(db);
      if (dropped !== null || done || !ops.some((op) => op.op === "upsertMessage")) return;
      const indexes = secondaryIndexes(db);
      done = indexes.length === 0;
      if (done) return;
      dropped = indexes.map((i) => i.sql);
      db.exec(`BEGIN; ${indexes.map((i) => `DROP INDEX "${i.name}"`).join("; ")}; COMMIT`);
    },
    end: restore,
  };
}

/** message_rows' own indexes with their CREATE INDEX statements (SQLite's automatic ones have no SQL). */
function secondaryIndexes(db: Database): Array<{ name: string; sql: string }> {
  const rows = db.exec("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'message_rows' AND sql IS NOT NULL ORDER BY name")[0]?.values ?? [];
  return rows.map((r) => ({ name: String(r[0]), sql: String(r[1]) }));
}

/**
 * Rows the sql.js store's apply knows to exist in the committed database, kept across batches
 * so that a batch of messages does not look up, again, the `jids` keys and the people rows that
 * every earlier batch already wrote (per batch of 1,000 messages: one SELECT per distinct chat
 * and sender, and an INSERT OR IGNORE of every sender's people row; ~5 µs per message at ingest).
 *
 * What a batch learns is pending until its transaction commits (`settleKnownRows(db, true)`,
 * called by the durable engine after each COMMIT); a rollback drops it (`false`), so a key that
 * a rollback took back is never reused from here. `jids` rows are never changed or deleted, so a
 * committed key stays true. People rows may be deleted or re-keyed, but only by ops other than
 * message-side ones (a LID merged into its phone number): a batch holding any such op forgets
 * every known person before it runs and records none.
 */
import type { Database } from "sql.js";

/** The known rows of one database. */
export interface KnownRows {
  /** Committed `jids` keys by JID. */
  readonly keys: Map<string, number>;
  /** Committed people row ids. */
  readonly people: Set<string>;
  /** Learned by batches whose transaction has not ended yet. */
  readonly pendingKeys: Array<[string, number]>;
  readonly pendingPeople: string[];
}

/** Most entries kept (a bound on memory: beyond it the store forgets and learns again). */
const MAX_KNOWN = 200_000;

const known = new WeakMap<Database, KnownRows>();

/**
 * The known rows of `db`; undefined unless whoever runs its transactions reports their ends
 * (`settleKnownRows`): without that, what a batch learned could outlive a rollback.
 */
export function knownRowsOf(db: Database): KnownRows | undefined {
  return known.get(db);
}

/** Where the pending lists end now (to undo a batch that rolled back alone: `undoKnownTo`). */
export function knownMark(k: KnownRows): { keys: number; people: number } {
  return { keys: k.pendingKeys.length, people: k.pendingPeople.length };
}

/** Drops what was learned since `mark` (the batch's savepoint was rolled back). */
export function undoKnownTo(k: KnownRows, mark: { keys: number; people: number }): void {
  k.pendingKeys.length = Math.min(k.pendingKeys.length, mark.keys);
  k.pendingPeople.length = Math.min(k.pendingPeople.length, mark.people);
}

/** Forgets every known person (committed and pending): the batch may delete or re-key people. */
export function forgetKnownPeople(k: KnownRows): void {
  k.people.clear();
  k.pendingPeople.length = 0;
}

/**
 * The transaction on `db` ended: committed, what its batches learned is known from now on;
 * rolled back, it is dropped. The first call (before any write) starts the tracking of `db`.
 */
export function settleKnownRows(db: Database, committed: boolean): void {
  let k = known.get(db);
  if (!k) {
    k = { keys: new Map(), people: new Set(), pendingKeys: [], pendingPeople: [] };
    known.set(db, k);
  }
  if (committed) {
    if (k.keys.size + k.pendingKeys.length > MAX_KNOWN) k.keys.clear();
    if (k.people.size + k.pendingPeople.length > MAX_KNOWN) k.people.clear();
    for (const [jid, key] of k.pendingKeys) k.keys.set(jid, key);
    for (const id of k.pendingPeople) k.people.add(id);
  }
  k.pendingKeys.length = 0;
  k.pendingPeople.length = 0;
}

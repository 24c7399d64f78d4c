/**
 * The live commit's apply. A batch that brings many messages (a history sync, an import) is
 * written the way a journal replay writes it (`applySqlite(db, ops, true)`: new messages many
 * rows per INSERT, their pks computed in JS; ~3 µs a row instead of ~5 one statement per row).
 * That path assumes each message new until its rows are written; anything unexpected (a message
 * stored already, a pk taken) rolls the batch back and `applySqlite` applies it row by row, so
 * the rows are always what the row-by-row path gives. A small batch (a live message, a receipt)
 * goes row by row at once: nothing to win.
 */
import type { Database } from "sql.js";
import type { WriteOp } from "../types.ts";
import { applySqlite } from "./apply.ts";
import { type BackOffs, withBackOff } from "./back_off.ts";

/** Fewest new-message ops for a batch to try the multi-row path (below, one INSERT per message costs as little). */
export const LIVE_ROWS_MIN = 64;

/** Since the process started: live batches tried on the multi-row path, and those given back to the row-by-row one (tests). */
export const liveCounts = { tried: 0, fallbacks: 0 };

/** Per connection: the live commit's back-off (`back_off.ts`). */
const backOffs: BackOffs = new WeakMap();

/** Applies one committed batch, all or nothing (the rows of `applySqlite(db, ops)`, see the module doc). */
export function applyLiveSqlite(db: Database, ops: readonly WriteOp[]): void {
  if (messageOps(ops) < LIVE_ROWS_MIN) return applySqlite(db, ops);
  withBackOff(backOffs, db, () => {
    liveCounts.tried++;
    applySqlite(db, ops, true);
  }, () => applySqlite(db, ops), () => liveCounts.fallbacks++);
}

/** How many of `ops` store a message. */
function messageOps(ops: readonly WriteOp[]): number {
  let count = 0;
  for (const op of ops) if (op.op === "upsertMessage") count++;
  return count;
}

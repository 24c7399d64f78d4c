/**
 * The sql.js store's message pk: compact and time-ordered. The pk is the row's key, the
 * full-text index's docid (its doclists store docid deltas as varints) and the tail of every
 * index entry, so small gaps between consecutive messages make all of them smaller. WhatsApp
 * stamps messages in whole seconds, so the pk counts slots per second, not per millisecond
 * (PostgreSQL keeps `ts * 1024 + slot`, `../keys.ts`).
 *
 * A second s has SECOND_SLOTS pks, from s * SECOND_SLOTS: its whole-second instant owns the
 * first WHOLE_SECOND_SLOTS (a burst of messages sharing a second, in arrival order), then each
 * of its 999 other milliseconds owns one. These ranges follow each other in time, so:
 * - pk order is time order: a message's pk is at least its instant's base, and below the next
 *   instant's base unless its range was full when it arrived. A full range spills into the rest
 *   of its second (after the highest pk there), so order can only differ within one second, and
 *   only when two messages of one millisecond other than the whole second, or more than
 *   WHOLE_SECOND_SLOTS of one whole second, arrive after later ones; a full second (more than
 *   SECOND_SLOTS messages) spills past the highest pk above it, as the per-millisecond pk did.
 * - date filters (COMPACT_PK_RANGE): messages at or after t have pk >= from(t); messages before t have
 *   pk < until(t) (the end of t's second when t is inside one): the readers check ts
 *   exactly within those pk ranges. Pure.
 */
import type { PkRange } from "../keys.ts";

/** Pks per second. */
export const SECOND_SLOTS = 2048;
/** Pks of a second's whole-second instant (the rest: one per other millisecond). */
export const WHOLE_SECOND_SLOTS = SECOND_SLOTS - 999;
// 2^53 / 2048 s: far beyond; instants are clamped as the PostgreSQL pk clamps them (year 2245).
const MAX_TS = 8_700_000_000_000;

const clampTs = (ts: number): number => Math.trunc(Math.max(-MAX_TS, Math.min(MAX_TS, Number.isFinite(ts) ? ts : 0)));

/** The first pk of a message timestamp's (ms) slot range. */
export function compactPkBase(ts: number): number {
  const t = clampTs(ts);
  const s = Math.floor(t / 1000);
  const ms = t - s * 1000;
  return s * SECOND_SLOTS + (ms === 0 ? 0 : WHOLE_SECOND_SLOTS - 1 + ms);
}

/** The date-filter bounds of this scheme (see the module comment). */
export const COMPACT_PK_RANGE: PkRange = {
  from: compactPkBase,
  until: (ts) => Math.ceil(clampTs(ts) / 1000) * SECOND_SLOTS,
};

// In SQL, from the base ?1: its slot in the second, the end of its own range, the end of its second.
const SLOT = `(?1 & ${SECOND_SLOTS - 1})`;
const RANGE_END = `(CASE WHEN ${SLOT} = 0 THEN ?1 + ${WHOLE_SECOND_SLOTS} ELSE ?1 + 1 END)`;
const SECOND_END = `(?1 - ${SLOT} + ${SECOND_SLOTS})`;

/**
 * SQL: the pk of a new message whose base (compactPkBase) is ?1: the next free slot of its own
 * range, else past the highest pk of the rest of its second, else past the highest pk above it.
 */
export const PK_ALLOC = `coalesce(
  (SELECT CASE WHEN max(pk) IS NULL THEN ?1 WHEN max(pk) + 1 < ${RANGE_END} THEN max(pk) + 1 END
     FROM message_rows WHERE pk >= ?1 AND pk < ${RANGE_END}),
  (SELECT CASE WHEN max(pk) + 1 < ${SECOND_END} THEN max(pk) + 1 END
     FROM message_rows WHERE pk >= ?1 AND pk < ${SECOND_END}),
  (SELECT max(pk) + 1 FROM message_rows WHERE pk >= ?1))`;

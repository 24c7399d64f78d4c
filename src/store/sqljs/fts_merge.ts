/**
 * Keeps the full-text index (`messages_fts`, FTS4) in few segments, cheaply. Every index round
 * writes at least one new segment, and a search probes every segment for each of its words
 * (measured on 1M messages: a rare word ~200 µs over 21 segments, 15-33 µs over one). FTS4 alone
 * merges a level once it holds 16 segments, and its `merge=X,Y` command merges whole levels: in
 * live use (a round each time writes pause) that rewrites the biggest segment (54 MB at 1M
 * messages, ~1.5 s of CPU, and every page it writes pinned in memory until the next snapshot)
 * again and again.
 *
 * The rule here (`mergeCount`, pure): segments in age order, the newest ones are merged into one
 * from the oldest segment that is small (the merge's output at most `smallBytes`) or at most
 * `ratio` times the size of all segments newer than it together. So fresh segments are folded
 * together at once, a bigger segment is rewritten only when the data that arrived after it is a
 * sizeable part of it (a quarter by default: the 54 MB one after ~14 MB of new index, ~200k
 * messages), and the sizes left grow geometrically from the newest to the oldest (few segments).
 *
 * FTS4 merges only whole levels (`merge=X,Y`: the lowest level with at least Y segments, all of
 * them, into one segment a level up), so before a merge starts the segments are given the levels
 * that make it merge exactly the chosen ones (`relabel`): the newest `count` at level
 * MERGE_LEVEL, the older ones at OUTPUT_LEVEL (where the merge writes its output, as the newest
 * there). A segment's age is its place in (level DESC, idx ASC), which relabel keeps, so every
 * search answers the same. The merge then runs in small steps (`mergeStep`, a few pages each,
 * its state kept by FTS4 in `messages_fts_stat` between steps: queries stay exact meanwhile).
 *
 * Crash safety: each step is one transaction of the caller's; the index is derived data, not
 * journaled, and a snapshot holds the index as some step left it (a merge in progress is
 * continued after the next open).
 */
import type { Database } from "sql.js";
import { statementsOf } from "./statements.ts";

/** The size rule (see the module doc). */
export interface MergeRule {
  /** A segment is merged with the newer ones once it is at most `ratio` times their size together. */
  ratio: number;
  /** Merges whose output is at most this many bytes are always done. */
  smallBytes: number;
}

/** The default rule: a segment is rewritten once the data newer than it is a quarter of it. */
export const MERGE_RULE: MergeRule = { ratio: 4, smallBytes: 256 * 1024 };

/** Level the chosen segments are put at; FTS4 writes the merge's output one level up. */
const MERGE_LEVEL = 2;
const OUTPUT_LEVEL = MERGE_LEVEL + 1;
/**
 * `merge=X,NO_NEW_MERGE` finds no level with that many segments, so FTS4 only continues the
 * merge in progress (its hint), and starts no other.
 */
const NO_NEW_MERGE = 1000;
/** FTS4's `%_stat` row of the incremental merge's hint (FTS_STAT_INCRMERGEHINT). */
const HINT_ROW = 1;

/**
 * How many of the newest segments to merge into one (0: none), given the segments' sizes in bytes
 * from the oldest to the newest.
 */
export function mergeCount(bytes: readonly number[], rule: MergeRule = MERGE_RULE): number {
  let newer = 0;
  let count = 0;
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = bytes[i]!;
    if (newer > 0 && (b + newer <= rule.smallBytes || b <= rule.ratio * newer)) count = bytes.length - i;
    newer += b;
  }
  return count >= 2 ? count : 0;
}

/** A segment of the index, as `%_segdir` lists it. */
export interface Segment {
  rowid: number;
  level: number;
  idx: number;
  /** Its leaves' bytes (FTS4 keeps the sum in `end_block`) and its root's. */
  bytes: number;
}

/**
 * The index's segments from the oldest to the newest. FTS4 records a segment's leaf bytes after
 * its end block ("end size"; negative while a merge writes it); segments without the figure count
 * their leaves at a full node each.
 */
export function segments(db: Database): Segment[] {
  const out: Segment[] = [];
  statementsOf(db).each(
    `SELECT rowid, level, idx, CASE WHEN instr(end_block, ' ') > 0
         THEN abs(CAST(substr(end_block, instr(end_block, ' ') + 1) AS INTEGER))
         ELSE max(0, leaves_end_block - start_block + (start_block > 0)) * 4096 END + length(root)
       FROM messages_fts_segdir WHERE level BETWEEN 0 AND 1023 ORDER BY level DESC, idx ASC`,
    undefined,
    (r) => void out.push({ rowid: r[0] as number, level: r[1] as number, idx: r[2] as number, bytes: r[3] as number }),
  );
  return out;
}

/** True while an incremental merge is under way (FTS4 keeps its hint between steps). */
export function mergeInProgress(db: Database): boolean {
  return Number(statementsOf(db).value("SELECT length(value) FROM messages_fts_stat WHERE id = ?", [HINT_ROW]) ?? 0) > 0;
}

/**
 * Gives the newest `count` segments levels (MERGE_LEVEL, 0..count-1) and the older ones
 * (OUTPUT_LEVEL, 0..), both in age order: the order of all segments is unchanged. Only rows
 * whose place changes are written, through negative levels (no search sees them: same transaction).
 */
function relabel(db: Database, segs: readonly Segment[], count: number): void {
  const s = statementsOf(db);
  const keep = segs.length - count;
  const moves = segs
    .map((seg, i) => ({ seg, level: i < keep ? OUTPUT_LEVEL : MERGE_LEVEL, idx: i < keep ? i : i - keep }))
    .filter((m) => m.seg.level !== m.level || m.seg.idx !== m.idx);
  const move = "UPDATE messages_fts_segdir SET level = ?, idx = ? WHERE rowid = ?";
  moves.forEach((m, i) => s.run(move, [-1 - i, 0, m.seg.rowid]));
  for (const m of moves) s.run(move, [m.level, m.idx, m.seg.rowid]);
}

/** What a merge step did. */
export type MergeStepResult = "none" | "started" | "continued";

/**
 * One step of merging, in the caller's transaction: continues the merge in progress by up to
 * `pages` leaf pages, or starts the merge the rule asks for (relabelled, one leaf page written),
 * or does nothing ("none": the index is as few segments as the rule wants).
 */
export function mergeStep(db: Database, pages: number, rule: MergeRule = MERGE_RULE): MergeStepResult {
  const s = statementsOf(db);
  const command = "INSERT INTO messages_fts (messages_fts) VALUES (?)";
  if (mergeInProgress(db)) {
    s.run(command, [`merge=${Math.max(1, Math.trunc(pages))},${NO_NEW_MERGE}`]);
    return "continued";
  }
  const segs = segments(db);
  const count = mergeCount(segs.map((x) => x.bytes), rule);
  if (count === 0) return "none";
  relabel(db, segs, count);
  // One leaf page: FTS4 stops after this level's first page (a small merge completes), so it does
  // not go on to merge OUTPUT_LEVEL, which may hold `count` segments by now.
  s.run(command, [`merge=1,${count}`]);
  return "started";
}

/** True when a `mergeStep` would do something. */
export function mergeWanted(db: Database, rule: MergeRule = MERGE_RULE): boolean {
  return mergeInProgress(db) || mergeCount(segments(db).map((x) => x.bytes), rule) > 0;
}

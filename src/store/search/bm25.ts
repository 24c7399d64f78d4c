/**
 * BM25 relevance from SQLite FTS4 `matchinfo(t, 'pcnax')` over the word columns taken as one
 * field: the message text (column 0) and the file name (column 1); the last column holds scope
 * tokens. The row's own length (`l`) is not stored (the index has no document sizes,
 * `matchinfo=fts3`): the caller counts the row's indexed tokens (see functions.ts). Pure.
 */

/** BM25 parameters (the usual defaults). */
const K1 = 1.2;
const B = 0.75;
/** Columns holding words (the text and the file name), from the first. */
const WORD_COLUMNS = 2;

/**
 * Score of one row from its matchinfo blob (32-bit little-endian unsigned integers) and its
 * length `dl` (tokens in the word columns, as FTS4 counts them). Higher is better.
 */
export function bm25FromMatchinfo(blob: Uint8Array, dl: number): number {
  const m = readMatchinfo(blob);
  return m === null ? 0 : bm25Score(m.tf, m.df, m.n, m.avgdl, dl);
}

/** What the score takes from a matchinfo 'pcnax' blob (null: too short to hold it). */
export interface MatchinfoParts {
  /** Rows in the table. */
  n: number;
  /** The word columns' average lengths ('a'), summed. */
  avgdl: number;
  /** Per phrase: hits in this row, in the word columns. */
  tf: number[];
  /** Per phrase: rows with a hit, per word column, summed. */
  df: number[];
}

/** The parts of a matchinfo 'pcnax' blob the score uses. */
export function readMatchinfo(blob: Uint8Array): MatchinfoParts | null {
  if (blob.byteLength < 12) return null;
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const u = (i: number) => v.getUint32(i * 4, true);
  const p = u(0); // phrases
  const c = u(1); // columns
  const n = u(2); // rows in the table
  const words = Math.min(WORD_COLUMNS, c);
  if ((3 + c + 3 * p * c) * 4 > blob.byteLength) return null;
  let avgdl = 0; // 'a': average tokens per column
  for (let k = 0; k < words; k++) avgdl += u(3 + k);
  const x = 3 + c; // 'x': 3 values per (phrase, column): hits here, hits everywhere, rows with hits
  const tf: number[] = [];
  const df: number[] = [];
  for (let i = 0; i < p; i++) {
    let t = 0;
    let d = 0;
    for (let k = 0; k < words; k++) {
      const at = x + 3 * (i * c + k);
      t += u(at);
      d += u(at + 2); // rows with a hit in either column, counted once per column: a close upper bound
    }
    tf.push(t);
    df.push(d);
  }
  return { n, avgdl, tf, df };
}

/**
 * The score from its parts, phrase by phrase in matchinfo's order: each phrase's hits in the row
 * (`tf`) and rows with a hit (`df`), both summed over the word columns; the table's rows (`n`),
 * the sum of the word columns' average lengths as matchinfo's 'a' gives them (`avgdl`), the row's
 * length (`dl`). What `bm25FromMatchinfo` computes, also for a row scored without matchinfo
 * (sqljs/fts_relevance.ts: the same additions in the same order, so the same double).
 */
export function bm25Score(tf: readonly number[], df: readonly number[], n: number, avgdl: number, dl: number): number {
  avgdl ||= 1;
  let score = 0;
  for (let i = 0; i < tf.length; i++) {
    const t = tf[i]!;
    if (t === 0) continue;
    const d = Math.min(df[i]!, n);
    const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
    score += (idf * t * (K1 + 1)) / (t + K1 * (1 - B + (B * dl) / avgdl));
  }
  return score;
}

/**
 * matchinfo's 'a' for a column from the table's totals (FTS4's own rounding: the column's tokens,
 * as a 32-bit count, plus half the rows, divided by the rows).
 */
export function averageLength(tokens: number, rows: number): number {
  return rows === 0 ? 0 : Math.floor(((tokens % 2 ** 32) + Math.floor(rows / 2)) / rows);
}

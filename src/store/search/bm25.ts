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
  if (blob.byteLength < 12) return 0;
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const u = (i: number) => v.getUint32(i * 4, true);
  const p = u(0); // phrases
  const c = u(1); // columns
  const n = u(2); // rows in the table
  const words = Math.min(WORD_COLUMNS, c);
  if ((3 + c + 3 * p * c) * 4 > blob.byteLength) return 0;
  let avgdl = 0; // 'a': average tokens per column
  for (let k = 0; k < words; k++) avgdl += u(3 + k);
  avgdl ||= 1;
  const x = 3 + c; // 'x': 3 values per (phrase, column): hits here, hits everywhere, rows with hits
  let score = 0;
  for (let i = 0; i < p; i++) {
    let tf = 0;
    let df = 0;
    for (let k = 0; k < words; k++) {
      const at = x + 3 * (i * c + k);
      tf += u(at);
      df += u(at + 2); // rows with a hit in either column, counted once per column: a close upper bound
    }
    if (tf === 0) continue;
    df = Math.min(df, n);
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * dl) / avgdl));
  }
  return score;
}

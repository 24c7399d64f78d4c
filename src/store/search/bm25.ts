/**
 * BM25 relevance from SQLite FTS4 `matchinfo(t, 'pcnalx')`, over the first column only (the
 * message text; the second column holds scope tokens). Pure.
 */

/** BM25 parameters (the usual defaults). */
const K1 = 1.2;
const B = 0.75;

/** Score of one row from its matchinfo blob (32-bit little-endian unsigned integers). Higher is better. */
export function bm25FromMatchinfo(blob: Uint8Array): number {
  if (blob.byteLength < 12) return 0;
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const u = (i: number) => v.getUint32(i * 4, true);
  const p = u(0); // phrases
  const c = u(1); // columns
  const n = u(2); // rows in the table
  const avgdl = u(3) || 1; // 'a': average tokens in column 0
  const dl = u(3 + c); // 'l': tokens of this row in column 0
  const x = 3 + 2 * c; // 'x': 3 values per (phrase, column)
  let score = 0;
  for (let i = 0; i < p; i++) {
    const at = x + 3 * (i * c); // column 0
    if ((at + 3) * 4 > blob.byteLength) break;
    const tf = u(at);
    if (tf === 0) continue;
    const df = u(at + 2);
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * dl) / avgdl));
  }
  return score;
}

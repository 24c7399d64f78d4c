/**
 * What the queued messages will add to the full-text index's totals (FTS4's doctotal: rows, and
 * tokens in the body and file_name columns), which a relevance search over a long queue needs
 * (fts_relevance.ts). Each queued message carries its counts (`fts_pending.text_tokens`,
 * `file_tokens`, migration 0016), computed by the batch that queues it from the row it inserts
 * (apply.ts, `wordsOfRow`), so the queue's totals are a sum in SQL, not a tokenization of every
 * queued message. A message whose words change while queued loses its counts (the trigger of
 * 0016); those, and the ones queued before 0016, are counted here from their rows, as FTS4 will
 * count them (fts_tokens.ts `indexedTextOf`), and the background stores them (`countUncounted`).
 */
import type { Database } from "sql.js";
import { type IndexedText, indexedTextOf } from "./fts_tokens.ts";
import { type Statements, statementsOf } from "./statements.ts";

/** What FTS4's doctotal holds: rows, and tokens in each word column (text, file name). */
export interface CorpusTotals {
  rows: number;
  text: number;
  file: number;
}

/**
 * A message's two counts travel packed in one JSON number (`text + file * 2^WORDS_BITS`, < 2^52:
 * exact in a double) to the one INSERT that queues a batch (a second value per row through
 * `->>` cost ~1 µs a row, a number ~0.3).
 */
const WORDS_BITS = 26;
const WORDS_MAX = 2 ** WORDS_BITS;
const utf8 = new TextEncoder();

/**
 * The packed counts of a message about to be queued, from its row's current text (the edit when
 * there is one) and file name, as `indexQueued` will index it; null when left uncounted: words of
 * ours without a token of the index's tokenizer (the row still counts in FTS4's rows), or a text
 * the store holds otherwise (a lone surrogate: sql.js writes other bytes).
 */
export function wordsOfRow(db: Database): (current: string | null, name: string | null) => number | null {
  const view = indexedTextOf(db);
  return (current, name) => {
    const w = rowWords(view, current, name);
    if (w.onlyOurWords) return null;
    if (!wellFormed(current) || !wellFormed(name)) return null;
    return w.text < WORDS_MAX && w.file < WORDS_MAX ? w.text + w.file * WORDS_MAX : null;
  };
}

/**
 * `String.prototype.isWellFormed` (ES2024: Node 20, Deno 2), typed here: tsconfig's lib is
 * ES2023, which lacks it.
 */
const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed;

/** Whether a text has no lone surrogate (null: none). */
function wellFormed(text: string | null): boolean {
  return text === null || isWellFormed.call(text);
}

/**
 * Queues messages (`entries`: pk, then its packed counts or null, for each), in one statement:
 * a JSON object from pk to counts (json_each's key, cheaper than an array per row). A pk queued
 * already gets the new counts (its row was just written).
 */
export function queueWithWords(s: Statements, entries: ReadonlyArray<number | null>): void {
  let json = "{";
  for (let i = 0; i < entries.length; i += 2) json += `${i === 0 ? '"' : ',"'}${entries[i]}":${entries[i + 1] ?? "null"}`;
  s.run(
    `INSERT OR REPLACE INTO fts_pending (docid, text_tokens, file_tokens)
     SELECT CAST(key AS INTEGER), value & ${WORDS_MAX - 1}, value >> ${WORDS_BITS} FROM json_each(CAST(? AS TEXT))`,
    [utf8.encode(`${json}}`)],
  );
}

/** The queued messages not counted, after a docid (`?`), up to a count (`?`), with their current text and file name (revoked ones have none). */
const UNCOUNTED = `SELECT p.docid, CASE WHEN m.revoked = 0 THEN coalesce(m.edited_text, m.text) END,
    CASE WHEN m.revoked = 0 THEN m.media_file_name END
  FROM fts_pending p INDEXED BY fts_pending_uncounted CROSS JOIN message_rows m ON m.pk = p.docid
  WHERE p.text_tokens IS NULL AND p.docid > ? ORDER BY p.docid LIMIT ?`;

/**
 * The totals the queued messages add to the index's: the sum of the stored counts, and the
 * uncounted messages counted from their rows.
 */
export function queueTotals(db: Database): CorpusTotals {
  const s = statementsOf(db);
  const t: CorpusTotals = { rows: 0, text: 0, file: 0 };
  s.each(
    // Only the rows with tokens (a row of none adds 0 to the sums, an uncounted one NULL): one
    // condition a row instead of two (1M queued: 79 -> 74 ms).
    `SELECT count(*), total(text_tokens), total(file_tokens) FROM fts_pending WHERE text_tokens + file_tokens > 0`,
    [],
    (r) => {
      t.rows = Number(r[0]);
      t.text = Number(r[1]);
      t.file = Number(r[2]);
    },
  );
  const count = rowCounter(db, t);
  s.each(UNCOUNTED, [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], (r) => count(str(r[1]), str(r[2])));
  return t;
}

/**
 * Stores the counts of up to `limit` uncounted queued messages after the docid `after` (a
 * background step, in the caller's transaction). Returns the last docid read while more may be
 * left, null once the end was read. A text `wordsOfRow` leaves uncounted stays so (each search
 * counts it).
 */
export function countUncounted(db: Database, after: number, limit: number): number | null {
  const words = wordsOfRow(db);
  const entries: Array<number | null> = [];
  let last = after;
  let read = 0;
  statementsOf(db).each(UNCOUNTED, [after, limit], (r) => {
    read++;
    last = Number(r[0]);
    const packed = words(str(r[1]), str(r[2]));
    if (packed !== null) entries.push(last, packed);
  });
  if (entries.length > 0) queueWithWords(statementsOf(db), entries);
  return read < limit ? null : last;
}

/** Counts a message (its current text and file name; null when revoked) into `t` as the complete index holds it. */
export function rowCounter(db: Database, t: CorpusTotals): (current: string | null, name: string | null) => void {
  const view = indexedTextOf(db);
  return (current, name) => {
    const w = rowWords(view, current, name);
    if (w.text + w.file > 0 || w.onlyOurWords) t.rows++;
    t.text += w.text;
    t.file += w.file;
  };
}

/** A message's tokens as FTS4 counts them, in its text and in its file name. */
interface RowWords {
  text: number;
  file: number;
  /** No index token, but words of ours (marks the index's tokenizer drops): FTS4 still counts the row. */
  onlyOurWords: boolean;
}

/** The counts of a message from its current text and file name (the name not when it repeats the text, as searchFields). */
function rowWords(view: IndexedText, current: string | null, name: string | null): RowWords {
  const file = name && name !== current ? name : null;
  const text = view.length(current);
  const fileWords = view.length(file);
  const onlyOurWords = text + fileWords === 0 && (view.hasOurWords(current) || view.hasOurWords(file));
  return { text, file: fileWords, onlyOurWords };
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : typeof v === "string" ? v : String(v);
}

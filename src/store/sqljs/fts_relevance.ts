/**
 * The relevance order over the index and a long queue, without indexing the queue first: the
 * same pages, scores included, as the index answers once every queued message is in it.
 *
 * The index's score (read_sql.ts `searchRelevanceSql`, search/bm25.ts) takes from matchinfo the
 * table's rows and average column lengths, and per phrase the rows with a hit: figures of the
 * complete index, which a queued message changes. The complete index holds every message with
 * words, so its rows and tokens are counted here over the messages as `indexQueued` indexes
 * them (as FTS4 counts them, fts_length.ts); they only change with a commit, so they are kept
 * until the next one, counted ahead by the background in steps (`countTotals`), and what is
 * left by the search's own walk of the queue (`walkQueue`). Each
 * phrase's rows with a hit are the index's (FTS4 itself, the phrase alone) plus the queued
 * messages' (matched here as fts_backlog.ts matches them). A row's own hits come from matchinfo
 * for an indexed message and are counted the same way for a queued one; the score is then
 * computed with the same additions in the same order (bm25.ts `bm25Score`). The window (the
 * newest RELEVANCE_WINDOW matches, then the other filters) is the index's newest and the
 * queue's newest merged. A search reads all this in one synchronous step (no background round
 * moves messages between the reads).
 */
import type { BindParams, Database, SqlValue } from "sql.js";
import { averageLength, bm25Score, readMatchinfo } from "../search/bm25.ts";
import { compileMatcher, indexPhrase, type IndexPhrase, phraseHits, requiredTokens, type TokenNeed } from "../search/match.ts";
import { ftsPhrases, ftsTermText, type QueryNode } from "../search/query.ts";
import { prefilterSql, ruledOut } from "./fts_backlog.ts";
import { indexedLength } from "./fts_length.ts";
import { indexedTextOf, indexTokensOf } from "./fts_tokens.ts";
import { RELEVANCE_WINDOW } from "./read_sql.ts";
import { statementsOf } from "./statements.ts";

/** What FTS4's doctotal holds: rows, and tokens in each word column (text, file name). */
export interface CorpusTotals {
  rows: number;
  text: number;
  file: number;
}

/** A relevance page's message: its pk and score. */
export interface RankedHit {
  pk: number;
  rank: number;
}

/** Most alternative tokens in the queue walk's prefilter (one per phrase). */
const PREFILTER_ALTERNATIVES = 8;

/** The index's totals now (messages_fts_stat's doctotal: FTS4 varints, rows then each column's tokens). */
export function indexTotals(db: Database): CorpusTotals {
  const blob = statementsOf(db).value("SELECT value FROM messages_fts_stat WHERE id = 0");
  if (!(blob instanceof Uint8Array)) return { rows: 0, text: 0, file: 0 };
  const out: number[] = [];
  let at = 0;
  while (at < blob.length && out.length < 3) {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = blob[at++]!;
      v += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80 || at >= blob.length) break;
    }
    out.push(v);
  }
  return { rows: out[0] ?? 0, text: out[1] ?? 0, file: out[2] ?? 0 };
}

/** The messages after a pk (`?`), up to a count (`?`), in pk order, with their current text and file name. */
const MESSAGE_TEXTS = `SELECT m.pk, coalesce(m.edited_text, m.text), m.media_file_name FROM message_rows m
  WHERE m.pk > ? AND m.revoked = 0 AND (m.text IS NOT NULL OR m.edited_text IS NOT NULL OR m.media_file_name IS NOT NULL)
  ORDER BY m.pk LIMIT ?`;

/** A count of the complete index's totals under way (or done) on a connection, for the messages as of `stamp`. */
interface TotalsPass {
  stamp: string | null;
  /** The last message counted (pk order). */
  after: number;
  done: boolean;
  totals: CorpusTotals;
}

const passes = new WeakMap<Database, TotalsPass>();

/**
 * Counts up to `rows` more messages into the complete index's totals for the messages as of
 * `stamp` (the repository's commits; null while one is under way: nothing is kept), starting
 * over when the stamp changed. The complete index holds every message with words, as
 * `indexQueued` indexes it: one row each, its tokens per column as FTS4 counts them
 * (fts_length.ts). Returns whether the count is complete. Run in steps by the background (a
 * search finishes what is left): indexing does not change the totals, only commits do.
 */
export function countTotals(db: Database, stamp: string | null, rows: number): boolean {
  return advance(db, passFor(db, stamp), rows);
}

/** The count for the messages as of `stamp` (a new one when the stamp changed; not kept when null). */
function passFor(db: Database, stamp: string | null): TotalsPass {
  let pass = passes.get(db);
  if (pass === undefined || stamp === null || pass.stamp !== stamp) {
    pass = { stamp, after: Number.MIN_SAFE_INTEGER, done: false, totals: { rows: 0, text: 0, file: 0 } };
    if (stamp !== null) passes.set(db, pass);
  }
  return pass;
}

function advance(db: Database, pass: TotalsPass, rows: number): boolean {
  if (pass.done) return true;
  const count = rowCounter(db, pass.totals);
  let read = 0;
  statementsOf(db).each(MESSAGE_TEXTS, [pass.after, rows], (r) => {
    read++;
    pass.after = Number(r[0]);
    count(str(r[1]), str(r[2]));
  });
  pass.done = read < rows;
  return pass.done;
}

/** Counts a message (its current text and file name, not revoked) into `t` as the complete index holds it. */
function rowCounter(db: Database, t: CorpusTotals): (current: string | null, name: string | null) => void {
  const view = indexedTextOf(db);
  return (current, name) => {
    const file = name && name !== current ? name : null; // as searchFields: not when it repeats the text
    const a = view.length(current);
    const b = view.length(file);
    // No index token: words of ours may still be there (marks the index's tokenizer drops).
    if (a + b > 0 || view.hasOurWords(current) || view.hasOurWords(file)) t.rows++;
    t.text += a;
    t.file += b;
  };
}

/** Whether the complete index's totals for the messages as of `stamp` are counted. */
export function totalsCounted(db: Database, stamp: string | null): boolean {
  const pass = passes.get(db);
  return stamp !== null && pass?.stamp === stamp && pass.done;
}

/** The complete index's totals for the messages as they are (`stamp`: see `countTotals`), counting what is left. */
export function completeTotals(db: Database, stamp: string | null): CorpusTotals {
  const pass = passFor(db, stamp);
  advance(db, pass, Number.MAX_SAFE_INTEGER);
  return pass.totals;
}

/** What `wa_relevance_row` does for the walk under way on a connection (see `relevanceCountingSql`). */
type RowFilter = (pk: number, current: string | null, name: string | null) => boolean;
const rowFilters = new WeakMap<Database, { current: RowFilter | null }>();

/** Registers `wa_relevance_row` on `db` once (re-registering a function would expire the statements that call it). */
function rowFilterSlot(db: Database): { current: RowFilter | null } {
  let slot = rowFilters.get(db);
  if (slot === undefined) {
    const s: { current: RowFilter | null } = { current: null };
    db.create_function("wa_relevance_row", (pk: SqlValue, current: SqlValue, name: SqlValue) => {
      if (s.current === null) throw new Error("wa_relevance_row called outside a relevance walk");
      return s.current(Number(pk), str(current), str(name)) ? 1 : 0;
    });
    rowFilters.set(db, slot = s);
  }
  return slot;
}

/**
 * Whether a relevance search of `node` can be answered over a long queue: not when one of its
 * phrases has no token the index's tokenizer keeps (FTS4's empty phrase; then the search
 * indexes the queue first).
 */
export function rankableOverQueue(db: Database, node: QueryNode): boolean {
  const indexTokens = indexTokensOf(db);
  return ftsPhrases(node).every((t) => indexPhrase(t.tokens, t.prefix, indexTokens) !== null);
}

/** A relevance search over the index and a long queue (see the module's comment). */
export interface RelevanceSearch {
  /** The positive tree (query.ts `searchTree`). */
  node: QueryNode;
  /**
   * read_sql.ts `relevanceIndexedSql`, `relevanceQueuedSql` (given `scan`, a prefilter, and
   * whether only up to :countedPk) and `relevanceCountingSql` for the search's filters.
   */
  indexedSql: string;
  queuedSql: (prefilter: string | null, upTo: boolean) => string;
  countingSql: string;
  /** Their parameters (:fts, the MATCH text with the scope tokens, and the filters'). */
  params: BindParams;
  offset: number;
  limit: number;
  /** The repository's commit stamp (see `completeTotals`). */
  stamp: string | null;
}

interface Candidate {
  pk: number;
  kept: boolean;
  /** Hits per phrase (matchinfo's order), in the word columns. */
  tf: number[];
  current: string | null;
  file: string | null;
}

/** The page (offset, limit) of a relevance search over the index and the queue, best first, with scores. */
export function relevanceHits(db: Database, q: RelevanceSearch): RankedHit[] {
  const s = statementsOf(db);
  const indexTokens = indexTokensOf(db);
  const terms = ftsPhrases(q.node);
  const phrases = terms.map((t) => indexPhrase(t.tokens, t.prefix, indexTokens)!); // rankableOverQueue
  const pass = passFor(db, q.stamp);

  // The index's newest matches, with their hits from matchinfo.
  const indexed: Candidate[] = [];
  s.each(q.indexedSql, q.params, (r) => {
    const mi = r[1] instanceof Uint8Array ? readMatchinfo(r[1]) : null;
    indexed.push({ pk: Number(r[0]), kept: r[4] === 1, tf: mi?.tf ?? [], current: str(r[2]), file: str(r[3]) });
  });

  // Each phrase's rows with a hit: in the index (FTS4 on the phrase alone), then in the queue.
  const df = terms.map((t) => indexedRowsWithHits(db, ftsTermText(t)));
  const queued = walkQueue(db, q, terms, phrases, df, pass);
  const totals = pass.totals; // counted by now (`walkQueue`)

  const window = mergeNewest(indexed, queued, RELEVANCE_WINDOW).filter((c) => c.kept);
  const a = averageLength(totals.text, totals.rows) + averageLength(totals.file, totals.rows);
  const dl = indexedLength(db);
  const ranked = window.map((c) => ({ pk: c.pk, rank: bm25Score(c.tf, df, totals.rows, a, dl(c.current, c.file)) }));
  ranked.sort((x, y) => y.rank - x.rank || y.pk - x.pk);
  return ranked.slice(q.offset, q.offset + q.limit);
}

/** Rows of the index with a hit of the phrase (MATCH text `term`) in a word column, summed over the two (matchinfo 'x'). */
function indexedRowsWithHits(db: Database, term: string): number {
  const blob = statementsOf(db).value("SELECT matchinfo(messages_fts, 'pcx') FROM messages_fts WHERE messages_fts MATCH ? LIMIT 1", [term]);
  if (!(blob instanceof Uint8Array) || blob.byteLength < 8 * 4) return 0;
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const c = v.getUint32(4, true);
  let rows = 0;
  for (let k = 0; k < Math.min(2, c); k++) rows += v.getUint32((2 + 3 * k + 2) * 4, true);
  return rows;
}

/**
 * Reads the queued messages the prefilter keeps, newest first: adds each phrase's queued rows with
 * a hit to `df`, and returns the newest RELEVANCE_WINDOW in the window's range that match. When
 * the totals are not counted to the end (`pass`), the messages after the counted ones are read in
 * one walk that counts them (`relevanceCountingSql`: every message is read once, not once for the
 * totals and again for the queue; after a crash replay of 1M messages the two walks took
 * ~0.9 + ~1.0 s), then the queued ones up to there as before.
 */
function walkQueue(
  db: Database,
  q: RelevanceSearch,
  terms: ReadonlyArray<Extract<QueryNode, { t: "term" }>>,
  phrases: readonly IndexPhrase[],
  df: number[],
  pass: TotalsPass,
): Candidate[] {
  const s = statementsOf(db);
  const indexTokens = indexTokensOf(db);
  const matches = compileMatcher(q.node, indexTokens);
  const tokensOf = indexedTextOf(db).tokens;
  // A queued message that counts holds one of the phrases: the longest plain token of each.
  const parts: TokenNeed[] = [];
  let any = true;
  for (const p of terms) {
    const need = requiredTokens(p, indexTokens);
    if (need === null) any = false;
    else parts.push(need);
  }
  const need: TokenNeed | null = any && parts.length > 0 ? { t: "any", parts } : null;
  const out: Candidate[] = [];
  const onRow = (r: SqlValue[]): void => {
    if (r[5] !== 1) return; // indexed (a walk of the messages): the index's
    const current = str(r[1]);
    const name = str(r[2]);
    if (need !== null && ruledOut(need, current ?? "", name ?? "")) return;
    const text = current ? tokensOf(current) : [];
    const file = name && name !== current ? tokensOf(name) : [];
    if (text.length === 0 && file.length === 0) return;
    const tf: number[] = [];
    for (let i = 0; i < phrases.length; i++) {
      const a = phraseHits(text, phrases[i]!);
      const b = phraseHits(file, phrases[i]!);
      df[i]! += (a > 0 ? 1 : 0) + (b > 0 ? 1 : 0);
      tf.push(a + b);
    }
    if (r[3] === 1 && out.length < RELEVANCE_WINDOW && matches({ text, file })) {
      out.push({ pk: Number(r[0]), kept: r[4] === 1, tf, current, file: name });
    }
  };
  const counting = !pass.done;
  const counted = pass.after;
  if (counting) {
    // Counted into a copy: a walk that throws leaves the pass as it was.
    const totals = { ...pass.totals };
    const count = rowCounter(db, totals);
    const first = s.value("SELECT min(docid) FROM fts_pending");
    const oldestQueued = typeof first === "number" ? first : Number.MAX_SAFE_INTEGER;
    const slot = rowFilterSlot(db);
    slot.current = (pk, current, name) => {
      count(current, name);
      // Older than every queued message: indexed (or no words); the SQL looks the others up.
      if (pk < oldestQueued || (current === null && name === null)) return false;
      return need === null || !ruledOut(need, current ?? "", name ?? "");
    };
    try {
      s.each(q.countingSql, { ...(q.params as Record<string, unknown>), ":countedPk": counted } as BindParams, onRow);
    } finally {
      slot.current = null;
    }
    pass.totals = totals;
    pass.after = Number.MAX_SAFE_INTEGER;
    pass.done = true;
    if (counted === Number.MIN_SAFE_INTEGER) return out; // every message was read
  }
  // The queued messages up to the counted ones (all of them when the count was done before).
  const extra: Record<string, string> = {};
  const sql = q.queuedSql(need === null ? null : prefilterSql(need, extra, PREFILTER_ALTERNATIVES), counting);
  s.each(sql, { ...(q.params as Record<string, unknown>), ...extra, ":countedPk": counted } as BindParams, onRow);
  return out;
}

/** The newest `max` of two lists each newest first (no pk in both). */
function mergeNewest(a: Candidate[], b: Candidate[], max: number): Candidate[] {
  const out: Candidate[] = [];
  let i = 0;
  let j = 0;
  while (out.length < max && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && a[i]!.pk > b[j]!.pk)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

function str(v: SqlValue | undefined): string | null {
  return v === null || v === undefined ? null : typeof v === "string" ? v : String(v);
}

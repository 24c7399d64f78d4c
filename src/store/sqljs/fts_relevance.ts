/**
 * The relevance order over the index and a long queue, without indexing the queue first: the
 * same pages, scores included, as the index answers once every queued message is in it.
 *
 * The index's score (read_sql.ts `searchRelevanceSql`, search/bm25.ts) takes from matchinfo the
 * table's rows and average column lengths, and per phrase the rows with a hit: figures of the
 * complete index, which a queued message changes. The complete index's rows and tokens are the
 * index's (its doctotal) plus what the queued messages will add (fts_queue_words.ts: counted when
 * they were queued, summed here); they only change with a commit (indexing moves a message's
 * counts from the queue to the index), so they are kept until the next one, summed ahead by the
 * background (`countTotals`) or by the first search that needs them. Each
 * phrase's rows with a hit are the index's (FTS4 itself, the phrase alone) plus the queued
 * messages' (matched here as fts_backlog.ts matches them). A row's own hits come from matchinfo
 * for an indexed message and are counted the same way for a queued one; the score is then
 * computed with the same additions in the same order (bm25.ts `bm25Score`). The window (the
 * newest RELEVANCE_WINDOW matches, then the other filters) is the index's newest and the
 * queue's newest merged. A search reads all this in one synchronous step (no background round
 * moves messages between the reads).
 */
import type { BindParams, Database, SqlValue } from "sql.js";
import { type CorpusTotals, countUncounted, queueTotals } from "./fts_queue_words.ts";
import { averageLength, bm25Score, readMatchinfo } from "../search/bm25.ts";
import { byteScreen } from "../search/byte_screen.ts";
import { compileMatcher, indexPhrase, type IndexPhrase, phraseHits, requiredTokens, type TokenNeed } from "../search/match.ts";
import { ftsPhrases, ftsTermText, type QueryNode } from "../search/query.ts";
import { prefilterSql, queuedBytes, queuedText } from "./fts_backlog.ts";
import { indexedLength } from "./fts_length.ts";
import { indexedTextOf, indexTokensOf } from "./fts_tokens.ts";
import { RELEVANCE_WINDOW } from "./read_sql.ts";
import { bytesAt, jsonParam, statementsOf } from "./statements.ts";

/** A relevance page's message: its pk and score. */
export interface RankedHit {
  pk: number;
  rank: number;
}

/** Rows with a hit a walk of the messages looks up in the queue at once (see `walkQueue`). */
const LOOKUP_BATCH = 4096;
/** Which of the pks (?, a JSON array) are queued. */
const IN_QUEUE = "SELECT docid FROM fts_pending WHERE docid IN (SELECT value FROM json_each(CAST(? AS TEXT)))";

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

/** The complete index's totals on a connection for the messages as of `stamp`, once summed, and how far the background stored the uncounted queued messages' counts. */
interface TotalsPass {
  stamp: string | null;
  /** The last uncounted queued message the background counted (docid order). */
  after: number;
  totals: CorpusTotals | null;
}

const passes = new WeakMap<Database, TotalsPass>();

/**
 * A background step towards the complete index's totals for the messages as of `stamp` (the
 * repository's commits; null while one is under way: nothing is kept): stores the counts of up
 * to `rows` uncounted queued messages (fts_queue_words.ts), then, once they are stored, sums the
 * totals. Returns whether they are summed. Indexing does not change them, only commits do.
 */
export function countTotals(db: Database, stamp: string | null, rows: number): boolean {
  const pass = passFor(db, stamp);
  if (pass.totals !== null) return true;
  const last = countUncounted(db, pass.after, rows);
  if (last !== null) {
    pass.after = last;
    return false;
  }
  pass.totals = summed(db);
  return true;
}

/** The pass for the messages as of `stamp` (a new one when the stamp changed; not kept when null). */
function passFor(db: Database, stamp: string | null): TotalsPass {
  let pass = passes.get(db);
  if (pass === undefined || stamp === null || pass.stamp !== stamp) {
    pass = { stamp, after: Number.MIN_SAFE_INTEGER, totals: null };
    if (stamp !== null) passes.set(db, pass);
  }
  return pass;
}

/** The index's totals plus the queue's (one synchronous step: no round moves messages between the two). */
function summed(db: Database): CorpusTotals {
  const i = indexTotals(db);
  const q = queueTotals(db);
  return { rows: i.rows + q.rows, text: i.text + q.text, file: i.file + q.file };
}

/** Whether the complete index's totals for the messages as of `stamp` are summed. */
export function totalsCounted(db: Database, stamp: string | null): boolean {
  const pass = passes.get(db);
  return stamp !== null && pass?.stamp === stamp && pass.totals !== null;
}

/** The complete index's totals for the messages as they are (`stamp`: see `countTotals`), summed now unless kept. */
export function completeTotals(db: Database, stamp: string | null): CorpusTotals {
  const pass = passFor(db, stamp);
  pass.totals ??= summed(db);
  return pass.totals;
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
  /** read_sql.ts `relevanceIndexedSql` and `relevanceQueuedSql` (given `scan` and a prefilter) for the search's filters. */
  indexedSql: string;
  queuedSql: (prefilter: string | null) => string;
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

  // The index's newest matches, with their hits from matchinfo, and each phrase's rows with a hit
  // in the index as any row's matchinfo gives them (the same figures the index's own relevance
  // query scores with: searchRelevanceSql).
  const indexed: Candidate[] = [];
  let indexedDf: readonly number[] | null = null;
  s.each(q.indexedSql, q.params, (r) => {
    const mi = r[1] instanceof Uint8Array ? readMatchinfo(r[1]) : null;
    if (indexedDf === null && mi !== null) indexedDf = mi.df;
    indexed.push({ pk: Number(r[0]), kept: r[4] === 1, tf: mi?.tf ?? [], current: str(r[2]), file: str(r[3]) });
  });

  // Each phrase's rows with a hit: in the index (from the window's matchinfo; FTS4 on the phrase
  // alone when the window has no indexed row), then in the queue. A common word's whole doclist
  // is read once, not again for its rows with a hit.
  const df = terms.map((t, i) => (indexedDf as readonly number[] | null)?.[i] ?? indexedRowsWithHits(db, ftsTermText(t)));
  const queued = walkQueue(db, q, terms, phrases, df);
  const totals = completeTotals(db, q.stamp);

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

/** A message the walk read with a hit of a phrase (or a match), before it is known to be queued. */
interface Walked extends Candidate {
  /** Each phrase's hits in the text and in the file name. */
  hits: number[];
  /** In the window's range, and a match. */
  windowed: boolean;
}

/**
 * Reads the queued messages the prefilter keeps, newest first: adds each phrase's queued rows with
 * a hit to `df`, and returns the newest RELEVANCE_WINDOW in the window's range that match. A walk
 * of the messages (`scan`) does not tell queued from indexed ones: those with a hit are looked up
 * in the queue after it, in one statement.
 */
function walkQueue(
  db: Database,
  q: RelevanceSearch,
  terms: ReadonlyArray<Extract<QueryNode, { t: "term" }>>,
  phrases: readonly IndexPhrase[],
  df: number[],
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
  const screen = need === null ? null : byteScreen(need);
  const out: Candidate[] = [];
  // Rows read, in the walk's order, until it is known which are queued (batches: bounded memory).
  const walked: Walked[] = [];
  const settle = (queued: ReadonlySet<number> | null): void => {
    for (const w of walked) {
      if (queued !== null && !queued.has(w.pk)) continue; // indexed: the index's
      for (let i = 0; i < phrases.length; i++) df[i]! += (w.hits[2 * i]! > 0 ? 1 : 0) + (w.hits[2 * i + 1]! > 0 ? 1 : 0);
      if (w.windowed && out.length < RELEVANCE_WINDOW) out.push({ pk: w.pk, kept: w.kept, tf: w.tf, current: w.current, file: w.file });
    }
    walked.length = 0;
  };
  const lookUp = (): void => {
    const queued = new Set<number>();
    s.each(IN_QUEUE, [jsonParam(walked.map((w) => w.pk))], (r) => {
      queued.add(Number(r[0]));
    });
    settle(queued);
  };
  const extra: Record<string, string> = {};
  const sql = q.queuedSql(need === null ? null : prefilterSql(need, extra, PREFILTER_ALTERNATIVES));
  s.steps(sql, { ...(q.params as Record<string, unknown>), ...extra } as BindParams, (st) => {
    // Most rows are ruled out on their texts' bytes alone (NULL read as empty: the same for the test).
    if (screen !== null && screen(bytesAt(st, 1), bytesAt(st, 2))) return;
    const r = st.get();
    if (r[5] === 0) return; // indexed: the index's
    const current = queuedText(queuedBytes(r[1]));
    const name = queuedText(queuedBytes(r[2]));
    const text = current ? tokensOf(current) : [];
    const file = name && name !== current ? tokensOf(name) : [];
    if (text.length === 0 && file.length === 0) return;
    const tf: number[] = [];
    const hits: number[] = [];
    let hit = false;
    for (let i = 0; i < phrases.length; i++) {
      const a = phraseHits(text, phrases[i]!);
      const b = phraseHits(file, phrases[i]!);
      hits.push(a, b);
      tf.push(a + b);
      if (a + b > 0) hit = true;
    }
    const windowed = r[3] === 1 && out.length < RELEVANCE_WINDOW && matches({ text, file });
    if (!hit && !windowed) return; // adds nothing
    walked.push({ pk: Number(r[0]), kept: r[4] === 1, tf, current, file: name, hits, windowed });
    if (r[5] === 1) settle(null);
    else if (walked.length === LOOKUP_BATCH) lookUp();
  });
  if (walked.length > 0) lookUp();
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

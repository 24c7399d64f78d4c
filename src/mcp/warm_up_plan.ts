/**
 * Which read calls the idle warm-up (warm_up.ts) makes, one at a time: the read tools as a client
 * calls them (list_chats with last messages, a chat's newest messages, searches of a word, a
 * phrase, by relevance, in a chat, with the default context, a message's context, contacts), on
 * inputs learned from the answers it got (the store's own chats, message ids and words), round
 * after round. Nothing is known of a store before its first answer: an empty store gets one call.
 * Pure: the caller makes the calls and hands each answer's structured content back.
 */

/** One tool call. */
export interface WarmUpCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** What the plan keeps of the answers (bounded; the words are message text: never logged). */
export interface Learned {
  chats: string[];
  messages: Array<{ chat: string; id: string }>;
  words: string[];
  /**
   * The three longest words of a message, as one query (all three must match): few hits, as
   * ranking by relevance scores every hit (a common word alone: 100+ ms at 1M messages).
   */
  rankQueries: string[];
  /** Words a plain search found fewer than a page of messages for (ranked alone: few hits too). */
  rareWords: string[];
  prefixes: string[];
  /** Words of slow calls: never used again (`forgetSlow`). */
  slow: Set<string>;
}

/** A call this long or longer (ms) is not made again with the same words (`forgetSlow`). */
const SLOW_MS = 50;

/** Most of each kind of input kept. */
const MAX_KEPT = 32;

/** Pages of list_chats asked for in turn (a client pages through its chats). */
const CHAT_PAGES = 5;

type Step = (l: Learned, i: number) => WarmUpCall | null;

/** A page of messages (the limit of every list_messages call here). */
const PAGE = 20;
const plain = { include_context: false, limit: PAGE };
const at = <T>(xs: T[], i: number): T | undefined => (xs.length === 0 ? undefined : xs[i % xs.length]);

/** One round: each read a client makes often, skipped while its inputs are not known yet. */
const ROUND: Step[] = [
  (_l, i) => ({ name: "list_chats", arguments: { limit: 20, include_last_message: true, page: i % CHAT_PAGES } }),
  (l, i) => withArg(at(l.chats, i), (chat) => ({ name: "list_messages", arguments: { ...plain, chat_jid: chat } })),
  (l, i) => withArg(at(l.words, i), (w) => ({ name: "list_messages", arguments: { ...plain, query: w } })),
  (l, i) => withArg(at(l.words, i + 1), (w) => ({ name: "list_messages", arguments: { query: w, limit: PAGE } })),
  (l, i) => withArg(at(l.rankQueries, i), (q) => ({ name: "list_messages", arguments: { ...plain, query: q, order: "relevance" } })),
  (l, i) => withArg(at(l.rareWords, i), (w) => ({ name: "list_messages", arguments: { ...plain, query: w, order: "relevance" } })),
  (l, i) =>
    withArg(at(l.chats, i + 1), (chat) =>
      withArg(at(l.words, i + 3), (w) => ({ name: "list_messages", arguments: { ...plain, query: w, chat_jid: chat } }))),
  (l, i) =>
    withArg(l.words.length >= 2 ? `"${at(l.words, i)!} ${at(l.words, i + 1)!}"` : undefined, (q) => ({
      name: "list_messages",
      arguments: { ...plain, query: q },
    })),
  (l, i) =>
    withArg(at(l.messages, i), (m) => ({
      name: "get_message_context",
      arguments: { chat_jid: m.chat, message_id: m.id, before: 5, after: 5 },
    })),
  (l, i) => withArg(at(l.prefixes, i), (p) => ({ name: "search_contacts", arguments: { query: p } })),
];

function withArg<T>(v: T | undefined, make: (v: T) => WarmUpCall | null): WarmUpCall | null {
  return v === undefined ? null : make(v);
}

/** The plan: `next()` gives the next call (null: nothing to warm, the store has no chats). */
export interface WarmUpPlan {
  next(): WarmUpCall | null;
  /** The structured content of `call`'s answer (undefined for an error answer), and how long it took (ms). */
  learn(call: WarmUpCall, structured: unknown, ms: number): void;
}

/** A new plan; see the module doc. */
export function createWarmUpPlan(): WarmUpPlan {
  const learned: Learned = { chats: [], messages: [], words: [], rankQueries: [], rareWords: [], prefixes: [], slow: new Set() };
  let step = 0;
  let round = 0;
  let answered = false;
  let empty = false;
  return {
    next() {
      if (empty) return null;
      // The first call learns the chats; until it is answered there is nothing else to ask.
      if (!answered) return step === 0 ? ROUND[0]!(learned, 0) : null;
      for (let tried = 0; tried < ROUND.length; tried++) {
        const s = ROUND[step % ROUND.length]!;
        step++;
        if (step % ROUND.length === 0) round++;
        const call = s(learned, round);
        if (call) return call;
      }
      return null;
    },
    learn(call, structured, ms) {
      if (!answered) {
        answered = true;
        step = 1;
        const chats = (structured as { chats?: unknown[] } | undefined)?.chats;
        if (!Array.isArray(chats) || chats.length === 0) empty = true;
      } else if (step > ROUND.length) {
        forgetSlow(learned, call, ms); // after the first round: a kind's first call is slow anyway (code compiled)
      }
      learnFrom(learned, structured);
      if (structured && isPlainSearch(call) && list((structured as { messages?: unknown } | undefined)?.messages).length < PAGE) {
        keep(learned.rareWords, call.arguments.query as string);
      }
    },
  };
}

/** A search of one word in every chat, newest first (the word's hit count shows in its answer). */
function isPlainSearch(call: WarmUpCall): boolean {
  const a = call.arguments;
  return call.name === "list_messages" && typeof a.query === "string" && /^[a-z]+$/.test(a.query) &&
    a.chat_jid === undefined && a.order === undefined;
}

/** Keeps chats, message ids, words and name prefixes from an answer's structured content. */
export function learnFrom(l: Learned, structured: unknown): void {
  const s = structured as { chats?: unknown; messages?: unknown } | undefined;
  if (!s || typeof s !== "object") return;
  for (const c of list(s.chats)) {
    keep(l.chats, str(c.jid));
    const name = str(c.name);
    if (name) keep(l.prefixes, namePrefix(name));
    const last = c.last_message as Record<string, unknown> | null | undefined;
    if (last) learnMessage(l, last);
  }
  for (const m of list(s.messages)) learnMessage(l, m);
}

function learnMessage(l: Learned, m: Record<string, unknown>): void {
  const chat = str(m.chat_jid);
  const id = str(m.id);
  if (chat && id && l.messages.length < MAX_KEPT) l.messages.push({ chat, id });
  const content = str(m.content);
  if (!content) return;
  const words = searchWords(content).filter((w) => !l.slow.has(w));
  for (const w of words) keep(l.words, w);
  if (words.length >= 3) keep(l.rankQueries, [...words].sort((a, b) => b.length - a.length).slice(0, 3).join(" "));
}

/**
 * Forgets the inputs of a call that took `ms` (a word whose search is slow: every later call
 * with it would be a long slice, during which a real request waits).
 */
export function forgetSlow(l: Learned, call: WarmUpCall, ms: number): void {
  const q = call.arguments.query;
  if (ms < SLOW_MS || typeof q !== "string") return;
  const words = q.replace(/"/g, "").split(" ");
  for (const w of words) l.slow.add(w);
  const drop = (xs: string[]) => xs.filter((x) => !x.split(" ").some((w) => l.slow.has(w)));
  l.words = drop(l.words);
  l.rankQueries = drop(l.rankQueries);
  l.rareWords = drop(l.rareWords);
}

/**
 * Words of a text that make a plain full-text query: words of 4-20 ASCII letters, lower case (no
 * query syntax to get wrong: no quotes, stars, AND/OR/NOT, NEAR).
 */
export function searchWords(text: string): string[] {
  const out: string[] = [];
  for (const token of text.split(/[^\p{L}\p{N}]+/u)) {
    if (!/^[A-Za-z]{4,20}$/.test(token)) continue;
    const w = token.toLowerCase();
    if (w !== "near" && !out.includes(w)) out.push(w);
  }
  return out;
}

/** The first two letters of a name (what a person types into a contact search), lower case. */
export function namePrefix(name: string): string | undefined {
  const m = /[A-Za-z]{2}/.exec(name);
  return m ? m[0].toLowerCase() : undefined;
}

function keep(xs: string[], v: string | undefined): void {
  if (v !== undefined && xs.length < MAX_KEPT && !xs.includes(v)) xs.push(v);
}

function list(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

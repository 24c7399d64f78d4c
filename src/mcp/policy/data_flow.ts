/**
 * Where outgoing text came from. The server remembers, per client session, which message content
 * (texts, captions, file names, chat descriptions) it returned to the model from which chat; an
 * outgoing text that carries a piece of that content to a different chat is a data flow the send
 * guard asks a human about. Pure (the memory is plain data; no I/O, no clock).
 *
 * The rule: after normalising both sides (NFKC, lower case, everything but letters and digits
 * removed, so spacing, punctuation, invisible characters, fullwidth forms and line breaks do not
 * matter), an outgoing text "carries content" from chat C when it shares a run of at least
 * `MATCH_CHARS` (24) letters and digits with something returned from C. 24 is about four or five
 * words: long enough that everyday phrases ("thank you so much") and short replies do not match
 * across chats, short enough that a PIN with its label ("bank pin is 4921 door code 7781"), an
 * address, an IBAN or a copied sentence do. It cannot see paraphrases or a secret of a few
 * characters on its own: the guard narrows the channel, it does not close it.
 *
 * Memory: only fingerprints are kept (53-bit hashes of 21-character windows starting at every 4th
 * position of the remembered text), at most `maxFingerprints` per session, oldest dropped first.
 * Every window of the outgoing text is looked up, so any shared run of 21 + 4 - 1 = 24 characters
 * contains a remembered window: a shared run of 24 always counts, with no sampling; a run of 21
 * to 23 counts when it happens to cover a remembered window; shorter runs never count.
 */
import { codeUnitMemo } from "../../code_unit_memo.ts";
import { PrintTable } from "./print_table.ts";

/** Shared normalised letters/digits that count as carrying content. */
export const MATCH_CHARS = 24;
/** Shorter shared runs never count. */
export const MIN_MATCH_CHARS = 21;
const WINDOW = MIN_MATCH_CHARS;
const STRIDE = MATCH_CHARS - WINDOW + 1; // 4: any run of WINDOW + STRIDE - 1 = MATCH_CHARS holds a remembered window

/** Default bound: 100,000 fingerprints (about 400,000 characters of returned content, a few MB). */
export const DEFAULT_MAX_FINGERPRINTS = 100_000;

/** What one session has been shown: fingerprint -> the chats it was shown from, oldest remembered first. */
export interface FlowMemory {
  readonly max: number;
  readonly prints: PrintTable<string | string[]>;
  /** Results shown but not remembered yet (`rememberLater`), oldest first. */
  readonly pending: unknown[];
}

/** An empty memory bounded to `max` fingerprints. */
export function createFlowMemory(max = DEFAULT_MAX_FINGERPRINTS): FlowMemory {
  return { max, prints: new PrintTable(), pending: [] };
}

/** Most results waiting to be remembered: one more settles them at once (a bound on what they keep alive). */
export const MAX_PENDING_RESULTS = 64;

/**
 * Queues a tool's structured result for `rememberResult`, done by `settleFlow`: a read tool's
 * answer is written first and remembered right after (~0.1-0.15 ms of a page's answer, measured
 * at 1M over stdio). Every read of the memory (`flowSources`) settles first, so the guard sees
 * the same memory, filled in the same order, as if each result had been remembered at once.
 * True when the queue was empty before: the caller then schedules one `settleFlow`.
 */
export function rememberLater(mem: FlowMemory, value: unknown): boolean {
  mem.pending.push(value);
  if (mem.pending.length > MAX_PENDING_RESULTS) settleFlow(mem);
  return mem.pending.length === 1;
}

/** Remembers every queued result, oldest first (see `rememberLater`). */
export function settleFlow(mem: FlowMemory): void {
  if (mem.pending.length === 0) return;
  for (const v of mem.pending.splice(0)) rememberResult(mem, v);
}

/** Letters and digits only, NFKC, lower case (the form both sides are compared in). */
export function normalizeForFlow(text: string): string {
  // ASCII is its own NFKC form. The filter is `replace(/[^\p{L}\p{N}]+/gu, "")` done a code unit
  // at a time with a table: the Unicode-mode regexp cost ~1 µs on every short text (measured on
  // Node 20), and a page of messages holds hundreds of them.
  const s = ASCII_ONLY.test(text) ? text.toLowerCase() : text.normalize("NFKC").toLowerCase();
  let out = "";
  let run = -1; // start of the current run of kept units
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let keep: boolean;
    let width = 1;
    if (c < 0x80) keep = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
    else if (c >= 0xd800 && c <= 0xdbff) {
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) width = 2;
      keep = LETTER_OR_DIGIT.test(String.fromCodePoint(cp));
    } else keep = letterOrDigitUnit(c);
    if (keep) {
      if (run < 0) run = i;
    } else if (run >= 0) {
      out += s.slice(run, i);
      run = -1;
    }
    i += width - 1;
  }
  return run >= 0 ? out + s.slice(run) : out;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
/** `LETTER_OR_DIGIT` of each BMP code unit. */
const letterOrDigitUnit = codeUnitMemo((ch) => LETTER_OR_DIGIT.test(ch));

/** A 53-bit hash of `s[from, from+len)`: two FNV-1a variants combined (collisions are negligible). */
function hashWindow(s: string, from: number): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = from; i < from + WINDOW; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
    b ^= b >>> 13;
  }
  return (a >>> 0) * 0x200000 + (b >>> 11);
}

/**
 * The fingerprints a text is remembered by, in order: its windows at every STRIDE-th position and
 * the last one (so the tail of a text is covered like its middle); empty when it is too short.
 */
export function textPrints(text: string): Float64Array {
  const s = normalizeForFlow(text);
  if (s.length < WINDOW) return NO_PRINTS;
  const last = s.length - WINDOW;
  const n = Math.floor(last / STRIDE) + 1 + (last % STRIDE === 0 ? 0 : 1);
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i <= last; i += STRIDE) out[k++] = hashWindow(s, i);
  if (k < n) out[k] = hashWindow(s, last);
  return out;
}

const NO_PRINTS = new Float64Array(0);

/**
 * Fingerprints of texts remembered lately, by text: read tools return the same messages again
 * and again (a page, its context, the next search), and normalising and hashing a page of 60
 * messages cost ~0.17 ms of the ~0.3-0.4 ms its remembering took (Node 20). Only a cache of a
 * pure function: what is remembered, and in which order, is the same.
 */
const printsCache = new Map<string, Float64Array>();
const PRINTS_CACHE_MAX = 20_000;
/** The texts it keeps alive, in UTF-16 units: long texts must not make it hold megabytes. */
const PRINTS_CACHE_MAX_CHARS = 2_000_000;
let printsCacheChars = 0;

function cachedPrints(text: string): Float64Array {
  let p = printsCache.get(text);
  if (p === undefined) {
    p = textPrints(text);
    if (text.length > PRINTS_CACHE_MAX_CHARS / 16) return p; // one long text is not worth keeping
    if (printsCache.size >= PRINTS_CACHE_MAX || printsCacheChars + text.length > PRINTS_CACHE_MAX_CHARS) {
      printsCache.clear();
      printsCacheChars = 0;
    }
    printsCache.set(text, p);
    printsCacheChars += text.length;
  }
  return p;
}

/** Remembers that `text` was shown to the model from chat `chatJid`. */
export function rememberContent(mem: FlowMemory, chatJid: string, text: string | null | undefined): void {
  if (!text) return;
  const prints = cachedPrints(text);
  if (prints.length === 0) return;
  for (let k = 0; k < prints.length; k++) {
    const h = prints[k]!;
    const prev = mem.prints.get(h);
    let next: string | string[];
    if (prev === undefined || prev === chatJid) next = chatJid;
    else if (Array.isArray(prev)) next = prev.includes(chatJid) ? prev : [...prev, chatJid].slice(-8);
    else next = [prev, chatJid];
    mem.prints.touch(h, next); // the newest end, as a Map's delete then set
  }
  while (mem.prints.size > mem.max) mem.prints.dropOldest();
}

/**
 * The chats whose content `text` carries, other than `recipientChats` (the recipient's own
 * chat under any of its JIDs). Content that was also shown from the recipient's chat is not a
 * flow: the recipient has it already.
 */
export function flowSources(mem: FlowMemory, text: string | null | undefined, recipientChats: readonly string[]): string[] {
  settleFlow(mem);
  if (!text || mem.prints.size === 0) return [];
  const s = normalizeForFlow(text);
  const own = new Set(recipientChats);
  const found = new Set<string>();
  for (let i = 0; i + WINDOW <= s.length; i++) {
    const hit = mem.prints.get(hashWindow(s, i));
    if (hit === undefined) continue;
    const chats = Array.isArray(hit) ? hit : [hit];
    if (chats.some((c) => own.has(c))) continue;
    for (const c of chats) found.add(c);
  }
  return [...found];
}

/**
 * Remembers every piece of message content in a tool's structured result: any object with a
 * `chat_jid` and a `content` field (a message as the tools return it: its text, original text
 * and file name), and any chat object with a `jid` and a `description`.
 */
export function rememberResult(mem: FlowMemory, value: unknown, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const v of value) rememberResult(mem, v, depth + 1);
    return;
  }
  const o = value as Record<string, unknown>;
  if (typeof o.chat_jid === "string" && "content" in o) {
    const chat = o.chat_jid;
    rememberContent(mem, chat, str(o.content));
    rememberContent(mem, chat, str(o.original_content));
    const media = o.media as Record<string, unknown> | null | undefined;
    rememberContent(mem, chat, str(media?.file_name));
  }
  if (typeof o.jid === "string" && typeof o.description === "string") rememberContent(mem, o.jid, o.description);
  for (const v of Object.values(o)) if (v !== null && typeof v === "object") rememberResult(mem, v, depth + 1);
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

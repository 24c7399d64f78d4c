/**
 * Generated messages and searches for the tests that compare two stores' search answers
 * (sqljs_fts_backlog.test.ts, sqljs_fts_merge.test.ts): words that fold together or apart and in
 * other scripts, documents with captions and file names, edits, revokes and deletes; queries with
 * prefixes, phrases, OR, NOT, exclusions and parentheses; filters; every page of an answer.
 */
import { join } from "node:path";
import initSqlJs from "sql.js";
import type { ListMessagesQuery, MessageType, Page, MessageView, Repository, WriteOp } from "../../src/store/types.ts";
import { prng } from "../../src/bench/store.ts";
import { applySqlite } from "../../src/store/sqljs/apply.ts";
import { openDurable } from "../../src/store/sqljs/durable.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { createSqljsRepository, type SqljsRepositoryOptions, withStoreSetup } from "../../src/store/sqljs/repository.ts";
import { msg } from "./sqljs_fixtures.ts";

/** The engine of a sql.js store in `root/name`, migrated, with the live apply. */
export async function openSearchEngine(root: string, name: string) {
  const sql = withStoreSetup(await initSqlJs());
  return await openDurable<WriteOp>({ dir: join(root, name), sql, migrate: (db) => void migrateSqlite(db), apply: applySqlite });
}

/** A sql.js store in `root/name`: its engine (to index or count its queue) and the repository over it with `opts`. */
export async function openSearchStore(root: string, name: string, opts: SqljsRepositoryOptions) {
  const durable = await openSearchEngine(root, name);
  return { durable, repo: createSqljsRepository(durable, opts) };
}

// Words that fold together or apart, other scripts, marks unicode61 splits on (U+0483), ligatures.
export const WORDS = [
  "alpha", "beta", "gamma", "delta", "the", "or", "not", "report", "rep", "repo", "reporting", "2024", "v2",
  "Crème", "creme", "brûlée", "CAFÉ", "cafe", "naïve", "naive", "Straße", "strasse", "Ὀδυσσεύς", "ΣΟΦΟΣ", "σοφος",
  "Москва", "москва", "ёлка", "елка", "東京", "東京タワー", "서울에서", "مرحبا", "مَرْحَبًا", "x\u0483y", "x", "y", "xylo",
  "e-mail", "email", "ﬁle", "file", "Ⅻ", "İstanbul", "istanbul", "ǅemal", "łódź", "lodz", "Ångström", "øre",
  // Beside ASCII letters: characters the queue's substring prefilter must not be fooled by (tatweel,
  // a combining accent, a Kelvin sign, a circled letter, a trade mark sign, ZWJ) and ones it may pass (emoji, quotes).
  "a\u0640b", "ab", "cafe\u0301s", "cafes", "\u212Aelvin", "kelvin", "\u24b6bc", "abc", "x™", "xtm", "x\u200dy", "xy",
  "😀abc", "abc😀def", "def", "“quoted”", "quoted", "привет123", "123",
];
export const GROUPS = ["120363000000000001@g.us", "120363000000000002@g.us", "120363000000000003@g.us"];
export const PEOPLE = ["4915100000001@s.whatsapp.net", "4915100000002@s.whatsapp.net", "4915100000003@s.whatsapp.net"];
export const CHATS = [...GROUPS, ...PEOPLE.slice(0, 2)];
export const BROAD_EXCLUSIONS = [
  "-a* -b* -c* -d* -e* -g* -r* -s* -t* -m* -x* -y* -n* -o* -l* -i* -2* -v* -f*",
  "NOT (a* OR b* OR c* OR d* OR e* OR r* OR s* OR t* OR m* OR x* OR n* OR o* OR мо* OR 東*)",
  "-the -alpha -beta -gamma -delta -report -rep* -cafe -creme -naive -strasse",
];
export const T0 = 1_700_000_000_000;
export const MESSAGES = 400;

export function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

export function words(rnd: () => number, min: number, max: number): string {
  const n = min + Math.floor(rnd() * (max - min + 1));
  return Array.from({ length: n }, () => pick(rnd, WORDS)).join(rnd() < 0.2 ? ", " : " ");
}

const doc = (fileName: string) => ({
  mimetype: "application/pdf", fileName, fileLength: 10, durationSec: null, directPath: "/d", url: null,
  mediaKey: null, fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: null,
});

/** The messages (first batch) and their later edits, revokes, deletes and new messages (second batch). */
export function dataset(): { first: WriteOp[]; second: WriteOp[]; texts: string[] } {
  const rnd = prng(42);
  const first: WriteOp[] = PEOPLE.map((p, i) => ({ op: "upsertPerson", person: { pnJid: p, pushName: `P${i}` } }) as WriteOp);
  const texts: string[] = [];
  const message = (i: number): WriteOp => {
    const chat = pick(rnd, CHATS);
    const sender = GROUPS.includes(chat) ? pick(rnd, PEOPLE) : chat;
    const ts = T0 + Math.floor(i / 3) * 1000; // three messages share each second
    const r = rnd();
    if (r < 0.12) {
      const name = `${words(rnd, 1, 3)}.pdf`;
      const caption = rnd() < 0.3 ? name : rnd() < 0.5 ? words(rnd, 1, 4) : null;
      texts.push(`${caption ?? ""} ${name}`);
      return msg(chat, `m${i}`, ts, caption, { senderId: sender, type: "document", media: doc(name) });
    }
    if (r < 0.15) return msg(chat, `m${i}`, ts, null, { senderId: sender, type: "image" });
    const text = words(rnd, 1, 7);
    texts.push(text);
    return msg(chat, `m${i}`, ts, text, { senderId: sender });
  };
  for (let i = 0; i < MESSAGES; i++) first.push(message(i));
  const second: WriteOp[] = [];
  for (let i = 0; i < MESSAGES; i += 7) {
    const m = first[PEOPLE.length + i] as Extract<WriteOp, { op: "upsertMessage" }>;
    const key = { chatJid: m.message.chatJid, id: m.message.id };
    const r = rnd();
    const by = { fromMe: false, id: m.message.senderId ?? m.message.chatJid };
    if (r < 0.5) second.push({ op: "editMessage", ...key, text: words(rnd, 1, 4), editedAt: T0 + 9e8, by });
    else if (r < 0.75) second.push({ op: "revokeMessage", ...key, by });
    else second.push({ op: "deleteMessage", ...key });
  }
  for (let i = MESSAGES; i < MESSAGES + 60; i++) second.push(message(i));
  return { first, second, texts };
}

/** A generated query: words, prefixes, phrases from the messages, combined with OR, NOT, "-" and parentheses. */
export function query(rnd: () => number, texts: readonly string[]): string {
  const item = (): string => {
    const r = rnd();
    if (r < 0.35) return pick(rnd, WORDS);
    if (r < 0.55) {
      const w = pick(rnd, WORDS);
      return `${w.slice(0, 1 + Math.floor(rnd() * 3))}*`;
    }
    // A phrase of consecutive words of a message (across a caption and its file name too).
    const ws = pick(rnd, texts).split(/[\s,]+/).filter((w) => w !== "");
    const at = Math.floor(rnd() * ws.length);
    const phrase = ws.slice(at, at + 1 + Math.floor(rnd() * 3)).join(" ");
    return rnd() < 0.15 ? `"${phrase}"*` : `"${phrase}"`;
  };
  const r = rnd();
  if (r < 0.1) return `-${item()}${rnd() < 0.5 ? ` NOT ${item()}` : ""}`; // exclusions only
  const n = 1 + Math.floor(rnd() * 3);
  let q = item();
  for (let i = 1; i < n; i++) q += pick(rnd, [" ", " OR ", " -", " NOT ", " | ", " AND "]) + item();
  if (rnd() < 0.2) q = `(${q}) ${pick(rnd, ["OR ", "-", ""])}${item()}`;
  return q;
}

export function filters(rnd: () => number): Omit<ListMessagesQuery, "query" | "limit"> {
  const f: Omit<ListMessagesQuery, "query" | "limit"> = { order: rnd() < 0.3 ? "oldest" : "newest" };
  if (rnd() < 0.25) f.chatJid = pick(rnd, CHATS);
  if (rnd() < 0.15) f.senderId = pick(rnd, PEOPLE);
  if (rnd() < 0.2) f.after = T0 + Math.floor(rnd() * 60) * 1000;
  if (rnd() < 0.2) f.before = T0 + Math.floor(60 + rnd() * 100) * 1000;
  if (rnd() < 0.1) f.types = [pick(rnd, ["document", "text"] as MessageType[])];
  if (rnd() < 0.1) f.hasMedia = rnd() < 0.5;
  return f;
}

/** Every page of a search (cursor pages, or offset pages), as ids and cursors. */
export async function pages(repo: Repository, q: ListMessagesQuery, byOffset: boolean): Promise<string[]> {
  const out: string[] = [];
  let page: Page<MessageView>;
  let cursor: string | undefined;
  let offset = 0;
  for (let i = 0; i < 40; i++) {
    page = await repo.listMessages(byOffset ? { ...q, offset } : { ...q, cursor });
    out.push(`${page.items.map((m) => `${m.chatJid}/${m.id}:${m.text ?? ""}`).join("|")} next=${page.nextCursor !== null}`);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
    offset += q.limit;
  }
  return out;
}

/**
 * A search over a long full-text queue (fts_backlog.ts: the index for what it holds, the queued
 * messages matched in JS) answers exactly what the same search answers over a complete index:
 * the same generated queries (words with accents and in other scripts, prefixes, phrases, phrases
 * across a caption and its file name, OR, NOT, exclusions only, parentheses) with the same filters
 * (chat, sender, dates, types, media, order) and the same pages (cursors and offsets), on two
 * stores holding the same messages: one searched after indexing everything, one with half of its
 * messages still queued (and edits, revokes and deletes of both indexed and queued ones).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { compileMatcher, hasPhrase, needHeld, requiredTokens } from "../../src/store/search/match.ts";
import { searchTree } from "../../src/store/search/query.ts";
import { plainTokensInLowercase, tokenize } from "../../src/store/search/text.ts";
import { applySqlite } from "../../src/store/sqljs/apply.ts";
import { openDurable } from "../../src/store/sqljs/durable.ts";
import { indexQueued, queuedCount } from "../../src/store/sqljs/fts_queue.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { createSqljsRepository, withStoreSetup } from "../../src/store/sqljs/repository.ts";
import type { ListMessagesQuery, MessageType, Page, MessageView, Repository, WriteOp } from "../../src/store/types.ts";
import { prng } from "../../src/bench/store.ts";
import { msg } from "./sqljs_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-backlog-"));
after(() => rmSync(root, { recursive: true, force: true }));

// Words that fold together or apart, other scripts, marks unicode61 splits on (U+0483), ligatures.
const WORDS = [
  "alpha", "beta", "gamma", "delta", "the", "or", "not", "report", "rep", "repo", "reporting", "2024", "v2",
  "Crème", "creme", "brûlée", "CAFÉ", "cafe", "naïve", "naive", "Straße", "strasse", "Ὀδυσσεύς", "ΣΟΦΟΣ", "σοφος",
  "Москва", "москва", "ёлка", "елка", "東京", "東京タワー", "서울에서", "مرحبا", "مَرْحَبًا", "x\u0483y", "x", "y", "xylo",
  "e-mail", "email", "ﬁle", "file", "Ⅻ", "İstanbul", "istanbul", "ǅemal", "łódź", "lodz", "Ångström", "øre",
  // Beside ASCII letters: characters the queue's substring prefilter must not be fooled by (tatweel,
  // a combining accent, a Kelvin sign, a circled letter, a trade mark sign, ZWJ) and ones it may pass (emoji, quotes).
  "a\u0640b", "ab", "cafe\u0301s", "cafes", "\u212Aelvin", "kelvin", "\u24b6bc", "abc", "x™", "xtm", "x\u200dy", "xy",
  "😀abc", "abc😀def", "def", "“quoted”", "quoted", "привет123", "123",
];
const GROUPS = ["120363000000000001@g.us", "120363000000000002@g.us", "120363000000000003@g.us"];
const PEOPLE = ["4915100000001@s.whatsapp.net", "4915100000002@s.whatsapp.net", "4915100000003@s.whatsapp.net"];
const CHATS = [...GROUPS, ...PEOPLE.slice(0, 2)];
const BROAD_EXCLUSIONS = [
  "-a* -b* -c* -d* -e* -g* -r* -s* -t* -m* -x* -y* -n* -o* -l* -i* -2* -v* -f*",
  "NOT (a* OR b* OR c* OR d* OR e* OR r* OR s* OR t* OR m* OR x* OR n* OR o* OR мо* OR 東*)",
  "-the -alpha -beta -gamma -delta -report -rep* -cafe -creme -naive -strasse",
];
const T0 = 1_700_000_000_000;
const MESSAGES = 400;

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

function words(rnd: () => number, min: number, max: number): string {
  const n = min + Math.floor(rnd() * (max - min + 1));
  return Array.from({ length: n }, () => pick(rnd, WORDS)).join(rnd() < 0.2 ? ", " : " ");
}

const doc = (fileName: string) => ({
  mimetype: "application/pdf", fileName, fileLength: 10, durationSec: null, directPath: "/d", url: null,
  mediaKey: null, fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: null,
});

/** The messages (first batch) and their later edits, revokes, deletes and new messages (second batch). */
function dataset(): { first: WriteOp[]; second: WriteOp[]; texts: string[] } {
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
function query(rnd: () => number, texts: readonly string[]): string {
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

function filters(rnd: () => number): Omit<ListMessagesQuery, "query" | "limit"> {
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
async function pages(repo: Repository, q: ListMessagesQuery, byOffset: boolean): Promise<string[]> {
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

async function openStore(name: string, opts: { searchIndexMax?: number }) {
  const sql = withStoreSetup(await initSqlJs());
  const durable = await openDurable<WriteOp>({ dir: join(root, name), sql, migrate: (db) => void migrateSqlite(db), apply: applySqlite });
  // No background indexing: the queue stays as the test leaves it.
  return { durable, repo: createSqljsRepository(durable, { indexDelayMs: 1e9, ...opts }) };
}

describe("sql.js search over a long full-text queue", () => {
  test("finds exactly what the complete index finds, for every query form, filter and page", async () => {
    const { first, second, texts } = dataset();
    const full = await openStore("full", {});
    const part = await openStore("part", { searchIndexMax: 0 });
    try {
      for (const s of [full, part]) await s.repo.commit(first);
      // Half of the first batch indexed; then changes to indexed and queued messages alike, and new ones.
      await part.durable.maintain((db) => indexQueued(db, Math.floor(queuedCount(db) / 2)));
      for (const s of [full, part]) await s.repo.commit(second);
      const queued = queuedCount(part.durable.db);
      assert.ok(queued > 100, `a long queue (${queued})`);

      const rnd = prng(7);
      let found = 0;
      const QUERIES = 400;
      for (let i = 0; i < QUERIES; i++) {
        // Some exclude nearly everything: a page then reads several spans (backlogExcludePage).
        const text = i % 10 === 0 ? BROAD_EXCLUSIONS[(i / 10) % BROAD_EXCLUSIONS.length]! : query(rnd, texts);
        const q: ListMessagesQuery = { ...filters(rnd), query: text, limit: 1 + Math.floor(rnd() * 6) };
        const byOffset = rnd() < 0.3;
        const expected = await pages(full.repo, q, byOffset);
        const actual = await pages(part.repo, q, byOffset);
        assert.deepEqual(actual, expected, `query ${JSON.stringify(q)}${byOffset ? " (offset pages)" : ""}`);
        if (expected[0] !== " next=false") found++;
      }
      assert.equal(queuedCount(full.durable.db), 0, "the reference searched a complete index");
      assert.equal(queuedCount(part.durable.db), queued, "every search of the other went through the queue");
      assert.ok(found > QUERIES / 3, `most queries find something (${found} of ${QUERIES})`);
    } finally {
      await full.repo.close();
      await part.repo.close();
    }
  });
});

describe("compileMatcher()", () => {
  const plain = (tok: string) => ({ tokens: [tok], endsAtEnd: true });
  const matches = (q: string, text: string[], file: string[] = []) => {
    const tree = searchTree(q);
    assert.notEqual(tree.kind, "none");
    return compileMatcher((tree as { node: Parameters<typeof compileMatcher>[0] }).node, plain)({ text, file });
  };

  test("a phrase matches within the text or within the file name, never across them", () => {
    assert.equal(matches('"budget plan"', ["the", "budget", "plan"]), true);
    assert.equal(matches('"budget plan"', ["plan"], ["budget", "plan", "pdf"]), true);
    assert.equal(matches('"the budget"', ["the"], ["budget"]), false);
  });

  test("a prefix applies to the phrase's last token only; NOT and OR are per message", () => {
    assert.equal(hasPhrase(["rep", "orting"], ["rep", "or"], true), true);
    assert.equal(hasPhrase(["reporting"], ["rep"], false), false);
    assert.equal(matches("rep*", ["reporting"]), true);
    assert.equal(matches("alpha -beta", ["alpha"], ["beta"]), false);
    assert.equal(matches("alpha OR beta", [], ["beta"]), true);
  });
});

describe("the queue's substring prefilter", () => {
  // Pieces around ASCII letters: inert ones (emoji, other scripts, quotes) and ones that fold to or hide ASCII.
  const PIECES = [
    "a", "b", "ab", "x9", " ", ",", "😀", "👍🏽", "❤️", "привет", "東京", "مرحبا", "“", "”", "…", "—", "\u0640", "\u0301", "é", "ø",
    "\u212A", "\u24b6", "™", "\u200d", "\u00ad", "ﬁ", "Ａ", "½", "①", "İ", "ß", "σ", "Σ", "\u0483", "\u093e", "\u00a0",
  ];

  test("a text it lets be ruled out holds each plain token of both tokenizers as a substring of its lowercase", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run('CREATE VIRTUAL TABLE tok USING fts3tokenize(unicode61, "remove_diacritics=2", "tokenchars=_")');
    const unicode61 = (text: string): string[] => {
      const r = db.exec("SELECT token FROM tok WHERE input = ?", [text]);
      return r.length ? r[0]!.values.map((v) => String(v[0])) : [];
    };
    const rnd = prng(7);
    let passed = 0;
    for (let i = 0; i < 8000; i++) {
      const text = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => pick(rnd, PIECES)).join("");
      if (!plainTokensInLowercase(text)) continue;
      passed++;
      const lowered = text.toLowerCase();
      for (const t of [...tokenize(text), ...unicode61(text)]) {
        if (/^[a-z0-9]+$/.test(t)) assert.ok(lowered.includes(t), `${JSON.stringify(text)}: token ${t}`);
      }
    }
    db.close();
    assert.ok(passed > 500, `only ${passed} texts passed`);
  });

  test("what a query needs: every term of an AND, one of an OR, nothing from a NOT", () => {
    const plain = (tok: string) => ({ tokens: [tok], endsAtEnd: true });
    const need = (q: string) => requiredTokens((searchTree(q) as { node: Parameters<typeof requiredTokens>[0] }).node, plain);
    assert.deepEqual(need('"budget plan"'), { t: "token", token: "budget" });
    assert.equal(needHeld(need("alpha beta")!, "beta alpha"), true);
    assert.equal(needHeld(need("alpha beta")!, "alpha"), false);
    assert.equal(needHeld(need("alpha OR beta")!, "beta"), true);
    assert.equal(needHeld(need("alpha -beta")!, "alpha beta"), true);
    assert.equal(needHeld(need("rep*")!, "reporting"), true);
    assert.equal(need("москва"), null);
  });
});

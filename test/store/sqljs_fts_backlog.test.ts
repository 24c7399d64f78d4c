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
import { byteScreen } from "../../src/store/search/byte_screen.ts";
import { compileMatcher, hasPhrase, requiredTokens, type TokenNeed } from "../../src/store/search/match.ts";
import { searchTree } from "../../src/store/search/query.ts";
import { tokenize } from "../../src/store/search/text.ts";
import { indexQueued, messageCount, mostlyQueued, queuedCount } from "../../src/store/sqljs/fts_queue.ts";
import { completeTotals, countTotals, indexTotals, rankableOverQueue, totalsCounted } from "../../src/store/sqljs/fts_relevance.ts";
import type { ListMessagesQuery, Repository, WriteOp } from "../../src/store/types.ts";
import { prng } from "../../src/bench/store.ts";
import { BROAD_EXCLUSIONS, CHATS, dataset, filters, GROUPS, openSearchStore, pages, PEOPLE, pick, query, T0, words } from "./search_fixtures.ts";
import { msg } from "./sqljs_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-backlog-"));
after(() => rmSync(root, { recursive: true, force: true }));

function openStore(name: string, opts: { searchIndexMax?: number; chatWalkRows?: number }) {
  // No background indexing: the queue stays as the test leaves it.
  return openSearchStore(root, name, { indexDelayMs: 1e9, ...opts });
}

/** Messages older than the dataset's (a history sync), with its words. */
function olderMessages(): WriteOp[] {
  const rnd = prng(11);
  return Array.from({ length: 60 }, (_, i) => {
    const chat = pick(rnd, CHATS);
    const senderId = GROUPS.includes(chat) ? pick(rnd, PEOPLE) : chat;
    return msg(chat, `h${i}`, T0 - 600_000 + i * 1000, words(rnd, 1, 5), { senderId });
  });
}

describe("sql.js search over a long full-text queue", () => {
  test("finds exactly what the complete index finds, for every query form, filter and page", async () => {
    const { first, second, texts } = dataset();
    const full = await openStore("full", {});
    // Two queues: most messages queued (the queue read by a walk of the messages, as after a
    // crash replay), and a few (each queued message looked up): read_sql.ts `queuedSearchSql`.
    const parts = [
      { name: "most queued", indexed: 0.25, scan: true, ...(await openStore("most", { searchIndexMax: 0 })) },
      { name: "a few queued", indexed: 0.85, scan: false, ...(await openStore("few", { searchIndexMax: 0 })) },
    ];
    try {
      for (const s of [full, ...parts]) await s.repo.commit(first);
      // Part of the first batch indexed; then changes to indexed and queued messages alike, and new ones.
      for (const p of parts) await p.durable.maintain((db) => indexQueued(db, Math.floor(queuedCount(db) * p.indexed)));
      for (const s of [full, ...parts]) await s.repo.commit(second);
      // A history sync: messages older than every indexed one, queued below them.
      for (const s of [full, ...parts]) await s.repo.commit(olderMessages());
      const queued = parts.map((p) => queuedCount(p.durable.db));
      for (const [i, p] of parts.entries()) {
        assert.ok(queued[i]! > 100, `${p.name}: a long queue (${queued[i]})`);
        assert.equal(mostlyQueued(queuedCount(p.durable.db), messageCount(p.durable.db)), p.scan, `${p.name}: the queue's read`);
      }

      const rnd = prng(7);
      let found = 0;
      const QUERIES = 400;
      for (let i = 0; i < QUERIES; i++) {
        // Some exclude nearly everything: a page then reads several spans (backlogExcludePage).
        const text = i % 10 === 0 ? BROAD_EXCLUSIONS[(i / 10) % BROAD_EXCLUSIONS.length]! : query(rnd, texts);
        const q: ListMessagesQuery = { ...filters(rnd), query: text, limit: 1 + Math.floor(rnd() * 6) };
        const byOffset = rnd() < 0.3;
        const expected = await pages(full.repo, q, byOffset);
        for (const p of parts) {
          const actual = await pages(p.repo, q, byOffset);
          assert.deepEqual(actual, expected, `${p.name}: query ${JSON.stringify(q)}${byOffset ? " (offset pages)" : ""}`);
        }
        if (expected[0] !== " next=false") found++;
      }
      assert.equal(queuedCount(full.durable.db), 0, "the reference searched a complete index");
      for (const [i, p] of parts.entries()) {
        assert.equal(queuedCount(p.durable.db), queued[i], `${p.name}: every search went through the queue`);
      }
      assert.ok(found > QUERIES / 3, `most queries find something (${found} of ${QUERIES})`);
    } finally {
      for (const s of [full, ...parts]) await s.repo.close();
    }
  });
});

/** Every page of a relevance-ordered search, with each hit's score (its exact double). */
async function rankedPages(repo: Repository, q: ListMessagesQuery): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 40; i++) {
    const page = await repo.listMessages({ ...q, cursor });
    out.push(`${page.items.map((m) => `${m.chatJid}/${m.id}:${m.rank}`).join("|")} next=${page.nextCursor !== null}`);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return out;
}

describe("sql.js relevance order over a long full-text queue (fts_relevance.ts)", () => {
  test("ranks exactly as the complete index does, scores included, before and after the queue is indexed", async () => {
    const { first, second, texts } = dataset();
    const full = await openStore("rel-full", {});
    const parts = [
      { name: "most queued", indexed: 0.25, scan: true, ...(await openStore("rel-most", { searchIndexMax: 0 })) },
      { name: "a few queued", indexed: 0.85, scan: false, ...(await openStore("rel-few", { searchIndexMax: 0 })) },
      { name: "all queued", indexed: 0, scan: true, ...(await openStore("rel-all", { searchIndexMax: 0 })) },
    ];
    const all = [full, ...parts];
    try {
      for (const s of all) await s.repo.commit(first);
      for (const p of parts) if (p.indexed > 0) await p.durable.maintain((db) => indexQueued(db, Math.floor(queuedCount(db) * p.indexed)));
      for (const s of all) await s.repo.commit(second);
      for (const s of all) await s.repo.commit(olderMessages());
      for (const p of parts) assert.equal(mostlyQueued(queuedCount(p.durable.db), messageCount(p.durable.db)), p.scan, `${p.name}: the queue's read`);
      const queued = parts.map((p) => queuedCount(p.durable.db));

      const rnd = prng(13);
      const QUERIES = 250;
      const asked: Array<{ q: ListMessagesQuery; expected: string[] }> = [];
      let found = 0;
      let waited = 0;
      for (let i = 0; i < QUERIES; i++) {
        // Common words (a window of many hits, several phrases with hits in one row) beside the generated queries.
        const text = i % 4 === 0 ? pick(rnd, ["the", "alpha OR beta", "the alpha", "rep*", "the -alpha", "alpha alpha", '"the alpha"']) : query(rnd, texts);
        const q: ListMessagesQuery = { ...filters(rnd), order: "relevance", query: text, limit: 1 + Math.floor(rnd() * 6) };
        const tree = searchTree(text);
        // A phrase the index keeps no token of waits for the index: it would empty the queue.
        if (tree.kind !== "match" || !rankableOverQueue(full.durable.db, tree.node)) {
          waited++;
          continue;
        }
        const expected = await rankedPages(full.repo, q);
        for (const p of parts) assert.deepEqual(await rankedPages(p.repo, q), expected, `${p.name}: query ${JSON.stringify(q)}`);
        asked.push({ q, expected });
        if (expected[0] !== " next=false") found++;
      }
      for (const [i, p] of parts.entries()) assert.equal(queuedCount(p.durable.db), queued[i], `${p.name}: every search went through the queue`);
      assert.ok(found > QUERIES / 3, `most queries find something (${found} of ${QUERIES})`);
      assert.ok(waited < QUERIES / 10, `few queries wait for the index (${waited})`);
      // The same stores once their queues are indexed: the same pages.
      for (const p of parts) {
        while (queuedCount(p.durable.db) > 0) await p.durable.maintain((db) => indexQueued(db, 1000));
        // What the complete index holds is what was counted over the messages.
        assert.deepEqual(completeTotals(p.durable.db, null), indexTotals(p.durable.db), `${p.name}: the index's totals`);
        for (const { q, expected } of asked.slice(0, 60)) assert.deepEqual(await rankedPages(p.repo, q), expected, `${p.name} indexed: query ${JSON.stringify(q)}`);
      }
    } finally {
      for (const s of all) await s.repo.close();
    }
  });
});

describe("sql.js relevance totals counted in part before a search (fts_relevance.ts)", () => {
  test("a search counts the queued messages left uncounted: the same pages and scores as the complete index, whatever the part counted before", async () => {
    const { first, second, texts } = dataset();
    const full = await openStore("part-full", {});
    const part = await openStore("part-queued", { searchIndexMax: 0 });
    let commits = 0;
    const commit = async (ops: WriteOp[]) => {
      for (const s of [full, part]) await s.repo.commit(ops);
      commits++;
    };
    try {
      await commit(first);
      await part.durable.maintain((db) => indexQueued(db, Math.floor(queuedCount(part.durable.db) * 0.3)));
      await commit(second);
      const db = part.durable.db;
      const total = messageCount(db);
      const rnd = prng(17);
      // Broad prefixes (most messages match one: the message at the counted part's end among them) beside words and generated queries.
      const asked = ["a* OR e* OR i* OR o* OR u*", "t* OR c* OR r*", "the", "alpha OR beta", '"the alpha"', "москва", "cafe", query(rnd, texts), query(rnd, texts)]
        .filter((text) => searchTree(text).kind === "match");
      const expected = new Map<string, string[]>();
      for (const text of asked) expected.set(text, await rankedPages(full.repo, { order: "relevance", query: text, limit: 4 }));
      let partial = 0;
      // Parts counted before the search: none, one message, every fifth message on, all (the repository's stamp is its number of commits).
      for (let counted = 0; counted <= total + 5; counted += counted < 5 ? 1 : 5) {
        await commit([{ op: "upsertPerson", person: { pnJid: PEOPLE[0], pushName: `P${counted}` } }]);
        // Every queued message uncounted, as a queue written before migration 0016 left it.
        db.run("UPDATE fts_pending SET text_tokens = NULL, file_tokens = NULL");
        const stamp = String(commits);
        const done = counted > 0 && countTotals(db, stamp, counted);
        if (counted > 0 && !done) partial++;
        assert.equal(totalsCounted(db, stamp), done, `${counted} counted: the part before the search`);
        for (const text of asked) {
          const q: ListMessagesQuery = { order: "relevance", query: text, limit: 4 };
          assert.deepEqual(await rankedPages(part.repo, q), expected.get(text), `${counted} counted: ${text}`);
          assert.equal(totalsCounted(db, stamp), true, `${counted} counted: the search summed the totals`);
        }
        assert.deepEqual(completeTotals(db, stamp), completeTotals(db, null), `${counted} counted: the totals`);
      }
      assert.ok(partial >= 50, `counts left in part before a search (${partial})`);
      assert.ok(queuedCount(db) * 2 >= total, "the searches read the queue (the count went through the walk)");
    } finally {
      for (const s of [full, part]) await s.repo.close();
    }
  });
});

describe("sql.js relevance order after an import left a medium queue", () => {
  test("over 16k indexed and 1.5k queued messages a relevance search reads the queue instead of indexing it first, and ranks exactly as the complete index, scores included", async () => {
    // A queue past searchIndexMax (1,000 here, 5,000 by default) and under an eighth of the
    // messages: until session 16 a relevance search indexed it first.
    const full = await openStore("import-full", {});
    const left = await openStore("import-queue", { searchIndexMax: 1000 });
    const rnd = prng(23);
    const texts: string[] = [];
    const batch = (from: number, n: number): WriteOp[] => Array.from({ length: n }, (_, k) => {
      const chat = pick(rnd, CHATS);
      const text = words(rnd, 1, 7);
      texts.push(text);
      return msg(chat, `i${from + k}`, T0 + (from + k) * 1000, text, { senderId: GROUPS.includes(chat) ? pick(rnd, PEOPLE) : chat });
    });
    const importing = async (from: number, to: number) => {
      for (let i = from; i < to; i += 2000) {
        const ops = batch(i, Math.min(2000, to - i));
        for (const s of [full, left]) await s.repo.commit(ops);
      }
    };
    const indexAll = (db: Parameters<typeof queuedCount>[0]) => void indexQueued(db, queuedCount(db));
    try {
      // The import's first 16k indexed by the background while it ran, its last 1.5k left queued.
      await importing(0, 16_000);
      await left.durable.maintain(indexAll);
      await importing(16_000, 17_500);
      await full.durable.maintain(indexAll);
      const queued = queuedCount(left.durable.db);
      assert.ok(queued === 1500 && queued * 8 < messageCount(left.durable.db), `a medium queue (${queued})`);
      const asked: ListMessagesQuery[] = [];
      for (const text of ["the", "alpha OR beta", '"the alpha"', "москва", "caf*", "the -alpha", "東京"]) asked.push({ order: "relevance", query: text, limit: 20 });
      for (let i = 0; i < 14; i++) {
        const text = query(rnd, texts);
        const tree = searchTree(text);
        if (tree.kind === "match" && rankableOverQueue(full.durable.db, tree.node)) {
          asked.push({ ...filters(rnd), order: "relevance", query: text, limit: 5 + Math.floor(rnd() * 16) });
        }
      }
      const expected: string[][] = [];
      for (const q of asked) expected.push(await rankedPages(full.repo, q));
      for (const [i, q] of asked.entries()) assert.deepEqual(await rankedPages(left.repo, q), expected[i], `query ${JSON.stringify(q)}`);
      assert.ok(expected.filter((e) => e[0] !== " next=false").length > asked.length / 2, "most queries find something");
      assert.equal(queuedCount(left.durable.db), queued, "no relevance search indexed the queue first");
      // Once the queue is indexed: the same pages.
      await left.durable.maintain(indexAll);
      for (const [i, q] of asked.entries()) assert.deepEqual(await rankedPages(left.repo, q), expected[i], `indexed: query ${JSON.stringify(q)}`);
    } finally {
      for (const s of [full, left]) await s.repo.close();
    }
  });
});

describe("sql.js search in one chat (its messages walked before the index)", () => {
  test("finds exactly what the index alone finds, for every walk length, query form, filter and page", async () => {
    const { first, second, texts } = dataset();
    const index = await openStore("chat-index", { chatWalkRows: 0 });
    // Walks shorter and longer than a chat's pages (a page fills within, exactly at, or beyond
    // the walk: then the index from the last walked message on), one over a long queue.
    const walks = await Promise.all([1, 2, 3, 5, 8, 13, 17, 24, 40, 1000].map((n) => openStore(`chat-walk-${n}`, { chatWalkRows: n })));
    const queued = await openStore("chat-walk-queued", { chatWalkRows: 24, searchIndexMax: 0 });
    const all = [index, ...walks, queued];
    try {
      for (const s of all) await s.repo.commit(first);
      await queued.durable.maintain((db) => indexQueued(db, Math.floor(queuedCount(db) / 2)));
      for (const s of all) await s.repo.commit(second);
      for (const s of all) await s.repo.commit(olderMessages());
      assert.ok(queuedCount(queued.durable.db) > 100, "a long queue");

      const rnd = prng(9);
      let found = 0;
      const QUERIES = 300;
      for (let i = 0; i < QUERIES; i++) {
        // Common words (pages fill within a short walk) beside the generated queries.
        const text = i % 3 === 0 ? pick(rnd, ["the", "alpha OR beta", "-gamma", "rep*", "the -alpha"]) : query(rnd, texts);
        const q: ListMessagesQuery = { ...filters(rnd), chatJid: pick(rnd, CHATS), query: text, limit: 1 + Math.floor(rnd() * 6) };
        const byOffset = rnd() < 0.3;
        const expected = await pages(index.repo, q, byOffset);
        for (const [j, s] of [...walks, queued].entries()) {
          assert.deepEqual(await pages(s.repo, q, byOffset), expected, `store ${j}: query ${JSON.stringify(q)}${byOffset ? " (offset pages)" : ""}`);
        }
        if (expected[0] !== " next=false") found++;
      }
      assert.ok(found > QUERIES / 3, `most queries find something (${found} of ${QUERIES})`);
    } finally {
      for (const s of all) await s.repo.close();
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
  // Pieces around ASCII letters: inert ones (emoji, other scripts, quotes), ones that fold alone to
  // plain ASCII (accents, compatibility forms), and ones that fold to or hide ASCII otherwise.
  const PIECES = [
    "a", "b", "ab", "x9", "A", "Fi", " ", ",", "😀", "👍🏽", "❤️", "привет", "東京", "مرحبا", "“", "”", "…", "—", "\u0640", "\u0301", "é", "É",
    "ø", "\u212A", "\u24b6", "™", "\u200d", "\u00ad", "ﬁ", "Ａ", "½", "①", "²", "İ", "ß", "σ", "Σ", "\u0483", "\u093e", "\u00a0", "ǅ",
    "𝐚", "\u{1F170}", "ñ", "Ⅻ", "\uFEFF", "\u0130", "ŀ", "æ",
  ];
  const bytes = (text: string) => new TextEncoder().encode(text);
  const ruledOutBytes = (n: TokenNeed, text: Uint8Array | null, file: Uint8Array | null) => byteScreen(n)(text, file);
  const need = (token: string): TokenNeed => ({ t: "token", token });

  test("a text it rules out holds no needed token in the index, whatever its characters", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run('CREATE VIRTUAL TABLE tok USING fts3tokenize(unicode61, "remove_diacritics=2", "tokenchars=_")');
    const unicode61 = (text: string): string[] => {
      const r = db.exec("SELECT token FROM tok WHERE input = ?", [text]);
      return r.length ? r[0]!.values.map((v) => String(v[0])) : [];
    };
    const rnd = prng(7);
    let known = 0;
    let ruled = 0;
    for (let i = 0; i < 8000; i++) {
      const text = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => pick(rnd, PIECES)).join("");
      // The index's tokens (ours through its tokenizer), and its tokenizer's own on the text.
      const ours = tokenize(text);
      const plain = [...ours.flatMap((t) => unicode61(t)), ...ours, ...unicode61(text)].filter((t) => /^[a-z0-9]+$/.test(t));
      for (const t of plain) {
        assert.equal(ruledOutBytes(need(t), bytes(text), null), false, `${JSON.stringify(text)}: token ${t} ruled out`);
        assert.equal(ruledOutBytes(need(t), null, bytes(text)), false, `${JSON.stringify(text)} as a file name: token ${t}`);
        assert.equal(ruledOutBytes(need(t), bytes("zz"), bytes(text)), false, `${JSON.stringify(text)} after a text: token ${t}`);
      }
      const other = pick(rnd, ["a", "ab", "b", "x9", "fi", "e", "k", "1", "2", "dz", "xii", "s"]);
      if (ruledOutBytes(need("qq"), bytes(text), null)) known++;
      if (!plain.includes(other) && ruledOutBytes(need(other), bytes(text), null)) ruled++;
    }
    db.close();
    // Most texts are read on their bytes alone, and many lack a given token.
    assert.ok(known > 2000, `only ${known} texts read on their bytes`);
    assert.ok(ruled > 1000, `only ${ruled} texts ruled out`);
  });

  test("accents, compatibility forms and other scripts are read on their bytes; marks, format characters and malformed bytes are not", () => {
    assert.equal(ruledOutBytes(need("cafe"), bytes("Café au lait"), null), false);
    assert.equal(ruledOutBytes(need("cafe"), bytes("Crème brûlée"), null), true);
    assert.equal(ruledOutBytes(need("file"), bytes("ﬁle"), null), false);
    assert.equal(ruledOutBytes(need("moskva"), bytes("Москва 東京 😀"), null), true);
    assert.equal(ruledOutBytes(need("xy"), bytes("x\u0483y"), null), false);
    assert.equal(ruledOutBytes(need("ab"), bytes("a\u00adb"), null), false);
    assert.equal(ruledOutBytes(need("qq"), new Uint8Array([0x61, 0xed, 0xa0, 0x80]), null), false);
    assert.equal(ruledOutBytes(need("qq"), new Uint8Array([0x61, 0xc3]), null), false);
    assert.equal(ruledOutBytes(need("qq"), new Uint8Array([0xe0, 0x80, 0x80]), null), false);
    assert.equal(ruledOutBytes(need("qq"), bytes("\u00e9"), null), true);
  });

  test("what a query needs: every term of an AND, one of an OR, nothing from a NOT", () => {
    const plain = (tok: string) => ({ tokens: [tok], endsAtEnd: true });
    const needOf = (q: string) => requiredTokens((searchTree(q) as { node: Parameters<typeof requiredTokens>[0] }).node, plain);
    const held = (n: TokenNeed, text: string, file: string | null = null) => !ruledOutBytes(n, bytes(text), file === null ? null : bytes(file));
    assert.deepEqual(needOf('"budget plan"'), { t: "token", token: "budget" });
    assert.equal(held(needOf("alpha beta")!, "beta alpha"), true);
    assert.equal(held(needOf("alpha beta")!, "alpha"), false);
    assert.equal(held(needOf("alpha beta")!, "alpha", "Beta.pdf"), true);
    assert.equal(held(needOf("alpha OR beta")!, "beta"), true);
    assert.equal(held(needOf("alpha -beta")!, "alpha beta"), true);
    assert.equal(held(needOf("rep*")!, "reporting"), true);
    assert.equal(needOf("москва"), null);
  });
});

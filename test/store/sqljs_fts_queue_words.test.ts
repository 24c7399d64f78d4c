/**
 * The counts a queued message carries (fts_queue_words.ts, migration 0016) are what the
 * full-text index counts for it once indexed: checked message by message against the count
 * from its row (`rowCounter`, the reference the relevance order was built on) after live writes
 * of both apply paths (row by row, and the multi-row one a batch of 64 or more takes), edits,
 * revokes and deletes of queued messages; and the queue's totals plus the index's are the
 * index's once everything is indexed. (A crash replay writes the queue's rows, counts included,
 * exactly as the writes it replays: sqljs_ingest.test.ts compares every column.)
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "sql.js";
import { indexQueued, queuedCount } from "../../src/store/sqljs/fts_queue.ts";
import { type CorpusTotals, queueTotals, rowCounter, wordsOfRow } from "../../src/store/sqljs/fts_queue_words.ts";
import { indexTotals } from "../../src/store/sqljs/fts_relevance.ts";
import type { WriteOp } from "../../src/store/types.ts";
import { CHATS, dataset, openSearchStore, T0 } from "./search_fixtures.ts";
import { msg } from "./sqljs_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-queue-words-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Texts at the edges of the counting: a lone surrogate, a long text, marks, no words, a file name that repeats the text. */
function edgeMessages(): WriteOp[] {
  const texts = ["a\ud800b c", "\udc00", "word ".repeat(3000), "x\u0483y \u0483", "!!! ...", "", "Ὀδυσσεύς ΣΟΦΟΣ", "cafe\u0301s 東京タワー"];
  const ops: WriteOp[] = texts.map((text, i) => msg(CHATS[0]!, `e${i}`, T0 - 90_000 + i * 1000, text));
  const doc = (name: string) => ({ mimetype: "application/pdf", fileName: name, fileLength: 1, durationSec: null, directPath: null, url: null, mediaKey: null, fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: null });
  ops.push(msg(CHATS[1]!, "f0", T0 - 50_000, "same name.pdf", { type: "document", media: doc("same name.pdf") }));
  ops.push(msg(CHATS[1]!, "f1", T0 - 49_000, null, { type: "document", media: doc("report 2024.pdf") }));
  ops.push(msg(CHATS[1]!, "f2", T0 - 48_000, "a caption", { type: "document", media: doc("\u0483.pdf") }));
  return ops;
}

/** Each queued message: [docid, its stored counts, what `rowCounter` counts from its row now]. */
function queuedCounts(db: Database): Array<[number, CorpusTotals | null, CorpusTotals]> {
  const rows = db.exec(`SELECT p.docid, p.text_tokens, p.file_tokens, m.revoked, coalesce(m.edited_text, m.text), m.media_file_name
    FROM fts_pending p JOIN message_rows m ON m.pk = p.docid ORDER BY p.docid`)[0]?.values ?? [];
  return rows.map((r) => {
    const fresh: CorpusTotals = { rows: 0, text: 0, file: 0 };
    if (r[3] === 0) rowCounter(db, fresh)(r[4] as string | null, r[5] as string | null);
    const stored = r[1] === null ? null : { rows: Number(r[1]) + Number(r[2]) > 0 ? 1 : 0, text: Number(r[1]), file: Number(r[2]) };
    return [Number(r[0]), stored, fresh];
  });
}

function checkCounts(db: Database, label: string): number {
  const all = queuedCounts(db);
  let counted = 0;
  for (const [docid, stored, fresh] of all) {
    if (stored === null) continue;
    counted++;
    assert.deepEqual(stored, fresh, `${label}: message ${docid}`);
  }
  return counted;
}

describe("sql.js queued messages' counts for the relevance totals (fts_queue_words.ts)", () => {
  test("each is what the index counts for the message, after writes of both apply paths, edits, revokes and deletes", async () => {
    const { first, second } = dataset();
    const s = await openSearchStore(root, "words", { indexDelayMs: 1e9, searchIndexMax: 0 });
    const db = s.durable.db;
    try {
      // A big batch (the multi-row path), then small ones (row by row).
      await s.repo.commit(first);
      for (const op of edgeMessages()) await s.repo.commit([op]);
      const before = queuedCount(db);
      // Every one counted (a lone surrogate comes back from the journal's codec as U+FFFD, as stored).
      assert.equal(checkCounts(db, "written"), before, "all counted");
      await s.repo.commit(second);
      const counted = checkCounts(db, "after edits, revokes and deletes");
      assert.ok(counted > 0.7 * queuedCount(db) && counted < queuedCount(db), `changed ones uncounted (${counted} of ${queuedCount(db)})`);
      // What the queue adds to the (empty) index: the sum over each message's row.
      const expected: CorpusTotals = { rows: 0, text: 0, file: 0 };
      for (const [, , fresh] of queuedCounts(db)) {
        expected.rows += fresh.rows;
        expected.text += fresh.text;
        expected.file += fresh.file;
      }
      assert.deepEqual(queueTotals(db), expected);
      assert.deepEqual(indexTotals(db), { rows: 0, text: 0, file: 0 });
      // Indexed in parts, the index's totals and the queue's add up to the same; all indexed, the index's alone.
      await s.durable.maintain((d) => indexQueued(d, Math.floor(queuedCount(d) / 3)));
      const sum = (a: CorpusTotals, b: CorpusTotals) => ({ rows: a.rows + b.rows, text: a.text + b.text, file: a.file + b.file });
      assert.deepEqual(sum(indexTotals(db), queueTotals(db)), expected);
      while (queuedCount(db) > 0) await s.durable.maintain((d) => indexQueued(d, 1000));
      assert.deepEqual(indexTotals(db), expected);
    } finally {
      await s.repo.close();
    }
  });

  test("wordsOfRow leaves a text or file name with a lone surrogate uncounted, and counts a surrogate pair", async () => {
    const s = await openSearchStore(root, "surrogates", { indexDelayMs: 1e9, searchIndexMax: 0 });
    try {
      const words = wordsOfRow(s.durable.db);
      for (const [text, name] of [["a\ud800b", null], ["a\udc00b", null], ["ab\ud83d", null], ["\ude00ab", null], ["ab", "x\ud800.pdf"], ["\ud800\ud800", null]] as const) {
        assert.equal(words(text, name), null, JSON.stringify([text, name]));
      }
      assert.notEqual(words("ab \ud83d\ude00 cd", "x\ud83d\ude00y.pdf"), null);
      assert.equal(words(null, null), 0);
    } finally {
      await s.repo.close();
    }
  });
});

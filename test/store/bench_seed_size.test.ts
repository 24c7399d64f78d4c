import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildOriginalStore, originalTimestamp, runSeedSizeBench } from "../../src/bench/seed_size.ts";
import { parseSeedTimestamp } from "../../src/store/import/seed.ts";
import { loadSqlJs } from "../../src/store/sqljs/load.ts";

describe("bench seed: the store against the original's messages.db", () => {
  test("writes the original's schema and timestamps the import reads back", async () => {
    assert.equal(originalTimestamp(Date.UTC(2025, 0, 15, 10, 0, 0)), "2025-01-15 10:00:00+00:00");
    assert.equal(parseSeedTimestamp(originalTimestamp(1_700_000_000_000)), 1_700_000_000_000);
    const db = buildOriginalStore(await loadSqlJs(), 500, 20);
    try {
      const count = (sql: string) => Number(db.exec(sql)[0]!.values[0]![0]);
      assert.equal(count("SELECT count(*) FROM messages"), 500);
      assert.equal(count("SELECT count(*) FROM chats"), 20);
      assert.ok(count("SELECT count(*) FROM messages WHERE media_key IS NOT NULL") > 10, "some media with keys");
      assert.ok(count("SELECT count(*) FROM messages WHERE sender = '' AND is_from_me = 1") > 50, "own messages without a sender");
      // The original has no index but its primary key.
      assert.equal(count("SELECT count(*) FROM sqlite_master WHERE type = 'index'"), 2);
    } finally {
      db.close();
    }
  });

  test("imports every message and reports both sizes (no size asserted)", async () => {
    const r = await runSeedSizeBench(2000);
    assert.equal(r.messages, 2000);
    assert.ok(r.originalBytes > 0 && r.storeBytes > 0);
    assert.equal(r.ratio, Math.round((r.storeBytes / r.originalBytes) * 1000) / 1000);
    assert.ok(r.importMsgsPerSec > 0);
  });
});

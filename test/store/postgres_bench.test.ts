import { describe, test } from "node:test";
import assert from "node:assert/strict";
import postgres from "postgres";
import { runStoreBench } from "../../src/bench/store.ts";
import { openPostgresRepository } from "../../src/store/postgres/repository.ts";
import { urlWithDatabase, withScratchDatabase } from "../../src/store/postgres/scratch_db.ts";
import { pgTestServer } from "./pg_harness.ts";

const pgServer = await pgTestServer("wa_pgbench");

describe("the store benchmark on PostgreSQL", { skip: pgServer.skip }, () => {
  test("urlWithDatabase() swaps the database and keeps user, host and parameters", () => {
    assert.equal(urlWithDatabase("postgres://u@h:5432/app?sslmode=require", "b1"), "postgres://u@h:5432/b1?sslmode=require");
  });

  test("runs in a scratch database, reports the sql.js bench's fields, and drops the database", async () => {
    let name = "";
    const r = await withScratchDatabase(pgServer.serverUrl, "bench_pg_test", (url) => {
      name = new URL(url).pathname.slice(1);
      return runStoreBench({ messages: 2000, chats: 20, iterations: 2, batch: 400, open: () => openPostgresRepository({ url }), ingestTarget: 20_000 });
    });
    assert.equal(r.backend, "postgres");
    assert.equal(r.messages, 2000);
    assert.equal(r.chats, 20);
    assert.ok(r.ingest.commits >= 5);
    assert.equal(Object.keys(r.queries).length, 12);
    assert.equal(r.targets.ingest!.target, ">= 20,000 msgs/s");
    assert.ok(r.storeBytes !== null && r.storeBytes > 0);
    const admin = postgres(pgServer.serverUrl, { max: 1, onnotice: () => {} });
    try {
      assert.match(name, /^bench_pg_test_/);
      assert.equal((await admin`SELECT count(*)::int AS n FROM pg_database WHERE datname = ${name}`)[0]!.n, 0, "dropped");
    } finally {
      await admin.end({ timeout: 5 });
    }
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { prng, runStoreBench, vocabulary, zipf } from "../../src/bench/store.ts";
import { history, makeWorld } from "../../src/bench/history.ts";
import { originalSizeOf } from "../../src/bench/original_size.ts";
import { issueTable } from "../../src/bench/table.ts";
import { benchInChild } from "../../src/bench/in_child.ts";
import { pausePlan, toolCalls, warmupPlan } from "../../src/bench/stdio_tools.ts";
import { callGapMs, gapOrder, spread } from "../../src/bench/call_gap.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

describe("runStoreBench()", () => {
  test("the synthetic history is deterministic and skewed", () => {
    const a = vocabulary(2000, prng(1));
    assert.deepEqual(a, vocabulary(2000, prng(1)));
    assert.equal(new Set(a).size, 2000);
    assert.ok(a.filter((w) => /[^\x00-\x7f]/.test(w)).length >= 150, "about a tenth non-ASCII");
    const next = zipf(1000, 1.07, prng(2));
    const counts = new Array(1000).fill(0);
    for (let i = 0; i < 20_000; i++) counts[next()]++;
    assert.ok(counts[0] > 20 * counts[500], "rank 1 is far more common than rank 500");
  });

  test("builds a small store through commit and reports every measurement (no timing asserted)", async () => {
    const r = await runStoreBench({ messages: 3000, chats: 30, iterations: 3, batch: 500, replayMessages: 2500 });
    assert.equal(r.messages, 3000);
    assert.equal(r.chats, 30);
    assert.ok(r.ingest.commits >= 6, "batches of at most 500 ops (messages plus some reactions)");
    assert.deepEqual(Object.keys(r.queries).sort(), [
      "listChatsWithLast20",
      "listMessagesContext20",
      "listMessagesContextPerHit20",
      "messageContext5x5",
      "newest20InChat",
      "searchCommonWord",
      "searchCommonWordInChat",
      "searchContacts",
      "searchContactsAna",
      "searchPhrase",
      "searchRareWord",
      "searchRelevanceRareWord",
    ]);
    for (const q of Object.values(r.queries)) assert.equal(q.runs, 3);
    assert.ok(r.storeBytes !== null && r.storeBytes > 0);
    assert.ok(r.storeBytesPerMessage !== null && r.storeBytesPerMessage > 0);
    assert.ok(r.ingest.storeSeconds > 0 && r.ingest.storeSeconds <= r.ingest.seconds, "store time is part of the loop's time");
    assert.ok(r.ingest.storeMsgsPerSec >= r.ingest.msgsPerSec);
    assert.equal(r.load.atStart.length, 3);
    assert.ok(r.rssBytes.afterReopen > 0);
    assert.ok(r.firstSearchSeconds >= 0);
    assert.ok(r.firstSearchAfterImportSeconds >= 0);
    assert.ok(r.firstRelevanceAfterImportSeconds >= 0);
    assert.deepEqual(Object.keys(r.targets).sort(), ["coldOpen", "ingest", "memory", "queryP50", "replay"]);
    assert.equal(r.replay?.messages, 2500, "the replayed store holds every journaled message");
    assert.ok(r.replay.journalBytes > 0 && r.replay.msgsPerSec > 0);
    assert.ok(r.replay.replaySeconds !== null && r.replay.replaySeconds > 0 && r.replay.replaySeconds <= r.replay.seconds, "the replay is part of the open");
    assert.ok(r.replay.cpuSeconds > 0);
    assert.ok(r.replay.firstSearchSeconds > 0, "the first search after the replay is timed");
    // Where the store time went: every stage measured, together (nearly) the whole store time.
    const w = r.ingest.storeUsPerMessage!;
    assert.ok(w.apply > 0 && w.codec > 0 && w.journal > 0 && w.index >= 0, JSON.stringify(w));
    const parts = w.codec + w.apply + w.journal + w.index;
    assert.ok(Math.abs(parts + w.other - (r.ingest.storeSeconds * 1e6) / r.messages) < 1, "the parts add up to the store time");
    assert.ok(r.ingest.cpuSeconds > 0);
    // The same messages in the original's schema, and what the store keeps of their raws.
    assert.ok(r.original !== null && r.original.bytes > 0 && r.original.ratio !== null);
    assert.equal(r.original.ratio, Math.round((r.storeBytes! / r.original.bytes) * 1000) / 1000);
    assert.equal(issueTable({ store: r }).benchStoreVsOriginalRatio, r.original.ratio);
    assert.equal(issueTable({ store: r }).readToolsOverStdio, null, "no stdio part ran");
    assert.ok(r.raw.keptBytesPerMessage < r.raw.fullBytesPerMessage, "old messages' raws without their details");
    assert.ok(r.raw.residualBytesPerMessage < r.raw.keptBytesPerMessage);
  });

  test("the issue table's stdio row: each workload's p50, the slowest read but context and contacts", () => {
    const t = (p50: number) => ({ p50, p95: p50, max: p50, runs: 1, serverCpuMs: null, serverMainCpuMs: null });
    const tools = { newest20InChat: t(1.5), searchRareWord: t(2.25), listMessagesContext20: t(2.9), searchContacts: t(3) };
    const row = issueTable({ store: { toolsOverStdio: { runtime: "node", warmup: 3, tools } } }).readToolsOverStdio;
    assert.deepEqual(row, {
      runtime: "node",
      warmupCalls: 3,
      p50Ms: { newest20InChat: 1.5, searchRareWord: 2.25, listMessagesContext20: 2.9, searchContacts: 3 },
      slowestOtherP50Ms: 2.25,
    });
  });

  test("bench tools' warm-up: 3 calls on the timed inputs by default; from 100, other chats and context samples", () => {
    assert.deepEqual(warmupPlan({}), { calls: 3, from: 0 });
    assert.deepEqual(warmupPlan({ WHATSAPP_MCP_BENCH_WARMUP: "100", WHATSAPP_MCP_BENCH_WARMUP_FROM: "100" }), { calls: 100, from: 100 });
    assert.deepEqual(warmupPlan({ WHATSAPP_MCP_BENCH_WARMUP: "-1", WHATSAPP_MCP_BENCH_WARMUP_FROM: "x" }), { calls: 3, from: 0 });
    // The store bench's workload shape: 200 chats, 1,000 context samples.
    const chats = Array.from({ length: 200 }, (_, i) => `${i}@s.whatsapp.net`);
    const samples = Array.from({ length: 1000 }, (_, i) => ({ chat: chats[i % 200]!, id: `m${i}` }));
    const calls = toolCalls({ chats, rareWords: ["a"], commonWords: ["b"], contactPrefixes: ["c"], samples });
    const { from } = warmupPlan({ WHATSAPP_MCP_BENCH_WARMUP_FROM: "100" });
    for (const name of ["newest20InChat", "messageContext5x5"]) {
      const inputs = (first: number) => new Set(Array.from({ length: 100 }, (_, i) => JSON.stringify(calls[name]!(first + i).arguments)));
      const timed = inputs(0);
      assert.equal(timed.size, 100, name);
      assert.ok([...inputs(from)].every((a) => !timed.has(a)), `${name}: the warm-up reads none of the timed calls' data`);
    }
  });

  test("bench tools' pauses: settle by default; a desktop pause replaces the first call, the settle and the idle time", () => {
    assert.deepEqual(pausePlan({}), { settle: true, idleMs: 0, desktopMs: 0 });
    assert.deepEqual(pausePlan({ WHATSAPP_MCP_BENCH_SETTLE: "0", WHATSAPP_MCP_BENCH_IDLE_MS: "2000" }), { settle: false, idleMs: 2000, desktopMs: 0 });
    assert.deepEqual(
      pausePlan({ WHATSAPP_MCP_BENCH_DESKTOP_PAUSE_MS: "1500", WHATSAPP_MCP_BENCH_IDLE_MS: "2000" }),
      { settle: false, idleMs: 0, desktopMs: 1500 },
    );
    assert.deepEqual(pausePlan({ WHATSAPP_MCP_BENCH_DESKTOP_PAUSE_MS: "-5", WHATSAPP_MCP_BENCH_IDLE_MS: "x" }), { settle: true, idleMs: 0, desktopMs: 0 });
  });

  test("bench tools' call gap: off by default; the workloads take turns, each timed call on an even input (the next one right after)", () => {
    assert.equal(callGapMs({}), 0);
    assert.equal(callGapMs({ WHATSAPP_MCP_BENCH_CALL_GAP_MS: "15000" }), 15000);
    assert.equal(callGapMs({ WHATSAPP_MCP_BENCH_CALL_GAP_MS: "-1" }), 0);
    assert.equal(callGapMs({ WHATSAPP_MCP_BENCH_CALL_GAP_MS: "1.5" }), 0);
    assert.deepEqual(gapOrder(["a", "b"], 2), [
      { name: "a", input: 0 },
      { name: "b", input: 0 },
      { name: "a", input: 2 },
      { name: "b", input: 2 },
    ]);
    assert.deepEqual(spread([3, 1, 2, 10]), { p50: 2, p95: 10, max: 10 });
    assert.deepEqual(spread([1.23456]), { p50: 1.235, p95: 1.235, max: 1.235 });
  });

  test("the history is the same when generated again: the original's file is written from the very messages the store got", async () => {
    const ids = (n: number) => [...history(makeWorld(20, 100), n, [])].map((x) => `${x.message.chatJid} ${x.message.id} ${x.message.raw!.length}`);
    assert.deepEqual(ids(500), ids(500));
    const a = await originalSizeOf(2000, 20, 100);
    const b = await originalSizeOf(4000, 20, 100);
    assert.ok(a.bytes > 0 && b.bytes > 1.7 * a.bytes, "grows with the messages");
    assert.ok(a.bytesPerMessage > 150 && a.bytesPerMessage < 600, `${a.bytesPerMessage} bytes per message`);
  });

  test("the snapshot memory figures come from a process of their own, not the one that built the store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wa-bench-snap-"));
    try {
      await runStoreBench({ messages: 400, chats: 5, iterations: 1, batch: 200, replayMessages: 0, dir });
      const child = benchInChild(["snapshot", dir]);
      assert.ok(child !== null, "this runtime's entry is found (Node: dist/src/main.js, Deno: src/main.ts)");
      const m = (await child).snapshotMemory as Record<string, number>;
      assert.notEqual(m.pid, process.pid);
      assert.ok(m.storeFileBytes > 0 && m.rssAfterOpenBytes > 0, JSON.stringify(m));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Store benchmark: builds a deterministic synthetic history through `Repository.commit` (the
 * path sync uses: batches of ~1000 ops, each awaited until durable), then times a cold reopen,
 * the first search (which indexes what the ingest queued for full-text search), the queries
 * the tools run, resident memory and the size on disk.
 *
 * The history: `messages` messages in `chats` chats (a tenth groups), chat activity and words
 * both Zipf-distributed, a tenth of the vocabulary non-ASCII (accents, Cyrillic, Arabic, CJK),
 * media messages with keys and hashes, each with its real encoded WebMessageInfo as raw (the
 * row's own fields plus push name, message secret on a third, image thumbnails: see
 * message_proto.ts), some reactions.
 */
import { cpuMicrosOfPids, cpuSeconds, loadAverages, makeScratchDir, removeTree, residentMemoryBytes } from "../runtime/bench_host.ts";
import { type ReplayBench, runReplayBench } from "./store_replay.ts";
import type { ToolWorkload } from "./stdio_tools.ts";
import { openSqljsRepository } from "../store/sqljs/repository.ts";
import type { Repository, WriteOp } from "../store/types.ts";
import { COMMON, FIRST, history, makeWorld, prng } from "./history.ts";
import { fullRaw, residualRaw } from "../store/raw_residual.ts";
import { rawDetailCutoff, withoutDetail } from "../store/raw_detail.ts";
import { type OriginalSize, originalSizeOf } from "./original_size.ts";
import { rawColumnsOf } from "../store/rows.ts";

export { prng, vocabulary, zipf } from "./history.ts";

/** Benchmark options. */
export interface StoreBenchOptions {
  /** Messages to generate (default 1,000,000). */
  messages?: number;
  /** Chats (default 2,000). */
  chats?: number;
  /** People in the address book, at least those the chats need (default 10,000). */
  contacts?: number;
  /** Store folder (default: a scratch folder, deleted afterwards). */
  dir?: string;
  /** Ops per commit (default 1000). */
  batch?: number;
  /** Timed runs per query (default 200). */
  iterations?: number;
  /** Opens the store under test (default: the sql.js store in `dir`). */
  open?: (dir: string) => Promise<Repository>;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
  /** Messages of the crash-restart (journal replay) run of the sql.js store; 0 skips it (default 91,000). */
  replayMessages?: number;
  /** The ingest target in messages per second (default 50,000: the sql.js store's). */
  ingestTarget?: number;
  /** The processes of the store's server (PostgreSQL backends), whose CPU time the ingest reports. */
  serverPids?: () => Promise<number[]>;
  /**
   * Hands the store batch N+1 while batch N is still being written (acks still awaited in order,
   * each once its batch is durable), so the generator's work overlaps the store's (default false).
   */
  pipelined?: boolean;
  /** Times the same workloads as tool calls over stdio, on the store left after the bench (see stdio_tools.ts). */
  tools?: (w: ToolWorkload) => Promise<unknown>;
  /** Writes the same messages in the original's schema at the end and compares the sizes (default true). */
  original?: boolean;
}

/** Percentiles of one query, in milliseconds. */
export interface QueryTiming {
  p50: number;
  p95: number;
  max: number;
  runs: number;
}

/** What the benchmark measured. */
export interface StoreBenchResult {
  /** The store measured (`sqljs` or `postgres`). */
  backend: string;
  messages: number;
  chats: number;
  people: number;
  /**
   * seconds/msgsPerSec: the whole loop, the synthetic generator included; storeSeconds/storeMsgsPerSec:
   * the time spent awaiting `commit` (the store's work: apply, journal fsync, and the background
   * full-text rounds, which run on the write lane between commits).
   */
  ingest: {
    seconds: number;
    msgsPerSec: number;
    storeSeconds: number;
    storeMsgsPerSec: number;
    /** Whether batch N+1 was handed over while batch N was written (then store time overlaps the generator's). */
    pipelined: boolean;
    commits: number;
    setupSeconds: number;
    /**
     * CPU microseconds per message: `client` this process in the whole loop (generator included),
     * `clientInStore` while awaiting `commit` (the store's own encoding and driver), `server` the
     * database server's backends (null for the in-process store or where /proc is missing).
     */
    cpuMicrosPerMessage: { client: number; clientInStore: number; server: number | null };
    /** Process CPU time (user + system) of the ingest loop, generator included: comparable under load. */
    cpuSeconds: number;
    /**
     * Where the store time went, µs per message (sql.js only, else null): the journal codec, apply
     * (BEGIN to COMMIT), journal write + fsync, the full-text rounds, and the rest (waits, the client).
     */
    storeUsPerMessage: { codec: number; apply: number; journal: number; index: number; other: number } | null;
  };
  /**
   * The raw protos generated (bytes per message, full) and their residuals (what the store keeps
   * of a new row, see raw_residual.ts), with the CPU each cut and rebuild costs (a tenth sampled).
   */
  raw: {
    fullBytesPerMessage: number;
    /** What the store is given to keep: old messages' raws without their details (raw_detail.ts). */
    keptBytesPerMessage: number;
    residualBytesPerMessage: number;
    stripUsPerMessage: number;
    rebuildUsPerMessage: number;
  };
  /** The same messages in the original's `messages.db` (original_size.ts); `ratio`: storeBytes / its bytes (the goal: <= 1.2). */
  original: (OriginalSize & { ratio: number | null }) | null;
  queries: Record<string, QueryTiming>;
  closeSeconds: number;
  coldOpenSeconds: number;
  /**
   * The first text search after the cold open, alone: what the ingest left queued for the
   * full-text index (the sql.js store indexes off the commit path, in bulk rounds) is indexed
   * first when short, else matched by the search itself while the background indexes it. The
   * query timings below come after it, each after an event-loop turn (`turn`).
   */
  firstSearchSeconds: number;
  /** A text search right after the last commit of the ingest (the index must catch up first). */
  firstSearchAfterImportSeconds: number;
  /**
   * Then at once (no event-loop turn: the background has not run) a relevance-ordered search of
   * another word: over what the import left queued, it needs the complete index's totals.
   */
  firstRelevanceAfterImportSeconds: number;
  rssBytes: { afterIngest: number; afterReopen: number; afterQueries: number };
  storeBytes: number | null;
  /** The store's size on disk per message. */
  storeBytesPerMessage: number | null;
  rssToStoreRatio: number | null;
  /** The 1/5/15-minute load averages when the ingest started and when the bench ended. */
  load: { atStart: number[]; atEnd: number[] };
  /** Restart after a crash with no snapshot: the journal replayed at open (sql.js store only; null if skipped). */
  replay: ReplayBench | null;
  /** The same reads as MCP tool calls over stdio, from a server spawned on the store (null if not run). */
  toolsOverStdio: unknown;
  targets: Record<string, { target: string; met: boolean }>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i]! * 1000) / 1000;
}

/**
 * One event-loop turn, as a server has between two requests: the store's background work (the
 * full-text index's rounds, merges) runs on timers, which back-to-back awaits of in-memory calls
 * never let fire (a 200k import's 50k queued messages were then matched by every search, ~95 ms each).
 */
const turn = () => new Promise<void>((r) => setTimeout(r, 0));

async function time(runs: number, fn: (i: number) => Promise<unknown>): Promise<QueryTiming> {
  for (let i = 0; i < Math.min(5, runs); i++) await fn(i); // warm-up (statement compilation, caches)
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    await turn();
    const t0 = performance.now();
    await fn(i);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { p50: percentile(t, 50), p95: percentile(t, 95), max: percentile(t, 100), runs };
}

/** Runs the benchmark. Deterministic data; timings are of this machine. */
export async function runStoreBench(opts: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const total = opts.messages ?? 1_000_000;
  const nChats = opts.chats ?? 2_000;
  const batch = opts.batch ?? 1000;
  const iterations = opts.iterations ?? 200;
  const log = opts.progress ?? (() => {});
  const scratch = opts.dir ? null : await makeScratchDir("wa-store-bench-");
  const dir = opts.dir ?? scratch!;
  const open = opts.open ?? ((d: string) => openSqljsRepository({ dir: d }));
  const loadAtStart = loadAverages();
  try {
    // --- the world: people, chats, groups ---
    const world = makeWorld(nChats, opts.contacts ?? 10_000);
    const { setup, chats, nextChat, vocab } = world;

    let repo = await open(dir);
    const setupStart = performance.now();
    for (let i = 0; i < setup.length; i += batch) await repo.commit(setup.slice(i, i + batch));
    const setupSeconds = (performance.now() - setupStart) / 1000;

    // --- messages ---
    const samples: Array<{ chat: string; id: string }> = [];
    let ops: WriteOp[] = [];
    let commits = 0;
    let storeMs = 0;
    let storeCpu = 0;
    const commit = async (batchOps: WriteOp[]) => {
      const c = performance.now();
      const u = cpuSeconds() * 1e6;
      await repo.commit(batchOps);
      storeCpu += cpuSeconds() * 1e6 - u;
      storeMs += performance.now() - c;
      commits++;
    };
    // Pipelined: at most one batch waits behind the one being written; its ack is awaited before
    // the next batch is handed over, so acks stay in order.
    let inflight: Promise<void> | null = null;
    const submit = async (batchOps: WriteOp[]) => {
      if (!opts.pipelined) return await commit(batchOps);
      const next = commit(batchOps);
      if (inflight) await inflight;
      inflight = next;
    };
    const serverAtStart = await serverCpu(opts.serverPids);
    const cpuUs0 = cpuSeconds() * 1e6;
    const work0 = (await repo.stats()).work;
    const cpu0 = cpuSeconds();
    const t0 = performance.now();
    let lastReport = t0;
    let rawFull = 0;
    let rawSampled = 0;
    let rawSampledKept = 0;
    let rawSampledFull = 0;
    let rawSampledResidual = 0;
    let rawStripMs = 0;
    let rawRebuildMs = 0;
    const detailCutoff = rawDetailCutoff(Date.now());
    let i = 0;
    for (const { ops: messageOps, message } of history(world, total, samples)) {
      const raw = message.raw!;
      rawFull += raw.length;
      if (i % 10 === 0) {
        // What the store keeps of it (the commit cuts the same details again: raw_detail.ts).
        const kept = message.ts < detailCutoff ? withoutDetail(raw) : raw;
        const cols = rawColumnsOf(message.chatJid, message.senderId, message, message.ts);
        const r0 = performance.now();
        const residual = residualRaw(kept, cols);
        const r1 = performance.now();
        fullRaw(residual, cols);
        rawStripMs += r1 - r0;
        rawRebuildMs += performance.now() - r1;
        rawSampled++;
        rawSampledResidual += residual.length;
        rawSampledKept += kept.length;
        rawSampledFull += raw.length;
      }
      ops.push(...messageOps);
      i++;
      if (ops.length >= batch) {
        await submit(ops);
        ops = [];
        const now = performance.now();
        if (now - lastReport > 10_000) {
          log(`ingest: ${i} messages, ${Math.round(i / ((now - t0) / 1000))} msgs/s`);
          lastReport = now;
        }
      }
    }
    if (ops.length) await submit(ops);
    if (inflight) await inflight;
    const ingestSeconds = (performance.now() - t0) / 1000;
    const clientCpu = cpuSeconds() * 1e6 - cpuUs0;
    const serverAtEnd = await serverCpu(opts.serverPids);
    let serverCpuTotal: number | null = null;
    if (serverAtStart && serverAtEnd) {
      serverCpuTotal = 0;
      for (const [pid, us] of serverAtEnd) serverCpuTotal += us - (serverAtStart.get(pid) ?? 0);
    }
    const perMsg = (us: number) => Math.round((us / total) * 10) / 10;
    const ingestCpuSeconds = cpuSeconds() - cpu0;
    const storeUsPerMessage = perMessage(work0, (await repo.stats()).work, storeMs, total);
    const rssAfterIngest = residentMemoryBytes();
    log(`ingest done: ${total} messages in ${ingestSeconds.toFixed(1)} s`);
    // A search right after the import: what a user waits for once a history sync ends.
    const rare = Array.from({ length: 50 }, (_, i) => vocab[20_000 + i * 37]!);
    const s0 = performance.now();
    await repo.listMessages({ query: rare[1]!, limit: 20 });
    const firstSearchAfterImportSeconds = (performance.now() - s0) / 1000;
    const r0 = performance.now();
    await repo.listMessages({ query: rare[2]!, order: "relevance", limit: 20 });
    const firstRelevanceAfterImportSeconds = (performance.now() - r0) / 1000;

    // --- restart: close (final snapshot) and cold open ---
    const c0 = performance.now();
    await repo.close();
    const closeSeconds = (performance.now() - c0) / 1000;
    const o0 = performance.now();
    repo = await open(dir);
    const coldOpenSeconds = (performance.now() - o0) / 1000;
    const rssAfterReopen = residentMemoryBytes();

    // --- queries ---
    const qr = prng(7);
    const pickChat = () => chats[nextChat()]!.jid;
    const f0 = performance.now();
    await repo.listMessages({ query: rare[0]!, limit: 20 });
    const firstSearchSeconds = (performance.now() - f0) / 1000;
    log(`first search after the reopen (over what the ingest left queued): ${firstSearchSeconds.toFixed(1)} s`);
    const queries: Record<string, QueryTiming> = {};
    queries.newest20InChat = await time(iterations, () => repo.listMessages({ chatJid: pickChat(), limit: 20 }));
    queries.searchRareWord = await time(iterations, (i) => repo.listMessages({ query: rare[i % rare.length]!, limit: 20 }));
    queries.searchCommonWord = await time(iterations, (i) => repo.listMessages({ query: COMMON[i % 5]!, limit: 20 }));
    queries.searchPhrase = await time(iterations, () => repo.listMessages({ query: '"see you tomorrow"', limit: 20 }));
    queries.searchCommonWordInChat = await time(iterations, () => repo.listMessages({ query: "the", chatJid: pickChat(), limit: 20 }));
    queries.searchRelevanceRareWord = await time(iterations, (i) => repo.listMessages({ query: rare[i % rare.length]!, order: "relevance", limit: 20 }));
    queries.listChatsWithLast20 = await time(iterations, (i) =>
      repo.listChats({ sortBy: "last_active", includeLastMessage: true, limit: 20, offset: (i % 5) * 20 }));
    queries.searchContacts = await time(iterations, (i) => repo.searchContacts(FIRST[i % FIRST.length]!.slice(0, 3).toLowerCase(), 50));
    queries.searchContactsAna = await time(iterations, () => repo.searchContacts("ana", 50));
    // list_messages with its default context (1 before, 1 after per hit), as the tool did it: one call per hit.
    queries.listMessagesContextPerHit20 = await time(iterations, async (i) => {
      const page = await repo.listMessages({ query: COMMON[i % 5]!, limit: 20 });
      for (const m of page.items) await repo.getMessageContext(m.chatJid, m.id, 1, 1);
    });
    // The same in one round trip (what list_messages does now).
    queries.listMessagesContext20 = await time(iterations, async (i) => {
      const page = await repo.listMessages({ query: COMMON[i % 5]!, limit: 20 });
      await repo.getMessageNeighbours(page.items.map((m) => ({ chatJid: m.chatJid, id: m.id })), 1, 1);
    });
    queries.messageContext5x5 = await time(iterations, () => {
      const s = samples[Math.floor(qr() * samples.length)]!;
      return repo.getMessageContext(s.chat, s.id, 5, 5);
    });
    const rssAfterQueries = residentMemoryBytes();
    const st = await repo.stats();
    await repo.close();
    let toolsOverStdio: unknown = null;
    if (opts.tools) {
      log("the same reads as tool calls over stdio...");
      const contactPrefixes = FIRST.map((f) => f.slice(0, 3).toLowerCase());
      const picked = Array.from({ length: 200 }, pickChat);
      toolsOverStdio = await opts.tools({ chats: picked, rareWords: rare, commonWords: COMMON.slice(0, 5), contactPrefixes, samples });
    }

    const replayMessages = opts.open ? 0 : opts.replayMessages ?? 91_000;
    const replay = replayMessages > 0 ? await runReplayBench(replayMessages, vocab) : null;
    if (replay) log(`journal replay: ${replay.messages} messages in ${replay.seconds} s, first search after it ${replay.firstSearchSeconds} s`);

    let original: StoreBenchResult["original"] = null;
    if (opts.original !== false) {
      log("the same messages in the original's schema...");
      const o = await originalSizeOf(total, nChats, opts.contacts ?? 10_000);
      original = { ...o, ratio: st.sizeBytes ? round(st.sizeBytes / o.bytes) : null };
      log(`store vs original: ${original.ratio}`);
    }

    const msgsPerSec = Math.round(total / ingestSeconds);
    const ingestTarget = opts.ingestTarget ?? 50_000;
    const storeBytes = st.sizeBytes;
    const ratio = storeBytes ? Math.round((Math.max(rssAfterReopen, rssAfterQueries) / storeBytes) * 100) / 100 : null;
    const targets: StoreBenchResult["targets"] = {
      queryP50: { target: "each query p50 <= 10 ms", met: Object.values(queries).every((q) => q.p50 <= 10) },
      ingest: {
        target: `>= ${ingestTarget.toLocaleString("en-US")} msgs/s in store time`,
        met: total / (storeMs / 1000) >= ingestTarget,
      },
      coldOpen: { target: "<= 2 s", met: coldOpenSeconds <= 2 },
      memory: { target: "RSS <= 3x store size", met: ratio !== null && ratio <= 3 },
      replay: { target: "journal replay >= 100,000 msgs/s", met: replay !== null && replay.msgsPerSec >= 100_000 },
    };
    return {
      backend: st.backend,
      messages: st.messages,
      chats: st.chats,
      people: st.people,
      ingest: {
        seconds: round(ingestSeconds),
        msgsPerSec,
        storeSeconds: round(storeMs / 1000),
        storeMsgsPerSec: Math.round(total / (storeMs / 1000)),
      pipelined: opts.pipelined === true,
        commits,
        setupSeconds: round(setupSeconds),
        cpuMicrosPerMessage: {
          client: perMsg(clientCpu),
          clientInStore: perMsg(storeCpu),
          server: serverCpuTotal === null ? null : perMsg(serverCpuTotal),
        },
        cpuSeconds: round(ingestCpuSeconds),
        storeUsPerMessage,
      },
      raw: {
        fullBytesPerMessage: Math.round(rawFull / total),
        keptBytesPerMessage: Math.round((rawFull * rawSampledKept) / Math.max(1, rawSampledFull) / total),
        residualBytesPerMessage: Math.round((rawFull * rawSampledResidual) / Math.max(1, rawSampledFull) / total),
        stripUsPerMessage: round((rawStripMs * 1000) / Math.max(1, rawSampled)),
        rebuildUsPerMessage: round((rawRebuildMs * 1000) / Math.max(1, rawSampled)),
      },
      queries,
      closeSeconds: round(closeSeconds),
      coldOpenSeconds: round(coldOpenSeconds),
      firstSearchSeconds: round(firstSearchSeconds),
      firstSearchAfterImportSeconds: round(firstSearchAfterImportSeconds),
      firstRelevanceAfterImportSeconds: round(firstRelevanceAfterImportSeconds),
      rssBytes: { afterIngest: rssAfterIngest, afterReopen: rssAfterReopen, afterQueries: rssAfterQueries },
      storeBytes,
      storeBytesPerMessage: storeBytes && st.messages ? Math.round(storeBytes / st.messages) : null,
      rssToStoreRatio: ratio,
      load: { atStart: loadAtStart, atEnd: loadAverages() },
      replay,
      original,
      toolsOverStdio,
      targets,
    };
  } finally {
    if (scratch) await removeTree(scratch);
  }
}

/** CPU microseconds used so far by each of the server's processes (null without them or without /proc). */
async function serverCpu(pids?: () => Promise<number[]>): Promise<Map<number, number> | null> {
  if (!pids) return null;
  const out = new Map<number, number>();
  for (const pid of await pids()) {
    const us = cpuMicrosOfPids([pid]);
    if (us === null) return null;
    out.set(pid, us);
  }
  return out;
}

type Work = NonNullable<Awaited<ReturnType<Repository["stats"]>>["work"]>;

/** The store's work between two readings, in µs per message; `other`: store time not in any stage. */
function perMessage(a: Work | undefined, b: Work | undefined, storeMs: number, messages: number): StoreBenchResult["ingest"]["storeUsPerMessage"] {
  if (!a || !b || messages === 0) return null;
  const us = (ms: number) => Math.round((ms * 1000 / messages) * 10) / 10;
  const codec = b.codecMs - a.codecMs;
  const apply = b.applyMs - a.applyMs;
  const journal = b.journalMs - a.journalMs;
  const index = b.maintainMs - a.maintainMs;
  return { codec: us(codec), apply: us(apply), journal: us(journal), index: us(index), other: us(storeMs - codec - apply - journal - index) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

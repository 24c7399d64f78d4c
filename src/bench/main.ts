/**
 * `whatsapp-mcp bench [all|store|seed|media|view|startup] [messages] [pipelined]`: prints one JSON object with the
 * measurements (stdout is not an MCP channel here). `bench replay [messages] [runs]` times only the sql.js
 * store's journal replay after a crash (default 200,000 messages, 3 opens of one journal). With `--database-url postgres://...` the
 * store bench runs on PostgreSQL, in a scratch database it creates on that server and drops.
 *
 * A 1M-message store takes minutes to build: with WHATSAPP_MCP_BENCH_KEEP_STORE=<folder> the
 * sql.js store bench builds it in that (new or empty) folder and keeps it; `bench cold <folder>
 * [runs]` then measures the cold start on it again (spawn → first list_chats, idle memory), and
 * `bench tools <folder> [node|deno] [runs] [workloads...]` times the reads as tool calls over stdio again.
 */
import type { Config } from "../config/config.ts";
import { environment } from "../runtime/host.ts";

/** Runs the chosen benchmarks and prints their JSON. */
export async function runBench(cfg: Config): Promise<number> {
  const which = cfg.commandArgs[0] ?? "all";
  const onFolder = which === "cold" || which === "tools" || which === "snapshot";
  const messages = cfg.commandArgs[1] && !onFolder ? Number(cfg.commandArgs[1]) : undefined;
  // `pipelined`: the store gets batch N+1 while batch N is written (see StoreBenchOptions).
  const pipelined = cfg.commandArgs[2] === "pipelined";
  if (onFolder ? !cfg.commandArgs[1] : !["all", "store", "seed", "media", "view", "startup", "replay"].includes(which) || (messages !== undefined && !(messages > 0))) {
    console.error(
      "usage: whatsapp-mcp bench [all|store|seed|media|view|startup] [messages] [pipelined] | bench replay [messages] [runs] | bench cold <store folder> [runs] | bench tools <store folder> [node|deno] [runs] [workloads...] | bench snapshot <store folder>",
    );
    return 2;
  }
  const out: Record<string, unknown> = { at: new Date().toISOString() };
  if (which === "replay") {
    const { runReplayBench } = await import("./store_replay.ts");
    const { prng, vocabulary } = await import("./store.ts");
    const runs = Number(cfg.commandArgs[2] ?? 3);
    out.replay = await runReplayBench(messages ?? 200_000, vocabulary(30_000, prng(20250115)), runs > 0 ? runs : 3);
    console.log(JSON.stringify(out, null, 2)); // stdout-ok: bench output, not an MCP session
    return 0;
  }
  if (which === "snapshot") {
    const { runSnapshotMemoryBench } = await import("./snapshot_memory.ts");
    out.snapshotMemory = await runSnapshotMemoryBench(cfg.commandArgs[1]!);
    console.log(JSON.stringify(out, null, 2)); // stdout-ok: bench output, not an MCP session
    return 0;
  }
  if (which === "cold") return await coldOnly(cfg.commandArgs[1], cfg.commandArgs[2], out);
  if (which === "tools") return await toolsOnly(cfg.commandArgs[1]!, cfg.commandArgs[2], cfg.commandArgs[3], cfg.commandArgs.slice(4), out);
  if (which === "all" || which === "startup") {
    const { runStartupBench } = await import("./startup.ts");
    out.startup = await runStartupBench();
  }
  if (which === "all" || which === "media") {
    const { runMediaBench } = await import("./media.ts");
    out.media = await runMediaBench();
  }
  if (which === "all" || which === "view") {
    const { runViewBench } = await import("./media_view.ts");
    out.view = await runViewBench();
  }
  if (which === "all" || which === "seed") {
    const { runSeedSizeBench } = await import("./seed_size.ts");
    out.seedSize = await runSeedSizeBench(messages ?? 200_000, (line) => console.error(line));
  }
  if (which === "all" || which === "store") {
    const { runStoreBench } = await import("./store.ts");
    const { isPostgresUrl, openPostgresRepository } = await import("../store/postgres/repository.ts");
    const progress = (line: string) => console.error(line);
    if (isPostgresUrl(cfg.databaseUrl)) {
      const { withScratchDatabase } = await import("../store/postgres/scratch_db.ts");
      const { connectPg } = await import("../store/postgres/client.ts");
      const { runToolsOverStdio } = await import("./stdio_tools.ts");
      out.store = await withScratchDatabase(cfg.databaseUrl!, "bench_pg", async (url) => {
        // The server's backends on the scratch database (their CPU time is the ingest's server side).
        const admin = connectPg(url, { max: 1 });
        const serverPids = async () =>
          (await admin.unsafe("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            .map((r) => Number((r as unknown as { pid: number }).pid));
        try {
          return await runStoreBench({
            messages,
            progress,
            open: () => openPostgresRepository({ url }),
            ingestTarget: 20_000,
            pipelined,
            serverPids,
            tools: (w) => runToolsOverStdio({ databaseUrl: url }, w),
          });
        } finally {
          await admin.end({ timeout: 5 });
        }
      });
    } else {
      // The store is kept until the cold start on it is measured: spawn → first list_chats, idle RSS.
      const { makeScratchDir, removeTree } = await import("../runtime/bench_host.ts");
      const keep = environment().WHATSAPP_MCP_BENCH_KEEP_STORE || null;
      const dir = keep ?? await makeScratchDir("wa-store-bench-");
      try {
        const { runToolsOverStdio, saveWorkload } = await import("./stdio_tools.ts");
        const tools = (w: Parameters<typeof saveWorkload>[1]) => {
          if (keep) saveWorkload(dir, w);
          return runToolsOverStdio({ dataDir: dir }, w);
        };
        out.store = await runStoreBench({ messages, progress, dir, tools });
        progress("snapshot memory on the store: resident memory at rest and during a snapshot (a new process)...");
        out.snapshotMemory = await snapshotMemoryApart(dir);
        const { runColdStartBench } = await import("./startup.ts");
        progress("cold start on the store: spawn → first list_chats, idle RSS...");
        out.coldStart = await runColdStartBench(dir);
      } finally {
        if (keep) progress(`store kept in ${keep} (bench cold <folder> measures its cold start again)`);
        else await removeTree(dir);
      }
    }
  }
  const { issueTable } = await import("./table.ts");
  out.table = issueTable(out);
  console.log(JSON.stringify(out, null, 2)); // stdout-ok: bench output, not an MCP session
  return 0;
}

/**
 * The snapshot memory bench on `dir` in a new process (`bench snapshot <dir>`): this one still
 * holds the store bench's history and heap, which its resident size would count. In this process
 * where no child can be started (a compiled binary).
 */
async function snapshotMemoryApart(dir: string): Promise<unknown> {
  const { benchInChild } = await import("./in_child.ts");
  const child = benchInChild(["snapshot", dir]);
  if (child !== null) return (await child).snapshotMemory;
  const { runSnapshotMemoryBench } = await import("./snapshot_memory.ts");
  return await runSnapshotMemoryBench(dir);
}

/** `bench cold <folder> [runs]`: the cold start on a store built before (see the module doc). */
async function coldOnly(dir: string | undefined, runs: string | undefined, out: Record<string, unknown>): Promise<number> {
  const { runColdStartBench, runStartupBench } = await import("./startup.ts");
  out.startup = await runStartupBench();
  out.coldStart = await runColdStartBench(dir!, runs ? Number(runs) : undefined);
  console.log(JSON.stringify(out, null, 2)); // stdout-ok: bench output, not an MCP session
  return 0;
}

/** `bench tools <folder> [node|deno] [runs] [workloads...]`: the reads over stdio again, on a kept store (see the module doc). */
async function toolsOnly(
  dir: string,
  only: string | undefined,
  runs: string | undefined,
  names: string[],
  out: Record<string, unknown>,
): Promise<number> {
  const { loadWorkload, runToolsOverStdio } = await import("./stdio_tools.ts");
  const w = loadWorkload(dir);
  out.toolsOverStdio = await runToolsOverStdio({ dataDir: dir }, w, runs ? Number(runs) : undefined, only, names.length ? names : undefined);
  console.log(JSON.stringify(out, null, 2)); // stdout-ok: bench output, not an MCP session
  return 0;
}

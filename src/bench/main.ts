/**
 * `whatsapp-mcp bench [all|store|media|view|startup] [messages] [pipelined]`: prints one JSON object with the
 * measurements (stdout is not an MCP channel here). With `--database-url postgres://...` the
 * store bench runs on PostgreSQL, in a scratch database it creates on that server and drops.
 */
import type { Config } from "../config/config.ts";

/** Runs the chosen benchmarks and prints their JSON. */
export async function runBench(cfg: Config): Promise<number> {
  const which = cfg.commandArgs[0] ?? "all";
  const messages = cfg.commandArgs[1] ? Number(cfg.commandArgs[1]) : undefined;
  // `pipelined`: the store gets batch N+1 while batch N is written (see StoreBenchOptions).
  const pipelined = cfg.commandArgs[2] === "pipelined";
  if (!["all", "store", "media", "view", "startup"].includes(which) || (messages !== undefined && !(messages > 0))) {
    console.error("usage: whatsapp-mcp bench [all|store|media|view|startup] [messages] [pipelined]");
    return 2;
  }
  const out: Record<string, unknown> = { at: new Date().toISOString() };
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
      const dir = await makeScratchDir("wa-store-bench-");
      try {
        const { runToolsOverStdio } = await import("./stdio_tools.ts");
        out.store = await runStoreBench({ messages, progress, dir, tools: (w) => runToolsOverStdio({ dataDir: dir }, w) });
        const { runColdStartBench } = await import("./startup.ts");
        progress("cold start on the store: spawn → first list_chats, idle RSS...");
        out.coldStart = await runColdStartBench(dir);
      } finally {
        await removeTree(dir);
      }
    }
  }
  console.log(JSON.stringify(out, null, 2)); // stdout-ok: bench output, not an MCP session
  return 0;
}

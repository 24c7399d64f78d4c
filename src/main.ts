#!/usr/bin/env node
/**
 * Entry point: `whatsapp-mcp [command] [options]`. Runs unchanged under `deno run` and, compiled,
 * under Node. In `serve` mode stdout belongs to MCP: everything else goes to stderr.
 */
import { buildConfig, ConfigError } from "./config/parse.ts";
import type { Config } from "./config/config.ts";
import { helpText } from "./config/help.ts";
import { configureLogging, createLogger } from "./log.ts";
import { environment, exitProcess, hostInfo, onUnhandledRejection, programArgs } from "./runtime/host.ts";
import { VERSION } from "./version.ts";
import { serve } from "./app/serve.ts";
import { guardConsole } from "./whatsapp/console_guard.ts";
import { startMark } from "./runtime/start_trace.ts";

startMark("main: modules evaluated");

async function main(): Promise<number> {
  let cfg: Config;
  try {
    cfg = buildConfig(programArgs(), environment(), hostInfo());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`whatsapp-mcp: ${err.message}`);
      return 2;
    }
    throw err;
  }
  configureLogging({ level: cfg.logLevel });
  switch (cfg.command) {
    case "help":
      console.log(helpText(VERSION)); // stdout-ok: --help is not an MCP session
      return 0;
    case "version":
      console.log(VERSION); // stdout-ok: --version is not an MCP session
      return 0;
    case "import-seed": {
      const { runImportSeed } = await import("./store/import/cli.ts");
      return await runImportSeed(cfg);
    }
    case "bench": {
      const { runBench } = await import("./bench/main.ts");
      return await runBench(cfg);
    }
    case "serve":
      // libsignal prints session records (keys included) with console.info, which is stdout, the
      // MCP channel: route the console to our stderr logger before anything can print.
      guardConsole();
      onUnhandledRejection((reason) => createLogger("main").error("unhandled rejection (kept running)", { error: reason }));
      return await serve(cfg);
  }
}

try {
  exitProcess(await main());
} catch (err) {
  console.error(`whatsapp-mcp: ${err instanceof Error ? err.message : String(err)}`);
  exitProcess(1);
}

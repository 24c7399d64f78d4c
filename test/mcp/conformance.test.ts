/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance) against our
 * Streamable HTTP handler on a local port. Only the server scenarios that need no fixture tools
 * (test_simple_text, test_reconnection, ...) or unsupported features (prompts, logging,
 * completion, subscriptions) are meaningful here. DNS-rebinding protection is the HTTP app's job,
 * so that scenario runs against the handler mounted in the real Hono app.
 *
 * The suite's CLI needs Node 22 (`fs.globSync`); it runs under the Deno binary shipped in
 * node_modules on both test runtimes, as a child process (async: the server under test lives in
 * this process and must keep answering).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHttpApp } from "../../src/http/app.ts";
import { createMcpHttpHandler } from "../../src/mcp/http_handler.ts";
import { createMcpServer } from "../../src/mcp/server.ts";
import { isSendTool } from "../../src/mcp/tools/index.ts";
import { serve } from "../../src/runtime/serve.ts";
import { repoRoot } from "../helpers/paths.ts";
import { buildDeps } from "./harness.ts";

/** Server scenarios that exercise the protocol without fixture tools. */
const PLAIN_SCENARIOS = ["server-initialize", "ping", "tools-list", "resources-list", "server-sse-multiple-streams"];

interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
  errorMessage?: string;
}

const root = repoRoot();
const cli = join(root, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
const denoBin = join(root, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");

/** Runs one scenario and returns its checks. */
function runScenario(url: string, scenario: string): Promise<Check[]> {
  const out = mkdtempSync(join(tmpdir(), "mcp-conf-"));
  return new Promise<Check[]>((resolve, reject) => {
    const child = spawn(denoBin, ["run", "-A", cli, "server", "--url", url, "--scenario", scenario, "-o", out], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    const timer = setTimeout(() => child.kill(), 120_000);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      try {
        const dir = readdirSync(out).find((d) => d.startsWith(`server-${scenario}-`));
        if (!dir) throw new Error(`no results for ${scenario}:\n${log}`);
        resolve(JSON.parse(readFileSync(join(out, dir, "checks.json"), "utf8")) as Check[]);
      } catch (e) {
        reject(e);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
}

const failures = (checks: Check[]) => checks.filter((c) => c.status === "FAILURE").map((c) => `${c.id}: ${c.errorMessage}`);

describe("MCP conformance suite", { skip: existsSync(cli) && existsSync(denoBin) ? false : "conformance package or deno missing" }, () => {
  test("plain server scenarios pass against the bare handler", async () => {
    const built = await buildDeps();
    const handler = createMcpHttpHandler(() => createMcpServer(built.deps));
    const served = await serve({ fetch: (r) => handler(r) }, { hostname: "127.0.0.1", port: 0 });
    try {
      const url = `http://127.0.0.1:${served.port}/mcp`;
      const results: Record<string, string> = {};
      for (const s of PLAIN_SCENARIOS) {
        const checks = await runScenario(url, s);
        assert.ok(checks.some((c) => c.status === "SUCCESS"), `${s} reported no success`);
        assert.deepEqual(failures(checks), [], s);
        results[s] = checks.map((c) => c.status).join(",");
      }
      console.error(`conformance: ${JSON.stringify(results)}`);
    } finally {
      await handler.close();
      await served.close();
      await built.dispose();
    }
  });

  test("dns-rebinding-protection and initialize pass with the handler mounted in the HTTP app", async () => {
    const built = await buildDeps();
    const handler = createMcpHttpHandler(() => createMcpServer(built.deps));
    let port = 0;
    const app = createHttpApp({
      linkStatus: async () => await built.deps.whatsapp.status(),
      storeStats: () => built.repository.stats(),
      sessionBackend: () => ({ messages: "sqljs", session: "sqljs" }),
      requestPairingCode: () => Promise.reject(new Error("not in this test")),
      mcp: handler,
      isSendTool,
      auth: { token: null, oauth: null },
      host: "127.0.0.1",
      port: () => port,
    });
    const served = await serve(app, { hostname: "127.0.0.1", port: 0 });
    port = served.port;
    try {
      const url = `http://127.0.0.1:${port}/mcp`;
      for (const s of ["dns-rebinding-protection", "server-initialize"]) {
        const checks = await runScenario(url, s);
        assert.ok(checks.some((c) => c.status === "SUCCESS"), `${s} reported no success`);
        assert.deepEqual(failures(checks), [], s);
      }
    } finally {
      await handler.close();
      await served.close();
      await built.dispose();
    }
  });
});

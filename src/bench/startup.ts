/**
 * Spawn-to-initialize benchmark: starts the real server as an MCP client does (stdio), sends
 * `initialize`, and times the first response, on Node (compiled JS) and on Deno (the .ts entry).
 * A development entry point: it spawns processes, so it lives beside main, not in the library.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder (package.json and deno.json). */
export function repoRoot(): string {
  let dir = fileURLToPath(new URL(".", import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "deno.json"))) return dir;
    const up = join(dir, "..");
    if (up === dir) throw new Error("repository root not found");
    dir = up;
  }
}

/** A spawned server over stdio: `send` writes one JSON-RPC message; replies reach `onReply` by id. */
export interface StdioServer {
  child: ChildProcess;
  send(msg: object): void;
}

/**
 * Spawns the server as an MCP client does (stdio, no WhatsApp reachable, port 0) on `dataDir`, sends
 * `initialize`, and hands every answer to `onReply`; the bench's timeout kills it. `env` adds to
 * the environment (e.g. DATABASE_URL).
 */
export function spawnServer(
  command: string,
  args: string[],
  dataDir: string,
  timeout: { ms: number; what: string },
  onReply: (server: StdioServer, id: number | undefined, done: () => void, msg: { id?: number; result?: unknown }) => void,
  reject: (err: Error) => void,
  env: Record<string, string> = {},
): StdioServer {
  const child = spawn(command, args, {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, WHATSAPP_MCP_DATA_DIR: dataDir, MCP_PORT: "0", WHATSAPP_WS_URL: "ws://127.0.0.1:9/ws/chat", LOG_LEVEL: "error", ...env },
  });
  const server: StdioServer = { child, send: (msg) => child.stdin!.write(JSON.stringify({ jsonrpc: "2.0", ...msg }) + "\n") };
  const timer = setTimeout(() => {
    child.kill("SIGKILL");
    reject(new Error(`no ${timeout.what} within ${timeout.ms / 1000} s`));
  }, timeout.ms);
  let finished = false;
  const done = () => {
    finished = true;
    clearTimeout(timer);
  };
  // The server's last words, to say why it stopped (a store it refuses ends it before any answer).
  let errTail = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (c: string) => {
    errTail = (errTail + c).slice(-2000);
  });
  child.on("exit", (code, signal) => {
    if (finished) return;
    clearTimeout(timer);
    reject(new Error(`server exited (${signal ?? code}) before the ${timeout.what}: ${errTail.trim() || "no stderr"}`));
  });
  let out = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (c: string) => {
    out += c;
    let nl: number;
    while ((nl = out.indexOf("\n")) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      const msg = JSON.parse(line) as { id?: number; result?: unknown };
      onReply(server, msg.id, done, msg);
    }
  });
  server.send({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "0" } } });
  return server;
}

/** The runtimes to start: Node on the compiled JS, Deno on the .ts entry (each when present). */
export function runtimeTargets(root: string): Array<[string, string, string[]]> {
  const node = join(root, "dist", "src", "main.js");
  const deno = join(root, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");
  const targets: Array<[string, string, string[]]> = [];
  if (existsSync(node)) targets.push(["node", process.execPath, [node]]);
  if (existsSync(deno)) targets.push(["deno", deno, ["run", "-A", "--no-check", join(root, "src", "main.ts")]]);
  return targets;
}

/** Milliseconds from spawn to the `initialize` answer and to the `tools/list` answer (sent right after, as clients do). */
function once(command: string, args: string[]): Promise<{ initialize: number; toolsList: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), "wa-mcp-bench-"));
  const started = performance.now();
  let initialize = 0;
  return new Promise((resolve, reject) => {
    spawnServer(command, args, dataDir, { ms: 30_000, what: "initialize and tools/list answers" }, (server, id, done) => {
      if (id === 1) {
        initialize = performance.now() - started;
        server.send({ method: "notifications/initialized" });
        server.send({ id: 2, method: "tools/list", params: {} });
      } else if (id === 2) {
        const toolsList = performance.now() - started;
        done();
        server.child.stdin!.end();
        server.child.on("exit", () => {
          rmSync(dataDir, { recursive: true, force: true });
          resolve({ initialize, toolsList });
        });
      }
    }, reject);
  });
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { runs: s.length, p50_ms: Math.round(q(0.5)), p95_ms: Math.round(q(0.95)), min_ms: Math.round(s[0]!) };
}

/** Times spawn → initialize answer and spawn → tools/list answer `runs` times on each runtime. */
export async function runStartupBench(runs = 7): Promise<object> {
  const result: Record<string, unknown> = { load: loadavg().map((x) => Math.round(x * 100) / 100) };
  for (const [name, cmd, args] of runtimeTargets(repoRoot())) {
    await once(cmd, args); // warm the OS file cache and Deno's module cache
    const init: number[] = [];
    const list: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = await once(cmd, args);
      init.push(t.initialize);
      list.push(t.toolsList);
    }
    result[name] = { ...stats(init), toolsList: stats(list) };
  }
  return result;
}

/** What a cold start on an existing store measured, per runtime. */
export interface ColdStartResult {
  /** Spawn → the first `list_chats` answered (initialize, then the call, as a client does). */
  firstListChats: ReturnType<typeof stats>;
  /** Spawn → the `initialize` answer, on this store. */
  initialize: ReturnType<typeof stats>;
  /** Resident memory of the server process a few seconds after that answer, idle (Linux; null elsewhere). */
  idleRssBytes: number | null;
}

/** Resident memory of a process from /proc (Linux), or null. */
function rssOf(pid: number | undefined): number | null {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return null;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : null;
}

/** One spawn on `dataDir`: ms to the first list_chats answer, and the idle RSS `idleMs` later. */
function coldOnce(command: string, args: string[], dataDir: string, idleMs: number): Promise<{ ms: number; init: number; rss: number | null }> {
  const started = performance.now();
  let init = 0;
  return new Promise((resolve, reject) => {
    spawnServer(command, args, dataDir, { ms: 120_000, what: "list_chats answer" }, (server, id, done) => {
      if (id === 1) {
        init = performance.now() - started;
        server.send({ method: "notifications/initialized" });
        server.send({ id: 2, method: "tools/call", params: { name: "list_chats", arguments: { limit: 20 } } });
      } else if (id === 2) {
        const ms = performance.now() - started;
        done();
        setTimeout(() => {
          const rss = rssOf(server.child.pid);
          server.child.stdin!.end();
          server.child.on("exit", () => resolve({ ms, init, rss }));
        }, idleMs);
      }
    }, reject);
  });
}

/**
 * Cold start on an existing store (the data folder `dataDir`, e.g. the store bench's): spawn →
 * first `list_chats` answered, and the idle resident memory after it, `runs` times per runtime.
 */
export async function runColdStartBench(dataDir: string, runs = 3, idleMs = 3000): Promise<Record<string, ColdStartResult | number[]>> {
  const result: Record<string, ColdStartResult | number[]> = { load: loadavg().map((x) => Math.round(x * 100) / 100) };
  for (const [name, cmd, args] of runtimeTargets(repoRoot())) {
    const times: number[] = [];
    const inits: number[] = [];
    let rss: number | null = null;
    for (let i = 0; i < runs; i++) {
      const r = await coldOnce(cmd, args, dataDir, idleMs);
      times.push(r.ms);
      inits.push(r.init);
      rss = Math.max(rss ?? 0, r.rss ?? 0) || null;
    }
    result[name] = { firstListChats: stats(times), initialize: stats(inits), idleRssBytes: rss };
  }
  return result;
}

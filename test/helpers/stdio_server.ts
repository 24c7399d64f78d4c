/**
 * Spawns the real server as an MCP client would (stdio), connects a real SDK `Client` over a small
 * transport of ours that also records every raw stdout line, so tests can check that stdout carries
 * nothing but JSON-RPC.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/shared/transport"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { serverCommand } from "./paths.ts";

/** Fails unless every non-empty stdout line is a JSON-RPC 2.0 message. */
export function assertOnlyJsonRpc(lines: string[]): void {
  for (const line of lines) {
    if (line === "") continue;
    let msg: { jsonrpc?: string };
    try {
      msg = JSON.parse(line);
    } catch {
      assert.fail(`stdout carried a non-JSON line: ${line.slice(0, 120)}`);
    }
    assert.equal(msg.jsonrpc, "2.0", `stdout carried a non-JSON-RPC line: ${line.slice(0, 120)}`);
  }
}

/** A transport over a child's stdin/stdout that keeps the raw lines. */
class RecordingStdioTransport implements Transport {
  onmessage?: (m: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (e: Error) => void;
  readonly lines: string[] = [];
  private buf = "";
  constructor(private readonly child: ChildProcess) {}
  start(): Promise<void> {
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => {
      this.buf += chunk;
      let i;
      while ((i = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, i).replace(/\r$/, "");
        this.buf = this.buf.slice(i + 1);
        this.lines.push(line);
        try {
          this.onmessage?.(JSON.parse(line));
        } catch (e) {
          this.onerror?.(e as Error);
        }
      }
    });
    this.child.on("exit", () => this.onclose?.());
    return Promise.resolve();
  }
  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.child.stdin!.write(JSON.stringify(message) + "\n", (err) => (err ? reject(err) : resolve()));
    });
  }
  close(): Promise<void> {
    this.child.stdin!.end();
    return Promise.resolve();
  }
}

/** A running server with a connected client. */
export interface StdioServer {
  client: Client;
  child: ChildProcess;
  dataDir: string;
  stdoutLines: string[];
  stderr(): string;
  /** Closes stdin (as Claude Desktop does) and resolves with the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts the server with a fresh data dir (unless given) and connects. */
export async function startStdioServer(opts: { env?: Record<string, string>; args?: string[]; dataDir?: string; clientCapabilities?: Record<string, unknown>; cwd?: string; preload?: string } = {}): Promise<StdioServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "wa-mcp-test-"));
  const { command, args } = serverCommand(opts.args ?? [], { preload: opts.preload });
  const child = spawn(command, args, {
    stdio: ["pipe", "pipe", "pipe"],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: {
      ...process.env,
      WHATSAPP_MCP_DATA_DIR: dataDir,
      MCP_PORT: "0",
      // No real WhatsApp in tests: point at a closed local port unless the test gives a simulator.
      WHATSAPP_WS_URL: "ws://127.0.0.1:9/ws/chat",
      LOG_LEVEL: "debug",
      // The idle warm-up's read calls (src/mcp/warm_up.ts) off: tests spawn many short-lived servers.
      WHATSAPP_MCP_WARM_UP_MS: "0",
      ...opts.env,
    },
  });
  let err = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const transport = new RecordingStdioTransport(child);
  const client = new Client({ name: "test-client", version: "1.0.0" }, { capabilities: opts.clientCapabilities ?? {} });
  await client.connect(transport);
  return {
    client,
    child,
    dataDir,
    stdoutLines: transport.lines,
    stderr: () => err,
    exited,
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 15000);
      const code = await exited;
      clearTimeout(timer);
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

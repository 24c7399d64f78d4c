/**
 * End-to-end harness: the local WhatsApp Web simulator plus the REAL server process (supervision
 * tree, sql.js store, Baileys, ffmpeg.wasm, MCP over stdio with the SDK client), wired the way a
 * user would run it. The only test hooks live in the child through `--import`/`--preload` of
 * test/sim/preload.ts (trust the simulator's TEST root key) and in its environment
 * (`WHATSAPP_WS_URL`, and the test CA for the simulator's HTTPS media host via
 * NODE_EXTRA_CA_CERTS on Node, DENO_CERT on Deno).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { assertOnlyJsonRpc as assertStdoutJsonRpc, startStdioServer, type StdioServer } from "../helpers/stdio_server.ts";
import { until as pollUntil } from "../helpers/until.ts";
import { MEDIA_TEST_CA, startSimulator } from "../sim/index.ts";
import type { Sim, SimulatorOptions } from "../sim/index.ts";
import { crc32 } from "../../src/media/view/sample_files.ts";

/**
 * Polls `probe` until it returns a truthy value (waits on a condition; asserts no timing). Any
 * failure of the probe means "not yet": a tool may fail while the link is not up yet, a status
 * request while the server starts.
 */
export function until<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  return pollUntil(what, probe, timeoutMs, { everyMs: 50, notYet: () => true });
}

/** The first text block of a tool result. */
export function textOf(r: unknown): string {
  const c = ((r as { content?: unknown }).content as Array<{ type: string; text?: string }> | undefined) ?? [];
  return c.filter((b) => b.type === "text").map((b) => b.text ?? "").join("\n");
}

/** One server process on the world's data folder. */
export interface ServerRun {
  readonly server: StdioServer;
  /** The port of its HTTP side (status page, /api/status), parsed from its stderr log. */
  readonly port: number;
  /** Calls a tool that must succeed; returns its structured content. */
  call<T = any>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** Calls a tool that must fail (isError); returns its text. */
  fail(name: string, args?: Record<string, unknown>): Promise<string>;
  /** GET /api/status of this run (loopback, so it carries the QR string while linking). */
  apiStatus(): Promise<{ link: { state: string; qr: string | null } | null }>;
  /** Closes stdin as an MCP client does and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** The simulator, the folders, and the server runs made so far. */
export interface World {
  readonly sim: Sim;
  readonly dataDir: string;
  /** The one folder send_file / send_audio_message may read from. */
  readonly mediaDir: string;
  /** Where download_media saves. */
  readonly downloadDir: string;
  /** Every run started, oldest first (their stdout and stderr are checked at the end). */
  readonly runs: ServerRun[];
  /** Starts a server on the data folder and connects an MCP client to it. */
  startServer(opts?: { env?: Record<string, string>; clientCapabilities?: Record<string, unknown> }): Promise<ServerRun>;
  /** Stops every run still alive and the simulator; removes the folders. */
  close(): Promise<void>;
}

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const STATUS_LINE = /status page on http:\/\/127\.0\.0\.1:(\d+)\/status/;

/** Starts the simulator (with its media host) and prepares private folders for the server. */
export async function startWorld(simOpts: SimulatorOptions = {}): Promise<World> {
  // realpath: on macOS the temp folder is a symlink, and the server reports resolved paths.
  const root = realpathSync(mkdtempSync(join(tmpdir(), "wa-mcp-e2e-")));
  const dataDir = join(root, "data");
  const mediaDir = join(root, "outbox");
  const downloadDir = join(root, "downloads");
  mkdirSync(mediaDir);
  const caFile = join(root, "sim-media-ca.pem");
  writeFileSync(caFile, MEDIA_TEST_CA);
  const sim = await startSimulator({ media: true, ...simOpts });
  const runs: ServerRun[] = [];
  const stopped = new Set<ServerRun>();

  const world: World = {
    sim,
    dataDir,
    mediaDir,
    downloadDir,
    runs,
    async startServer(opts = {}) {
      const server = await startStdioServer({
        dataDir,
        preload: "test/sim/preload.ts",
        clientCapabilities: opts.clientCapabilities,
        env: {
          WHATSAPP_WS_URL: sim.url,
          // download_media fetches only from WhatsApp's media hosts: the simulator's is added.
          WHATSAPP_EXTRA_MEDIA_HOSTS: new URL(sim.mediaUrl!).host,
          WHATSAPP_MCP_MEDIA_ROOTS: mediaDir,
          WHATSAPP_MCP_DOWNLOAD_DIR: downloadDir,
          // The simulator's media host has a test certificate: trusted in this child only.
          ...(isDeno ? { DENO_CERT: caFile } : { NODE_EXTRA_CA_CERTS: caFile }),
          ...opts.env,
        },
      });
      let port: number;
      try {
        port = Number(await until("the status page log line", () => STATUS_LINE.exec(server.stderr())?.[1]));
      } catch (err) {
        await server.stop();
        throw new Error(`${(err as Error).message}; stderr:\n${server.stderr().slice(-3000)}`);
      }
      const run: ServerRun = {
        server,
        port,
        async call(name, args = {}) {
          const r = await server.client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
          assert.notEqual(r.isError, true, `${name} failed: ${textOf(r)}`);
          return r.structuredContent as any;
        },
        async fail(name, args = {}) {
          const r = await server.client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
          assert.equal(r.isError, true, `${name} should have failed but returned ${JSON.stringify(r.structuredContent)}`);
          return textOf(r);
        },
        async apiStatus() {
          const res = await fetch(`http://127.0.0.1:${port}/api/status`);
          assert.equal(res.status, 200);
          return await res.json();
        },
        async stop() {
          stopped.add(run);
          return await server.stop();
        },
      };
      runs.push(run);
      return run;
    },
    async close() {
      for (const r of runs) if (!stopped.has(r)) await r.stop().catch(() => {});
      await sim.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return world;
}

/**
 * Links the account the way a user does: the QR from the run's /api/status, scanned by the
 * simulated phone; resolves with the QR string (a secret the logs must not hold) once connected.
 */
export async function linkByQr(w: World, run: ServerRun): Promise<string> {
  const qr = await until("a QR on /api/status", async () => (await run.apiStatus()).link?.qr);
  await w.sim.phone.scanQr(qr);
  await until("connected", async () => (await run.call("check_bridge_status")).connected);
  return qr;
}

/**
 * Approves or declines a held send on the run's /approve page the way a browser form does: GET
 * the page (CSRF cookie and token), then POST the form with a same-origin Origin. Returns the
 * response's status and page text.
 */
export async function decideOnPage(run: ServerRun, id: string, decision: "approve" | "decline"): Promise<{ status: number; html: string }> {
  const base = `http://127.0.0.1:${run.port}`;
  const page = await fetch(`${base}/approve/${id}`);
  assert.equal(page.status, 200);
  const cookie = page.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
  const res = await fetch(`${base}/approve/${id}/${decision}`, {
    method: "POST",
    headers: { cookie, origin: base, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf }).toString(),
  });
  return { status: res.status, html: await res.text() };
}

/** Every stdout line of a run is a JSON-RPC message. */
export function assertOnlyJsonRpc(run: ServerRun): void {
  assertStdoutJsonRpc(run.server.stdoutLines);
}

/** None of `secrets` (message texts, phone digits, the QR string) appears in the run's stderr. */
export function assertStderrFree(run: ServerRun, secrets: Iterable<string>): void {
  const err = run.server.stderr();
  for (const s of secrets) {
    const at = err.indexOf(s);
    assert.equal(at, -1, `stderr leaks ${JSON.stringify(s.slice(0, 40))}: …${err.slice(Math.max(0, at - 200), at + s.length + 50)}…`);
  }
}

// ---- media fixtures ----

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A valid RGB PNG of `w`×`h` pixels with a gradient (decodable by any viewer). */
export function makePng(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y++) {
    const row = y * (1 + 3 * w);
    for (let x = 0; x < w; x++) {
      raw[row + 1 + 3 * x] = (x * 255) / w;
      raw[row + 2 + 3 * x] = (y * 255) / h;
      raw[row + 3 + 3 * x] = 128;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", new Uint8Array()),
  ]);
}

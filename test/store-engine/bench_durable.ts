/**
 * Runs `benchDurable` in a scratch folder and prints its JSON result on stdout.
 *   node dist/test/store-engine/bench_durable.js [imageRows]
 *   node_modules/.bin/deno run -A test/store-engine/bench_durable.ts [imageRows]
 * Uses the disk of os.tmpdir() (set TMPDIR to measure another one).
 */
import process from "node:process";
import { benchDurable } from "../../src/bench/durable.ts";
import { cleanup, loadSql, tempDir } from "./helpers.ts";

const dir = tempDir();
try {
  const imageRows = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  const result = await benchDurable({ sql: await loadSql(), dir, imageRows, log: (l) => process.stderr.write(l + "\n") });
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno;
  const runtime = deno ? `deno ${deno.version.deno}` : `node ${process.version}`;
  process.stdout.write(JSON.stringify({ runtime, tmp: dir, rssMB: Math.round(process.memoryUsage().rss / 1048576), ...result }, null, 2) + "\n");
} finally {
  cleanup(dir);
}

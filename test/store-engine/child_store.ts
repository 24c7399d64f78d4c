/**
 * Child process for the multi-process store tests (not a test file itself).
 *   storm <dir> <firstN>   open the store, commit numbered batches from 8 concurrent writers
 *                          forever, print "ack <n> <seq>" for each acknowledged one
 *   hold <dir>             open the store, print "ready", wait until killed
 *   try-open <dir>         try to open the store, print the outcome as JSON, exit
 */
import process from "node:process";
import { openDurable } from "../../src/store/sqljs/durable.ts";
import { apply, loadSql, migrate, type TOp } from "./helpers.ts";

const [mode, dir, first] = process.argv.slice(2);
const out = (line: string) => process.stdout.write(line + "\n");

async function main(): Promise<void> {
  if (!dir) throw new Error("usage: child_store <storm|hold|try-open> <dir> [firstN]");
  const sql = await loadSql();
  if (mode === "try-open") {
    try {
      const store = await openDurable<TOp>({ dir, sql, migrate, apply });
      out(JSON.stringify({ opened: true }));
      await store.close();
    } catch (err) {
      out(JSON.stringify({ opened: false, name: (err as Error).name, message: (err as Error).message }));
    }
    return;
  }
  // Small snapshot threshold: snapshots and journal cuts happen all through the storm.
  const store = await openDurable<TOp>({ dir, sql, migrate, apply, snapshotEveryBytes: 16 * 1024 });
  out(`ready ${process.pid}`);
  if (mode === "hold") {
    await new Promise(() => setInterval(() => {}, 1 << 30));
    return;
  }
  let next = Number(first ?? 1);
  const filler = "x".repeat(200);
  const writer = async () => {
    for (;;) {
      const n = next++;
      const seq = await store.commit([{ op: "put", n, v: filler }, { op: "put", n: -n, v: "shadow" }]);
      out(`ack ${n} ${seq}`);
    }
  };
  for (let i = 0; i < 8; i++) void writer();
}

main().catch((err) => {
  process.stderr.write(`child failed: ${(err as Error).stack}\n`);
  process.exit(2);
});

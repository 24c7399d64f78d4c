#!/usr/bin/env node
// The one test command: builds the TypeScript for Node, then runs the same test files on
// Node (compiled JS) and on Deno (TypeScript as is), prints each runtime's summary and a
// combined closing line, and fails if either runtime fails.
// Usage: node test/run-all.mjs [--only node|deno] [name-filter...]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const onlyIdx = args.indexOf("--only");
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
const filters = args.filter((a, i) => a !== "--only" && !(onlyIdx >= 0 && i === onlyIdx + 1));
const bin = (name) => join(root, "node_modules", ".bin", process.platform === "win32" ? `${name}.cmd` : name);

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out.sort();
}

const tsTests = findTests(join(root, "test"))
  .map((p) => relative(root, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)));
if (tsTests.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}

function run(cmd, argv, env = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  process.stdout.write(r.stdout ?? "");
  process.stderr.write(r.stderr ?? "");
  return { code: r.status ?? 1, out: `${r.stdout ?? ""}\n${r.stderr ?? ""}` };
}

console.log("== build (tsc) ==");
// Type errors fail the run, but the tests still run (tsc emits anyway) so every result is seen.
const build = run(bin("tsc"), ["-p", "tsconfig.json"]);
if (build.code !== 0) console.log("type check failed (see above); running the tests anyway");

const summary = {};
if (only !== "deno") {
  console.log("\n== Node " + process.version + " ==");
  const jsTests = tsTests.map((p) => join("dist", p.replace(/\.ts$/, ".js")));
  const r = run(process.execPath, ["--test", "--test-reporter=spec", "--test-concurrency=1", ...jsTests], { WA_MCP_TEST_RUNTIME: "node" });
  const num = (re) => Number((r.out.match(re) ?? [])[1] ?? 0);
  summary.node = { code: r.code, pass: num(/ℹ pass (\d+)/), fail: num(/ℹ fail (\d+)/), skip: num(/ℹ skipped (\d+)/) };
}
if (only !== "node") {
  console.log("\n== Deno ==");
  const r = run(bin("deno"), ["test", "-A", "--no-check", "--quiet", ...tsTests], { WA_MCP_TEST_RUNTIME: "deno", NO_COLOR: "1" });
  const m = r.out.match(/(ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?(?: \| (\d+) ignored)?/);
  // Deno counts describe() blocks as tests and their test()s as steps: report the leaves, like Node.
  const leaf = (n, steps) => Number(steps ?? n ?? 0);
  summary.deno = { code: r.code, pass: leaf(m?.[2], m?.[3]), fail: m ? leaf(m[4], m[5]) : (r.code ? 1 : 0), skip: Number(m?.[6] ?? 0) };
}

console.log("\n== summary ==");
let pass = 0, fail = 0, skip = 0, bad = false;
for (const [rt, s] of Object.entries(summary)) {
  console.log(`${rt}: ${s.pass} passed, ${s.fail} failed, ${s.skip} skipped (exit ${s.code})`);
  pass += s.pass; fail += s.fail; skip += s.skip;
  if (s.code !== 0) bad = true;
}
if (build.code !== 0) {
  console.log("typecheck: failed");
  bad = true;
}
if (bad && fail === 0) fail = 1;
console.log(`${pass} passed, ${fail} failed, ${skip} skipped`);
process.exit(bad ? 1 : 0);

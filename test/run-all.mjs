#!/usr/bin/env node
// The one test command: builds the TypeScript for Node, then runs the same test files on
// Node (compiled JS) and on Deno (TypeScript as is), prints each runtime's summary and a
// combined closing line, and fails if either runtime fails.
// Usage: node test/run-all.mjs [--only node|deno] [name-filter...]
// Test files run two at a time on each runtime (WA_MCP_TEST_JOBS=1 runs them one by one): every
// file keeps to its own temp folders, port-0 servers and PostgreSQL database.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnPlan } from "./tools/spawn_plan.mjs";
import { junitCounts } from "./tools/junit_counts.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const onlyIdx = args.indexOf("--only");
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
const filters = args.filter((a, i) => a !== "--only" && !(onlyIdx >= 0 && i === onlyIdx + 1));
const jobs = Math.max(1, Number(process.env.WA_MCP_TEST_JOBS ?? 2) || 1);
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
  // .cmd shims on Windows go through cmd.exe (see tools/spawn_plan.mjs).
  const plan = spawnPlan(process.platform, cmd, argv, process.env.ComSpec);
  const r = spawnSync(plan.command, plan.args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1 << 28,
    windowsVerbatimArguments: plan.windowsVerbatimArguments,
  });
  if (r.error) process.stderr.write(`cannot run ${cmd}: ${r.error.message}\n`);
  process.stdout.write(r.stdout ?? "");
  process.stderr.write(r.stderr ?? "");
  return { code: r.status ?? 1, out: `${r.stdout ?? ""}\n${r.stderr ?? ""}` };
}

console.log("== build (tsc) ==");
// Type errors fail the run, but the tests still run (tsc emits anyway) so every result is seen.
const tsc = run(bin("tsc"), ["-p", "tsconfig.json"]);
if (tsc.code !== 0) console.log("type check failed (see above); running the tests anyway");
// The second step of `npm run build`: Node's tests spawn the bundled entry, as users run it.
const bundled = run(process.execPath, [join("dist", "src", "build", "bundle.js")]);
if (bundled.code !== 0) console.log("bundling failed (see above); running the tests anyway");
const build = { code: tsc.code || bundled.code };

// Each runtime also writes a JUnit report: the counts come from it (leaf tests, skipped suites and
// ignored steps included), the console output stays the human-readable one.
// WA_MCP_TEST_REPORTS=<dir> keeps them there (per-file and per-test times for finding slow tests).
const keepReports = process.env.WA_MCP_TEST_REPORTS;
if (keepReports) mkdirSync(keepReports, { recursive: true });
const reports = keepReports ?? mkdtempSync(join(tmpdir(), "wa-mcp-test-reports-"));
const summary = {};
/** The one test CI may skip: test/build/compile.test.ts's run of the binary (needs denort). */
const BINARY_RUN = /the host binary is the server/;
if (only !== "deno") {
  console.log("\n== Node " + process.version + " ==");
  const jsTests = tsTests.map((p) => join("dist", p.replace(/\.ts$/, ".js")));
  const junit = join(reports, "node.xml");
  const r = run(process.execPath, [
    "--test", `--test-concurrency=${jobs}`,
    "--test-reporter=spec", "--test-reporter-destination=stdout",
    "--test-reporter=junit", `--test-reporter-destination=${junit}`,
    ...(keepReports ? ["--test-reporter=./test/tools/file_times.mjs", `--test-reporter-destination=${join(reports, "node-files.txt")}`] : []),
    ...jsTests,
  ], { WA_MCP_TEST_RUNTIME: "node" });
  const num = (re) => Number((r.out.match(re) ?? [])[1] ?? 0);
  const spec = { pass: num(/ℹ pass (\d+)/), fail: num(/ℹ fail (\d+)/), skip: num(/ℹ skipped (\d+)/), skipped: [] };
  const fromJunit = existsSync(junit) ? junitCounts(readFileSync(junit, "utf8"), "node") : null;
  // A JUnit report that counts fewer tests than the spec reporter's closing lines was cut short
  // (seen with two files at a time on Node 20): the spec reporter's counts are then the true ones.
  const junitShort = fromJunit !== null && fromJunit.pass + fromJunit.fail + fromJunit.skip < spec.pass + spec.fail + spec.skip;
  if (junitShort) console.log(`(the JUnit report counted fewer tests than the run; counts from the run's own summary)`);
  // The spec reporter names each skip too ("﹣ name (1.2ms) # reason"); one neither names stays
  // visible (CI refuses an unnamed skip).
  const specSkips = [...r.out.matchAll(/^\s*﹣ (.*) \([\d.]+ms\)(?: # (.*))?$/gm)].map((m) => ({ name: m[1], reason: m[2] ?? "" }));
  const named = specSkips.length >= (fromJunit?.skipped.length ?? 0) ? specSkips : fromJunit.skipped;
  const unnamed = Array.from({ length: Math.max(0, spec.skip - named.length) }, () => ({ name: "(a skip the JUnit report did not name)", reason: "" }));
  summary.node = { code: r.code, ...(fromJunit === null || junitShort ? { ...spec, skipped: [...named, ...unnamed] } : fromJunit) };
}
if (only !== "node") {
  console.log("\n== Deno ==");
  const junit = join(reports, "deno.xml");
  const parallel = jobs > 1 ? ["--parallel"] : [];
  const r = run(bin("deno"), ["test", "-A", "--no-check", "--quiet", ...parallel, `--junit-path=${junit}`, ...tsTests], { WA_MCP_TEST_RUNTIME: "deno", NO_COLOR: "1", DENO_JOBS: String(jobs) });
  const m = r.out.match(/(ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?(?: \| (\d+) ignored(?: \((\d+) steps?\))?)?/);
  const n = (i) => Number(m?.[i] ?? 0);
  summary.deno = existsSync(junit)
    ? { code: r.code, ...junitCounts(readFileSync(junit, "utf8"), "deno") }
    : { code: r.code, pass: n(2) + n(3), fail: m ? n(4) + n(5) : (r.code ? 1 : 0), skip: n(6) + n(7), skipped: [] };
}
if (!keepReports) rmSync(reports, { recursive: true, force: true });

console.log("\n== summary ==");
let pass = 0, fail = 0, skip = 0, bad = false;
for (const [rt, s] of Object.entries(summary)) {
  console.log(`${rt}: ${s.pass} passed, ${s.fail} failed, ${s.skip} skipped (exit ${s.code})`);
  for (const k of s.skipped) console.log(`  skipped: ${k.name}${k.reason ? ` (${k.reason})` : ""}`);
  pass += s.pass; fail += s.fail; skip += s.skip;
  if (s.code !== 0) bad = true;
}
if (build.code !== 0) {
  console.log("build: failed (type check or bundle)");
  bad = true;
}
// CI sets everything up (PostgreSQL, Chromium; see .ci/run): the one skip it may have is the run of
// the compiled binary where no denort can be downloaded. Any other skip hides an unchecked part.
if (process.env.CI) {
  const all = Object.values(summary).flatMap((s) => s.skipped);
  const unexpected = all.filter((k) => !BINARY_RUN.test(k.name));
  if (all.length > unexpected.length) console.log("CI: skipped as expected: the compiled binary's run (no denort on this machine; the release workflow runs it)");
  for (const k of unexpected) console.log(`CI: unexpected skip: ${k.name}${k.reason ? ` (${k.reason})` : ""}`);
  if (unexpected.length > 0) bad = true;
  if (fail === 0 && unexpected.length > 0) fail = unexpected.length;
}
if (bad && fail === 0) fail = 1;
console.log(`${pass} passed, ${fail} failed, ${skip} skipped`);
process.exit(bad ? 1 : 0);

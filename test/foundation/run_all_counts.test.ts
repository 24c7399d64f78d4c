/**
 * The counts `npm test` prints (test/run-all.mjs, through test/tools/junit_counts.mjs), from real
 * JUnit reports of both runners on one file with a skipped test, a skipped suite, a passing and a
 * failing leaf inside describe blocks: the summary must say 3 passed, 1 failed, 2 skipped on each
 * runtime (Node alone reports "skipped 1": it does not count a skipped suite; Deno's summary reports
 * the suite as a passed test and the leaves as steps).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { isDeno, repoRoot } from "../helpers/paths.ts";

const root = repoRoot();
type Counts = { pass: number; fail: number; skip: number; skipped: Array<{ name: string; reason: string }> };
const { junitCounts } = (await import(pathToFileURL(join(root, "test", "tools", "junit_counts.mjs")).href)) as {
  junitCounts(xml: string, flavour: "node" | "deno"): Counts;
};

const SAMPLE = `import { describe, test } from "node:test";
describe("outer", () => {
  test("passes", () => {});
  test("skipped leaf", { skip: "no reason to run" }, () => {});
  describe("inner", () => {
    test("passes too", () => {});
    test("fails", () => { throw new Error("on purpose"); });
  });
});
describe("skipped suite", { skip: "whole suite off" }, () => { test("never runs", () => {}); });
test("top-level passes", () => {});
`;

const node = isDeno ? "node" : process.execPath;
// The npm package's executable (node_modules/.bin/deno is a .cmd shim on Windows).
const deno = () => isDeno ? process.execPath : realpathSync(join(root, "node_modules", ".bin", process.platform === "win32" ? "deno.exe" : "deno"));

describe("npm test's counts", () => {
  for (const flavour of ["node", "deno"] as const) {
    test(`from ${flavour}'s JUnit report: leaves only, skipped suites and ignored steps counted, reasons kept`, () => {
      const dir = mkdtempSync(join(tmpdir(), "wa-mcp-counts-"));
      try {
        const file = join(dir, "sample.test.mjs");
        const report = join(dir, "report.xml");
        writeFileSync(file, SAMPLE);
        // A child `node --test` under a test runner reports to it (NODE_TEST_CONTEXT) instead of running on its own.
        const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
        delete env.NODE_TEST_CONTEXT;
        const r = flavour === "node"
          ? spawnSync(node, ["--test", "--test-reporter=junit", `--test-reporter-destination=${report}`, file], { cwd: dir, encoding: "utf8", env })
          : spawnSync(deno(), ["test", "-A", "--quiet", `--junit-path=${report}`, file], { cwd: dir, encoding: "utf8", env });
        assert.notEqual(r.status, 0, "the sample has a failing test");
        const c = junitCounts(readFileSync(report, "utf8"), flavour);
        assert.deepEqual({ pass: c.pass, fail: c.fail, skip: c.skip }, { pass: 3, fail: 1, skip: 2 });
        const names = c.skipped.map((k) => k.name).join(" | ");
        assert.match(names, /skipped leaf/);
        assert.match(names, /skipped suite/);
        if (flavour === "node") assert.deepEqual(c.skipped.map((k) => k.reason).sort(), ["no reason to run", "whole suite off"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

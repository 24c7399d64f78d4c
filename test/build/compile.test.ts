/**
 * `deno task compile`: the dry run's command lines are checked argument by argument; the host
 * target is compiled with them and the binary is run through test/build/smoke_binary.ts (the same
 * smoke test the release workflow runs on every runner), which fails unless it answers MCP
 * `initialize`, `tools/list`, `list_chats` over stdio and serves `/health`.
 *
 * `deno compile` builds a binary from `denort`, the Deno runtime without its CLI, downloaded from
 * dl.deno.land (or `DENORT_BIN`). Where it cannot be had (no internet, as on this project's build
 * machine) the binary test is skipped, saying so. What goes into the binary is still checked there:
 * deno's report of the embedded files is read from a build with the full `deno` standing in for
 * denort; that file is a plain Deno, not the server, and the smoke test is shown to refuse it.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { isDeno, repoRoot } from "../helpers/paths.ts";
import { hostTargetOf, outputPath, PERMISSION_FLAGS, TARGETS } from "../../src/build/compile_plan.ts";
import { smokeBinary } from "./smoke_binary.ts";

const root = repoRoot();

function denoPath(): string {
  return isDeno ? process.execPath : join(root, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");
}

/** Runs compile.ts on this runtime (the .ts under Deno, the compiled .js under Node). */
function runCompileScript(args: string[]) {
  const cmd = isDeno
    ? { command: process.execPath, args: ["run", "-A", "--no-check", join(root, "src", "build", "compile.ts"), ...args] }
    : { command: process.execPath, args: [join(root, "dist", "src", "build", "compile.js"), ...args] };
  return spawnSync(cmd.command, cmd.args, { cwd: root, encoding: "utf8", timeout: 120_000 });
}

/** Splits a printed command line (our quoting: plain words or '...'). */
function words(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!));
}

function flagValues(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (argv[i - 1] === flag ? [a] : []));
}

function dryRunLines(): string[][] {
  const r = runCompileScript(["--dry-run"]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("\n").map(words);
}

const hostTarget = hostTargetOf(process.arch, process.platform);

/** Compiles the host target's command line into a temp folder with `env`; returns the report and the binary's path. */
function compileHost(outDir: string, env: Record<string, string | undefined>) {
  const argv = dryRunLines()[TARGETS.indexOf(hostTarget!)]!;
  const binary = join(outDir, process.platform === "win32" ? "whatsapp-mcp.exe" : "whatsapp-mcp");
  const args = argv.slice(1).map((a, i, all) => (all[i - 1] === "--output" ? binary : a));
  const r = spawnSync(argv[0]!, args, { cwd: root, encoding: "utf8", timeout: 600_000, maxBuffer: 1 << 26, env: { ...env, NO_COLOR: "1" } });
  return { status: r.status, report: `${r.stdout}\n${r.stderr}`, binary };
}

/**
 * Why no real binary can be built here, or null when it can: `DENORT_BIN` is set, or `deno
 * compile` of a one-line module (in an empty folder, so nothing else is embedded) gets its denort.
 */
function noDenort(): string | null {
  if (hostTarget === null) return "no shipped target for this host";
  if (process.env.DENORT_BIN) return null;
  const dir = mkdtempSync(join(tmpdir(), "wa-mcp-denort-probe-"));
  try {
    writeFileSync(join(dir, "probe.ts"), "console.log(1);\n");
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
    delete env.DENORT_BIN;
    const r = spawnSync(realpathSync(denoPath()), ["compile", "--no-check", "--output", join(dir, "probe"), "probe.ts"], { cwd: dir, encoding: "utf8", timeout: 300_000, env });
    if (r.status === 0) return null;
    const err = `${r.stderr}`;
    const why = /error sending request|dns error|Connect/.test(err)
      ? "dl.deno.land is not reachable"
      : err.split("\n").find((l) => /error/.test(l))?.trim().slice(0, 160) ?? `deno compile exited ${r.status}`;
    return `no denort (the Deno runtime deno compile builds binaries from) on this machine: ${why}; ` +
      "the release workflow builds and runs the binaries";
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const denortMissing = noDenort();
if (denortMissing) console.error(`compile.test: the built binary is not run: ${denortMissing}`);

describe("deno task compile", () => {
  test("--dry-run prints the exact deno compile command of every target, and every included file exists", () => {
    const lines = dryRunLines();
    assert.equal(lines.length, TARGETS.length);
    for (const [i, argv] of lines.entries()) {
      const target = TARGETS[i]!;
      assert.equal(realpathSync(argv[0]!), realpathSync(denoPath()), "not the project's deno");
      assert.deepEqual(argv.slice(1, 3), ["compile", "--no-check"]);
      for (const p of PERMISSION_FLAGS) assert.ok(argv.includes(p), `${target}: ${p} missing`);
      assert.deepEqual(argv.filter((a) => a.startsWith("--allow") || a === "-A"), [...PERMISSION_FLAGS], "more permissions than the five");
      assert.deepEqual(flagValues(argv, "--target"), [target]);
      assert.deepEqual(flagValues(argv, "--output"), [outputPath(target)]);
      assert.ok(outputPath(target).startsWith("dist/bin/"));
      assert.equal(outputPath(target).endsWith(".exe"), target.includes("windows"));
      assert.equal(argv.at(-1), "src/main.ts");

      const includes = flagValues(argv, "--include");
      for (const p of includes) assert.ok(existsSync(join(root, p)), `${p} is included but does not exist`);
      assert.ok(includes.includes("node_modules/sql.js/dist/sql-wasm.wasm"));
      assert.ok(includes.includes("src/media/ffmpeg/worker_main.ts"), "the ffmpeg Worker's module must be included");
      // One @ffmpeg/core build, factory and wasm from the same folder; the other build is left out.
      const core = includes.filter((p) => p.includes("@ffmpeg/core"));
      assert.deepEqual(core.sort(), ["node_modules/@ffmpeg/core/dist/esm/ffmpeg-core.js", "node_modules/@ffmpeg/core/dist/esm/ffmpeg-core.wasm"]);
      const excludes = flagValues(argv, "--exclude");
      for (const p of ["node_modules/@ffmpeg/core/dist/umd", "node_modules/deno", "node_modules/typescript", "node_modules/playwright-core", "node_modules/.bin"]) {
        assert.ok(excludes.includes(p), `${p} is not excluded`);
      }
      assert.ok(!excludes.some((e) => includes.some((i) => i.startsWith(`${e}/`) || i === e)), "an included file is also excluded");
      assert.ok(![...includes, ...excludes].some((p) => p.startsWith("dist/") || p.startsWith("test/")), "build output or tests embedded");
    }
  });

  test("the release workflow builds the five targets, each on its own platform's runner, and runs each through smoke_binary.ts", () => {
    const wf = readFileSync(join(root, ".github", "workflows", "release.yml"), "utf8");
    const rows = [...wf.matchAll(/\{ target: ([\w-]+), runner: ([\w.-]+), file: ([\w.-]+) \}/g)];
    assert.deepEqual(rows.map((m) => m[1]).sort(), [...TARGETS].sort());
    for (const [, target, runner, file] of rows) {
      assert.equal(`dist/bin/${file}`, outputPath(target as (typeof TARGETS)[number]));
      const os = target!.includes("linux") ? /^ubuntu/ : target!.includes("darwin") ? /^macos/ : /^windows/;
      assert.match(runner!, os, `${target} is not run on its own platform`);
      if (target!.startsWith("aarch64-unknown-linux")) assert.match(runner!, /arm/);
    }
    assert.match(wf, /npx deno run -A src\/build\/compile\.ts --target \$\{\{ matrix\.target \}\}/);
    assert.match(wf, /npx deno run -A test\/build\/smoke_binary\.ts dist\/bin\/\$\{\{ matrix\.file \}\}/);
  });

  test("an unknown --target is refused", () => {
    const r = runCompileScript(["--dry-run", "--target", "riscv64-unknown-linux-gnu"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown target riscv64-unknown-linux-gnu/);
  });

  test("what goes in: the host target compiles with exactly those arguments and embeds one ffmpeg build, the sql.js wasm and no dev packages; the smoke test refuses the plain-Deno file", { skip: hostTarget === null ? "no shipped target for this host" : false }, async () => {
    const out = mkdtempSync(join(tmpdir(), "wa-mcp-compile-"));
    try {
      // The full deno standing in for denort: the file embeds exactly what a release does, but it
      // starts as a plain Deno. Only deno's report is read from it.
      const { status, report, binary } = compileHost(out, { ...process.env, DENORT_BIN: realpathSync(denoPath()) });
      assert.equal(status, 0, report.slice(-3000));
      assert.ok(existsSync(binary));
      assert.match(report, /dist\/esm\/\* \(30\.\d+MB\)/, "the ESM ffmpeg core is not embedded");
      assert.doesNotMatch(report, /umd/, "the second ffmpeg build is embedded");
      assert.match(report, /sql-wasm\.wasm/);
      assert.doesNotMatch(report, /sql-asm|sqljs-all\.zip|sql-wasm-debug/, "unused sql.js builds are embedded");
      for (const dev of ["typescript/", "playwright-core/", "deno/", "@types/node/"]) {
        assert.ok(!report.includes(`── ${dev}`), `${dev} is embedded`);
      }
      assert.match(report, /migrations_embedded\.ts/);
      const mb = Number(/Files: ([\d.]+)MB/.exec(report)?.[1]);
      assert.ok(mb > 31 && mb < 120, `embedded files: ${mb} MB`);
      // The smoke test can fail: on this plain Deno it does, and says why.
      await assert.rejects(smokeBinary(binary), /is a plain Deno \("deno \d/);
    } finally {
      rmSync(out, { recursive: true, force: true, maxRetries: 5 });
    }
  });

  test("the host binary is the server: --version, MCP initialize, tools/list, list_chats on an empty store, /health (test/build/smoke_binary.ts)", { skip: denortMissing ?? false }, async () => {
    const out = mkdtempSync(join(tmpdir(), "wa-mcp-compile-"));
    try {
      const { status, report, binary } = compileHost(out, process.env);
      assert.equal(status, 0, report.slice(-3000));
      await smokeBinary(binary);
    } finally {
      rmSync(out, { recursive: true, force: true, maxRetries: 5 });
    }
  });
});

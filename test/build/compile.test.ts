/**
 * `deno task compile` without the runtime download: the dry run's command lines are checked
 * argument by argument, and the host target is really compiled with them, `DENORT_BIN` standing
 * in for the denort download (the resulting file is the plain deno executable plus our embedded
 * files, so it is not run; deno's "Embedded Files" report says what went in).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { isDeno, repoRoot } from "../helpers/paths.ts";
import { outputPath, PERMISSION_FLAGS, TARGETS } from "../../src/build/compile_plan.ts";

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

const hostTarget = (() => {
  const arch = process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : null;
  const os = process.platform === "linux" ? "unknown-linux-gnu" : process.platform === "darwin" ? "apple-darwin" : process.platform === "win32" ? "pc-windows-msvc" : null;
  const t = arch && os ? `${arch}-${os}` : null;
  return (TARGETS as readonly string[]).includes(t ?? "") ? (t as (typeof TARGETS)[number]) : null;
})();

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

  test("an unknown --target is refused", () => {
    const r = runCompileScript(["--dry-run", "--target", "riscv64-unknown-linux-gnu"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown target riscv64-unknown-linux-gnu/);
  });

  test("the host target compiles with exactly those arguments and embeds one ffmpeg build, the sql.js wasm and no dev packages", { skip: hostTarget === null ? "no shipped target for this host" : false }, () => {
    const argv = dryRunLines()[TARGETS.indexOf(hostTarget!)]!;
    const out = mkdtempSync(join(tmpdir(), "wa-mcp-compile-"));
    try {
      const args = argv.slice(1).map((a, i, all) => (all[i - 1] === "--output" ? join(out, "whatsapp-mcp") : a));
      const r = spawnSync(argv[0]!, args, {
        cwd: root,
        encoding: "utf8",
        timeout: 300_000,
        maxBuffer: 1 << 26,
        env: { ...process.env, NO_COLOR: "1", DENORT_BIN: realpathSync(denoPath()) },
      });
      const report = `${r.stdout}\n${r.stderr}`;
      assert.equal(r.status, 0, report.slice(-3000));
      assert.ok(existsSync(join(out, process.platform === "win32" ? "whatsapp-mcp.exe" : "whatsapp-mcp")));
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
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

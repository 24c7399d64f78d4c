/**
 * `deno task compile [--dry-run] [--target <t>]...`: builds one self-contained binary per target
 * into dist/bin/ (see compile_plan.ts for what goes in and why). `--dry-run` prints the exact
 * command lines, one per target, after checking that every included file exists; nothing runs.
 *
 * `deno compile` builds each binary from denort, the Deno runtime without its command line,
 * downloaded per target from dl.deno.land: a machine without internet access can only dry-run.
 * (The full `deno` executable is not a denort: a binary built from it is a plain Deno that prints
 * "deno x.y.z" and opens a REPL. The binary of the host target is therefore run with `--version`
 * after the build and refused unless it prints this program's version; test/build/smoke_binary.ts
 * then checks it serves MCP.)
 *
 * An entry point (a build tool): it reads files and spawns `deno`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { WASM_ASSETS } from "../../wasm/locate.ts";
import { readMigrationFiles, renderEmbeddedMigrations } from "./gen_migrations.ts";
import { compileArgs, type CompileInputs, devOnlyPackages, hostTargetOf, outputPath, shellQuote, type Target, TARGETS, unusedFiles } from "./compile_plan.ts";
import { VERSION } from "../version.ts";

/** The repository root: the folder above this file (src/build or dist/src/build) with package.json and deno.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "deno.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("Cannot find the repository root (package.json + deno.json) above src/build");
    dir = up;
  }
}

/** Gathers what to embed and what to leave out; throws naming whatever is missing. */
export function compileInputs(root: string): CompileInputs {
  const sql = WASM_ASSETS.sql;
  const core = WASM_ASSETS["ffmpeg-core"];
  const includes = [
    `node_modules/${sql.packageDir}/${sql.wasm}`,
    `node_modules/${core.packageDir}/${core.factory}`,
    `node_modules/${core.packageDir}/${core.wasm}`,
    "src/media/ffmpeg/worker_main.ts",
    "src/store/sqljs/snapshot_read_worker.ts",
  ];
  const missing = includes.filter((p) => !existsSync(join(root, p)));
  if (missing.length > 0) throw new Error(`Cannot compile: missing ${missing.join(", ")} (run npm ci first)`);

  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages?: Record<string, { dev?: boolean }> };
  if (!lock.packages) throw new Error("Cannot compile: package-lock.json has no `packages` map (lockfile v2 or later is needed)");
  const sqlDist = `node_modules/${sql.packageDir}`;
  const coreBuilds = dirname(core.packageDir); // @ffmpeg/core/dist: esm (ours) and umd
  const excludes = [
    "node_modules/.bin",
    // Type declarations only: nothing loads them at run time.
    "node_modules/@types",
    ...devOnlyPackages(lock.packages).filter((p) => existsSync(join(root, p))),
    ...readdirSync(join(root, "node_modules", coreBuilds))
      .filter((d) => `${coreBuilds}/${d}` !== core.packageDir)
      .map((d) => `node_modules/${coreBuilds}/${d}`),
    ...unusedFiles(sqlDist, readdirSync(join(root, sqlDist)), ["sql-wasm.js", sql.wasm]),
  ];
  return { entry: "src/main.ts", includes, excludes };
}

/** Fails if src/store/migrations_embedded.ts no longer matches migrations/*.sql. */
async function checkMigrationsEmbedded(root: string): Promise<void> {
  const want = renderEmbeddedMigrations(await readMigrationFiles(root));
  const have = readFileSync(join(root, "src", "store", "migrations_embedded.ts"), "utf8");
  if (want !== have) {
    throw new Error("src/store/migrations_embedded.ts is out of date with migrations/: run `deno run -A src/build/gen_migrations.ts` first");
  }
}

function denoExecutable(root: string): string {
  if ((globalThis as { Deno?: unknown }).Deno) return process.execPath;
  return join(root, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");
}

async function main(argv: string[]): Promise<number> {
  const dryRun = argv.includes("--dry-run");
  const chosen = argv.flatMap((a, i) => (argv[i - 1] === "--target" ? [a] : []));
  const unknown = chosen.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0) {
    console.error(`compile: unknown target ${unknown.join(", ")}; known: ${TARGETS.join(", ")}`);
    return 2;
  }
  const targets = (chosen.length > 0 ? chosen : [...TARGETS]) as Target[];
  const root = repoRoot();
  await checkMigrationsEmbedded(root);
  const inputs = compileInputs(root);
  const deno = denoExecutable(root);
  if (dryRun) {
    for (const t of targets) console.log([deno, ...compileArgs(t, inputs)].map(shellQuote).join(" ")); // stdout-ok: a build tool
    return 0;
  }
  console.error(`compile: embedding ${inputs.includes.join(", ")}; leaving out ${inputs.excludes.length} dev-only or unused paths`);
  for (const t of targets) {
    console.error(`compile: ${t}`);
    const r = spawnSync(deno, compileArgs(t, inputs), { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) {
      console.error(`compile: deno compile for ${t} failed (exit ${r.status ?? r.signal}); it needs to download denort from dl.deno.land (without internet access only --dry-run works)`);
      return 1;
    }
    const problem = t === hostTargetOf(process.arch, process.platform) ? notTheServer(join(root, outputPath(t))) : null;
    if (problem) {
      console.error(`compile: ${outputPath(t)} ${problem}; removed it`);
      rmSync(join(root, outputPath(t)), { force: true });
      return 1;
    }
  }
  return 0;
}

/** Why the built file is not this program (a plain Deno prints "deno x.y.z"), or null. */
function notTheServer(binary: string): string | null {
  const r = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 60_000 });
  const printed = `${r.stdout ?? ""}`.trim();
  if (printed === VERSION) return null;
  return /^deno /.test(printed)
    ? `is a plain Deno ("${printed.split("\n")[0]}"), not the server: deno compile was given the full deno instead of denort (DENORT_BIN?)`
    : `does not run as the server: --version printed "${printed.slice(0, 80)}"${r.error ? ` (${r.error.message})` : ""}`;
}

function isMain(): boolean {
  const meta = import.meta as ImportMeta & { main?: boolean };
  if (typeof meta.main === "boolean") return meta.main;
  const argv1 = process.argv[1];
  return !!argv1 && join(argv1) === fileURLToPath(import.meta.url);
}

if (isMain()) process.exit(await main(process.argv.slice(2)));

/**
 * What `deno task compile` runs: one `deno compile` command line per target, built from the
 * facts `compile.ts` gathers (which files to embed, which to leave out). Pure: no I/O.
 *
 * - Permissions baked into the binary: exactly what `deno task start` grants (`--allow-net
 *   --allow-read --allow-write --allow-env --allow-sys`); the ffmpeg Worker inherits them and needs
 *   nothing more. No `--allow-run`, no `--allow-ffi`.
 * - `--no-check`: `tsc` is the type checker of this project (`npm run build`); `deno check` trips
 *   over the MCP SDK's subpath types.
 * - Embedded beyond the module graph (`--include`): the sql.js wasm, ONE @ffmpeg/core build (the
 *   ESM factory + its wasm, found by wasm/locate.ts under `node_modules/` next to the embedded
 *   `wasm/`), and the ffmpeg Worker's module (Workers are not in the static graph).
 *   The migrations need no `--include`: they are a module (src/store/migrations_embedded.ts).
 * - Left out (`--exclude`): every dev-only package of the lockfile, type declarations
 *   (`node_modules/@types`), the other @ffmpeg/core build, the sql.js builds we do not load, and
 *   `node_modules/.bin`. (With a node_modules folder `deno compile` embeds all of it otherwise:
 *   240 MB instead of 73 MB.)
 */

/** The targets `deno compile` supports that we ship. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** One of `TARGETS`. */
export type Target = (typeof TARGETS)[number];

/** The shipped target a machine runs (`process.arch`, `process.platform`), or null when none is shipped for it. */
export function hostTargetOf(arch: string, platform: string): Target | null {
  const cpu = arch === "x64" ? "x86_64" : arch === "arm64" ? "aarch64" : null;
  const os = platform === "linux" ? "unknown-linux-gnu" : platform === "darwin" ? "apple-darwin" : platform === "win32" ? "pc-windows-msvc" : null;
  const t = `${cpu}-${os}`;
  return (TARGETS as readonly string[]).includes(t) ? (t as Target) : null;
}

/** Permission flags baked into the binary. */
export const PERMISSION_FLAGS = ["--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-sys"] as const;

/** Where the binaries go, relative to the repository root. */
export const OUTPUT_DIR = "dist/bin";

/** The program's name in binary file names. */
export const PROGRAM = "whatsapp-mcp";

/** The facts a plan is built from; paths relative to the repository root, with "/" (deno accepts them on Windows too). */
export interface CompileInputs {
  entry: string;
  includes: readonly string[];
  excludes: readonly string[];
}

/** The binary's path for `target`, relative to the repository root. */
export function outputPath(target: Target): string {
  return `${OUTPUT_DIR}/${PROGRAM}-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/** Arguments after the `deno` executable for one target. */
export function compileArgs(target: Target, inputs: CompileInputs): string[] {
  return [
    "compile",
    "--no-check",
    ...PERMISSION_FLAGS,
    "--target",
    target,
    "--output",
    outputPath(target),
    ...inputs.includes.flatMap((p) => ["--include", p]),
    ...inputs.excludes.flatMap((p) => ["--exclude", p]),
    inputs.entry,
  ];
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Package folders (`node_modules/...`) only development needs, from a package-lock v2/v3
 * `packages` map: entries marked `dev: true`. Sorted, deduplicated.
 */
export function devOnlyPackages(lockPackages: Record<string, { dev?: boolean }>): string[] {
  return [...new Set(Object.entries(lockPackages).filter(([path, p]) => path !== "" && p.dev === true).map(([path]) => path))].sort();
}

/** The sql.js files to leave out: everything in its dist/ but the build we load (`keep`). */
export function unusedFiles(dir: string, names: readonly string[], keep: readonly string[]): string[] {
  return names.filter((n) => !keep.includes(n)).sort().map((n) => `${dir}/${n}`);
}

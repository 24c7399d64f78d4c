/**
 * `node dist/src/build/bundle.js` (the second step of `npm run build`, after tsc): bundles the
 * program tsc compiled for Node into dist/src/bundle/ and turns dist/src/main.js into the stub
 * that runs it (see bundle_plan.ts for why and what). esbuild-wasm: no native binary.
 *
 * An entry point (a build tool): it reads and writes files under dist/.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild-wasm";
import { ENTRY, EXTERNAL_PACKAGES, isStub, OUT_DIR, rewriteImportMetaUrl, stubSource } from "./bundle_plan.ts";

/** The repository (or package) root: the folder above this file with package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("Cannot find package.json above src/build");
    dir = up;
  }
}

const posix = (p: string) => p.split(sep).join("/");

/** Bundles ENTRY into OUT_DIR and writes the stub; returns the bundle's files (relative paths). */
export async function bundle(root: string): Promise<string[]> {
  const entry = join(root, ENTRY);
  const outDir = join(root, OUT_DIR);
  if (isStub(readFileSync(entry, "utf8"))) throw new Error(`${ENTRY} is already the bundle's stub: run tsc first (npm run build does)`);
  rmSync(outDir, { recursive: true, force: true });
  const dist = join(root, "dist") + sep;
  const outside: string[] = [];
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: entry },
    outdir: outDir,
    chunkNames: "chunk-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: EXTERNAL_PACKAGES.flatMap((p) => [p, `${p}/*`]),
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
    plugins: [{
      name: "import-meta-url",
      setup(build) {
        build.onLoad({ filter: /\.js$/ }, (args) => {
          const source = readFileSync(args.path, "utf8");
          if (!source.includes("import.meta.url")) return { contents: source, loader: "js" };
          // Our modules keep their own URL (see rewriteImportMetaUrl); a package's file found by
          // its URL would move with the install layout: such a package must stay external.
          if (!args.path.startsWith(dist)) outside.push(posix(relative(root, args.path)));
          return { contents: rewriteImportMetaUrl(source, posix(relative(outDir, args.path))), loader: "js" };
        });
      },
    }],
  });
  if (outside.length > 0) {
    throw new Error(`bundled packages use import.meta.url (list them in EXTERNAL_PACKAGES): ${outside.join(", ")}`);
  }
  writeFileSync(entry, stubSource(`./${posix(relative(dirname(entry), join(outDir, "main.js")))}`));
  return Object.keys(result.metafile!.outputs).map(posix);
}

const argv1 = process.argv[1];
if (argv1 && fileURLToPath(import.meta.url) === argv1) {
  const files = await bundle(repoRoot());
  console.error(`bundled ${ENTRY} into ${OUT_DIR} (${files.length} files)`);
}

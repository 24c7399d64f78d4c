/**
 * The one place that finds the WebAssembly assets (sql.js, @ffmpeg/core).
 *
 * Lookup order, first hit wins:
 *  1. a folder set with `setWasmAssetDir` (tests, unusual installs);
 *  2. `<folder of the entry module>/wasm-assets/<file>`: where the compile step embeds the
 *     assets in the `deno compile` binary (`--include wasm-assets/...`, see `WASM_ASSETS`);
 *  3. `node_modules/<package path>` in this module's folder or any parent (development, npm install,
 *     and a compiled binary that embedded the node_modules paths as they are);
 *  4. the same node_modules walk from the entry module's folder.
 */
import { entryDirectory, fileUrlToPath, isFile, readFileBytes, resolvePath } from "../src/runtime/fs_paths.ts";

/** The assets this program loads. */
export type WasmName = "sql" | "ffmpeg-core";

/** Where an asset lives inside node_modules and its file names (also the names under `wasm-assets/`). */
export const WASM_ASSETS: Readonly<Record<WasmName, { packageDir: string; wasm: string; factory?: string }>> = {
  // sql.js itself is imported by bare name; only its .wasm needs locating.
  "sql": { packageDir: "sql.js/dist", wasm: "sql-wasm.wasm" },
  // The ESM build: a dynamic import() of it works on Deno and Node alike (the UMD build is CommonJS on Node).
  "ffmpeg-core": { packageDir: "@ffmpeg/core/dist/esm", wasm: "ffmpeg-core.wasm", factory: "ffmpeg-core.js" },
};

/** Folder name, next to the entry module, that holds embedded assets in a compiled binary. */
export const EMBEDDED_ASSET_DIR = "wasm-assets";

/** Where an asset was found. `factoryPath` is the JS factory (ffmpeg-core only). */
export interface WasmLocation {
  wasmPath: string;
  factoryPath?: string;
}

/** An asset could not be found in any of the places looked at. */
export class WasmNotFoundError extends Error {
  override name = "WasmNotFoundError";
  constructor(readonly asset: WasmName, readonly searched: string[]) {
    super(
      `Cannot find the ${asset} WebAssembly file (${WASM_ASSETS[asset].wasm}): looked in ${searched.join(", ")}. ` +
        `Reinstall dependencies (npm ci) or, for a compiled binary, embed it with --include.`,
    );
  }
}

let overrideDir: string | undefined;
const cache = new Map<WasmName, Promise<WasmLocation>>();

/** Makes the lookup try `dir` (holding the asset files by their plain names) first; undefined clears it. */
export function setWasmAssetDir(dir: string | undefined): void {
  overrideDir = dir;
  cache.clear();
}

function parents(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; ) {
    out.push(d);
    const up = resolvePath(d, "..");
    if (up === d) return out;
    d = up;
  }
}

function candidateDirs(name: WasmName): string[] {
  const { packageDir } = WASM_ASSETS[name];
  const dirs: string[] = [];
  if (overrideDir) dirs.push(overrideDir);
  const entry = entryDirectory();
  if (entry) dirs.push(resolvePath(entry, EMBEDDED_ASSET_DIR));
  const here = fileUrlToPath(new URL(".", import.meta.url));
  for (const d of parents(here)) dirs.push(resolvePath(d, `node_modules/${packageDir}`));
  if (entry) for (const d of parents(entry)) dirs.push(resolvePath(d, `node_modules/${packageDir}`));
  return [...new Set(dirs)];
}

async function find(name: WasmName): Promise<WasmLocation> {
  const asset = WASM_ASSETS[name];
  const dirs = candidateDirs(name);
  for (const dir of dirs) {
    const wasmPath = resolvePath(dir, asset.wasm);
    if (!(await isFile(wasmPath))) continue;
    if (!asset.factory) return { wasmPath };
    // The factory must come from the same folder as the wasm: the two are one build.
    const factoryPath = resolvePath(dir, asset.factory);
    if (await isFile(factoryPath)) return { wasmPath, factoryPath };
  }
  throw new WasmNotFoundError(name, dirs);
}

/** Finds an asset (cached after the first success). Rejects with `WasmNotFoundError`. */
export function locateWasm(name: WasmName): Promise<WasmLocation> {
  let p = cache.get(name);
  if (!p) {
    p = find(name);
    cache.set(name, p);
    p.catch(() => cache.delete(name));
  }
  return p;
}

/** Reads an asset's .wasm bytes (e.g. for sql.js `initSqlJs({ wasmBinary })`). Not cached: the caller keeps them. */
export async function loadWasmBytes(name: WasmName): Promise<Uint8Array> {
  return await readFileBytes((await locateWasm(name)).wasmPath);
}

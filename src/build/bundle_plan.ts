/**
 * What `npm run build` bundles for Node, and how (bundle.ts runs it). Pure: no I/O.
 *
 * Why: Node 20 loads each ES module on its own (resolve through package.json files, read, parse,
 * link), and the first tool call needed ~560 of them plus the SDK's CommonJS validator (ajv):
 * on a 1M-message store that loading, not the store, was most of spawn → first answer. The
 * bundle is one entry file and a few chunks (esbuild splits at each `import()`, so what loads
 * after the first answer, WhatsApp and media, stays in chunks of its own, loaded as before).
 *
 * What users run is the bundle: `dist/src/main.js` (the bin) becomes a two-line stub that imports
 * `dist/src/bundle/main.js`. Everything else tsc wrote stays where it was: the worker modules
 * (started by file URL) and the tests import those. Deno runs the TypeScript (src/main.ts), and
 * `deno compile` builds from it too: neither uses the bundle.
 */

/** Where tsc's output of the entry is, and where the bundle goes (relative to the repository root). */
export const ENTRY = "dist/src/main.js";
export const OUT_DIR = "dist/src/bundle";

/** The first lines of the stub that replaces ENTRY (a stub is never bundled again: tsc must run first). */
export const STUB_MARK = "// whatsapp-mcp: bundled entry (src/build/bundle.ts)";

/**
 * Packages left out of the bundle, imported from node_modules as before: loaded after the first
 * answer or only in some configurations (Baileys and its dependencies, PostgreSQL, the PDF
 * reader), CommonJS that finds files next to itself (sql.js), or loaded by file URL (ffmpeg).
 * A bare import not listed here is bundled.
 */
export const EXTERNAL_PACKAGES = [
  "@whiskeysockets/baileys",
  "sql.js",
  "postgres",
  "unpdf",
  "curve25519-js",
  "@ffmpeg/core",
  "@ffmpeg/ffmpeg",
  "@ffmpeg/util",
] as const;

/** The stub written over ENTRY: it keeps the bin's path and shebang. */
export function stubSource(bundleEntryFromStub: string): string {
  return `#!/usr/bin/env node\n${STUB_MARK}\nimport ${JSON.stringify(bundleEntryFromStub)};\n`;
}

/** True when `source` is the stub (the bundle was built over tsc's output already). */
export function isStub(source: string): boolean {
  return source.includes(STUB_MARK);
}

/**
 * A module's source with `import.meta.url` replaced by the URL the module had before bundling
 * (its file under dist/), computed from the bundle file it ends up in. Every bundle file lives in
 * OUT_DIR (the entry and its chunks alike), so the path from OUT_DIR to the module's own file is
 * the same wherever esbuild puts its code. The modules that use it find files next to themselves
 * (the read worker, the ffmpeg worker, the wasm files, the package folder): they still do.
 * `relFromOutDir` is that path, with forward slashes ("../store/sqljs/snapshot_prefetch.js").
 */
export function rewriteImportMetaUrl(source: string, relFromOutDir: string): string {
  if (!source.includes("import.meta.url")) return source;
  return source.replaceAll("import.meta.url", `new URL(${JSON.stringify(relFromOutDir)}, import.meta.url).href`);
}

/** True for a bare import (a package), false for a relative path, a URL or a builtin. */
export function isBareImport(spec: string): boolean {
  return !/^(\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(spec);
}

/** The package a bare import names ("@scope/name" or "name"). */
export function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** True when a bare import is left out of the bundle (see EXTERNAL_PACKAGES). */
export function isExternalPackage(spec: string): boolean {
  return (EXTERNAL_PACKAGES as readonly string[]).includes(packageOf(spec));
}

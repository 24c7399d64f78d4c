import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// Works from test/foundation (Deno) and dist/test/foundation (Node): walk up to package.json.
function repoRoot(): string {
  let dir = fileURLToPath(new URL(".", import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "deno.json"))) {
    const up = join(dir, "..");
    if (up === dir) throw new Error("repository root not found");
    dir = up;
  }
  return dir;
}
const root = repoRoot();

function walk(dir: string, out: string[] = [], depthLimit = 40): string[] {
  if (depthLimit === 0) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // dangling symlink
    }
    if (st.isDirectory()) walk(p, out, depthLimit - 1);
    else out.push(p);
  }
  return out;
}

describe("repository layout", () => {
  test("the top level holds exactly the owner's folders", () => {
    const allowed = new Set(["src", "supervisors", "wasm", "migrations", "test"]);
    const ignored = new Set(["node_modules", "dist", "test-artifacts"]);
    const dirs = readdirSync(root).filter((n) => !n.startsWith(".") && statSync(join(root, n)).isDirectory() && !ignored.has(n));
    assert.deepEqual(dirs.filter((d) => !allowed.has(d)), [], "unexpected top-level folders");
    // Dot folders are tooling: .ci (the CI entry) and .github (the release workflow) are expected.
    for (const f of ["deno.json", "package.json", "README.md", "LICENSE", ".npmrc", ".ci/run", ".github/workflows/release.yml"]) {
      assert.ok(existsSync(join(root, f)), `${f} is missing`);
    }
  });

  test("node_modules holds no native code (no *.node, no binding.gyp)", () => {
    const nm = join(root, "node_modules");
    assert.ok(existsSync(nm), "run npm install first");
    const native = walk(nm).filter((p) => p.endsWith(".node") || p.endsWith("binding.gyp"));
    assert.deepEqual(native, []);
    assert.ok(!existsSync(join(nm, "sharp")), "sharp (native) must not be installed: legacy-peer-deps=true in .npmrc");
  });

  test(".npmrc keeps native peers out and Baileys is pinned exactly", () => {
    assert.match(readFileSync(join(root, ".npmrc"), "utf8"), /^legacy-peer-deps=true$/m);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    assert.equal(pkg.dependencies["@whiskeysockets/baileys"], "7.0.0-rc14");
  });

  test("only runtime adapters and entry points touch node: or Deno", () => {
    // Adapters, and the bench's process-spawning entry (a development tool, not the library).
    const allowedPrefixes = [join(root, "src", "runtime") + "/", join(root, "src", "bench") + "/"];
    const entryPoints = new Set([join(root, "src", "main.ts"), join(root, "src", "build", "compile.ts"), join(root, "src", "build", "bundle.ts")]);
    const offenders: string[] = [];
    for (const dir of ["src", "supervisors", "wasm"]) {
      for (const f of walk(join(root, dir))) {
        if (!f.endsWith(".ts") || entryPoints.has(f) || allowedPrefixes.some((p) => f.startsWith(p))) continue;
        const text = readFileSync(f, "utf8");
        if (/from\s+["']node:|import\(["']node:|\bDeno\.|require\(/.test(text)) offenders.push(f.slice(root.length + 1));
      }
    }
    assert.deepEqual(offenders, []);
  });

  test("files are renamed and removed only through the transient retry (Windows holds files for a moment)", () => {
    const offenders: string[] = [];
    for (const f of walk(join(root, "src"))) {
      if (!f.endsWith(".ts") || f === join(root, "src", "runtime", "fs.ts")) continue;
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/\bfs\.(rename|unlink)\(/g)) offenders.push(`${f.slice(root.length + 1)}: fs.${m[1]}`);
    }
    assert.deepEqual(offenders, [], "use renameWithRetry / unlinkWithRetry (src/runtime/fs.ts)");
  });
});

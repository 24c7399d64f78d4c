import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/paths.ts";

const dir = join(repoRoot(), "supervisors");
const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
const source = (file: string) => readFileSync(join(dir, file), "utf8");
const importsOf = (file: string) =>
  [...source(file).matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']/gm)].map((m) => m[1]);

describe("supervisors/ purity", () => {
  test("no file imports node:*, calls require( or touches Deno.", () => {
    assert.ok(files.length > 5, "the kernel's files were not found");
    const offenders = files.filter((f) => /from\s+["']node:|require\(|\bDeno\./.test(source(f)));
    assert.deepEqual(offenders, []);
  });

  test("files import only each other, with explicit .ts extensions (no packages, nothing from src/)", () => {
    const bad = files.flatMap((f) => importsOf(f).filter((s) => !/^\.\/[\w-]+\.ts$/.test(s)).map((s) => `${f}: ${s}`));
    assert.deepEqual(bad, []);
  });

  test("there are no circular imports, type imports included", () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).map((s) => s.slice(2))]));
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (path.includes(f)) return void cycles.push([...path.slice(path.indexOf(f)), f].join(" -> "));
      for (const next of graph.get(f) ?? []) visit(next, [...path, f]);
    };
    for (const f of files) visit(f, []);
    assert.deepEqual(cycles, []);
  });
});

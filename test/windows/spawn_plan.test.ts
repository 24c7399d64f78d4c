/**
 * How `npm test` (test/run-all.mjs) starts the .cmd shims of node_modules/.bin on Windows, checked on
 * any machine: Node >= 20.12.2 refuses to spawn a .cmd without a shell (EINVAL), so they go through
 * cmd.exe with a command line built by test/tools/spawn_plan.mjs. The line is decoded here the way
 * cmd.exe (twice: the /c line, then the shim's %*) and the C runtime of node.exe read it, and must
 * give back exactly the arguments, with spaces, quotes, backslashes and cmd metacharacters.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../helpers/paths.ts";

interface Plan {
  command: string;
  args: string[];
  windowsVerbatimArguments: boolean;
}
const root = repoRoot();
const { spawnPlan } = (await import(pathToFileURL(join(root, "test", "tools", "spawn_plan.mjs")).href)) as {
  spawnPlan(platform: string, command: string, argv: string[], comspec?: string): Plan;
};

/** cmd's caret pass over a line whose quotes are all escaped: `^x` is `x`. */
function caretPass(line: string): string {
  return line.replace(/\^(.)/g, "$1");
}

/** The C runtime's argv parsing (CommandLineToArgvW rules). */
function msvcrtArgv(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inQuotes = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\") {
      let n = 0;
      while (line[i + n] === "\\") n++;
      if (line[i + n] === '"') {
        cur += "\\".repeat(Math.floor(n / 2));
        if (n % 2 === 1) cur += '"';
        else inQuotes = !inQuotes;
        i += n;
      } else {
        cur += "\\".repeat(n);
        i += n - 1;
      }
      has = true;
    } else if (c === '"') {
      inQuotes = !inQuotes;
      has = true;
    } else if ((c === " " || c === "\t") && !inQuotes) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

const shim = "C:\\Program Files (x86)\\my app\\node_modules\\.bin\\tsc.cmd";
const tricky = [
  "-p",
  "tsconfig.json",
  "C:\\Users\\John Smith\\test (1)\\a.test.ts",
  'say "hi" & echo pwned | more',
  "100% ^caret! <in> >out",
  "ends with backslash\\",
  'quote after backslash\\"',
  "",
];

describe("npm test on Windows: starting the .cmd shims", () => {
  test("a .cmd goes through cmd.exe /d /s /c with verbatim arguments; anything else, and every program elsewhere, is spawned directly", () => {
    const plan = spawnPlan("win32", shim, ["-p", "tsconfig.json"], "C:\\Windows\\system32\\cmd.exe");
    assert.equal(plan.command, "C:\\Windows\\system32\\cmd.exe");
    assert.deepEqual(plan.args.slice(0, 3), ["/d", "/s", "/c"]);
    assert.equal(plan.args.length, 4);
    assert.equal(plan.windowsVerbatimArguments, true);
    assert.equal(spawnPlan("win32", shim, []).command, "cmd.exe", "no ComSpec: cmd.exe from PATH");
    assert.deepEqual(spawnPlan("win32", "C:\\node\\node.exe", ["-v"]), { command: "C:\\node\\node.exe", args: ["-v"], windowsVerbatimArguments: false });
    assert.deepEqual(spawnPlan("linux", "/repo/node_modules/.bin/tsc", ["-p", "x"]), { command: "/repo/node_modules/.bin/tsc", args: ["-p", "x"], windowsVerbatimArguments: false });
  });

  test("the command line gives back the program and every argument exactly, metacharacters inert", () => {
    const plan = spawnPlan("win32", shim, tricky, "cmd.exe");
    const line = plan.args[3]!;
    // /s: cmd drops the first and the last quote of the /c text.
    assert.ok(line.startsWith('"') && line.endsWith('"'));
    const inner = line.slice(1, -1);
    // The program: a quoted first word.
    assert.ok(inner.startsWith(`"${shim}" `));
    const rest = inner.slice(shim.length + 3);
    // No quote cmd would act on: every quote and metacharacter of the arguments is escaped.
    assert.doesNotMatch(rest.replace(/\^\^\^./g, ""), /["&|<>()%!]/);
    // cmd's pass on the /c line, the shim's %* pass, then node.exe's C runtime.
    assert.deepEqual(msvcrtArgv(caretPass(caretPass(rest))), tricky);
  });

  test("test/run-all.mjs spawns every program through spawnPlan", () => {
    const src = readFileSync(join(root, "test", "run-all.mjs"), "utf8");
    assert.match(src, /const plan = spawnPlan\(process\.platform, cmd, argv, process\.env\.ComSpec\)/);
    assert.match(src, /windowsVerbatimArguments: plan\.windowsVerbatimArguments/);
    assert.equal(src.match(/spawnSync\(/g)?.length, 1, "a second spawn that bypasses the plan");
  });
});

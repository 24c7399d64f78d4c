import { after } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import { repositorySuite } from "./repository_suite.ts";

// Each test gets its own store folder; all are removed at the end.
const root = mkdtempSync(join(tmpdir(), "wa-store-sqljs-"));
let n = 0;
after(() => rmSync(root, { recursive: true, force: true }));

repositorySuite("sql.js", async () => {
  const dir = join(root, `s${++n}`);
  const repo = await openSqljsRepository({ dir });
  return { repo, reopen: () => openSqljsRepository({ dir }) };
});

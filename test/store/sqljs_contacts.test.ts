/**
 * The sql.js contact index answers search_contacts exactly as the SQL it replaces
 * (SEARCH_CONTACTS), on generated people and chats, and stays exact after every kind of change
 * to people and chat names.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contactParams } from "../../src/store/query_params.ts";
import { personFromRow } from "../../src/store/rows.ts";
import { applySqlite } from "../../src/store/sqljs/apply.ts";
import { openDurable } from "../../src/store/sqljs/durable.ts";
import { loadSqlJs } from "../../src/store/sqljs/load.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { SEARCH_CONTACTS } from "../../src/store/sqljs/read_sql.ts";
import { createSqljsRepository, withStoreSetup } from "../../src/store/sqljs/repository.ts";
import { statementsOf } from "../../src/store/sqljs/statements.ts";
import type { Repository, WriteOp } from "../../src/store/types.ts";
import { CONTACT_CHANGES, generatedContacts, QUERIES } from "./contacts_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-contacts-"));
after(() => rmSync(root, { recursive: true, force: true }));

async function openPair(dir: string): Promise<{ repo: Repository; reference: (q: string, limit: number) => unknown[] }> {
  const durable = await openDurable<WriteOp>({
    dir,
    sql: withStoreSetup(await loadSqlJs()),
    migrate: (db) => {
      migrateSqlite(db);
    },
    apply: applySqlite,
  });
  const repo = createSqljsRepository(durable);
  const reference = (q: string, limit: number) =>
    statementsOf(durable.db).all(SEARCH_CONTACTS, bind(contactParams(q, limit))).map((r) => personFromRow(r));
  return { repo, reference };
}

function bind(params: Record<string, unknown>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [`:${k}`, v as string | number]));
}

async function assertSame(repo: Repository, reference: (q: string, limit: number) => unknown[], when: string): Promise<void> {
  for (const q of QUERIES) {
    for (const limit of [3, 50, 1000]) {
      assert.deepEqual(await repo.searchContacts(q, limit), reference(q, limit), `${when}: ${JSON.stringify(q)} limit ${limit}`);
    }
  }
}

describe("sql.js contact index", () => {
  test("search_contacts equals the SQL search on generated people, before and after every kind of change", async () => {
    const { repo, reference } = await openPair(join(root, "a"));
    try {
      await repo.commit(generatedContacts());
      await assertSame(repo, reference, "generated");

      for (const [what, batch] of CONTACT_CHANGES) {
        await repo.commit(batch);
        await assertSame(repo, reference, what);
      }
      assert.ok((await repo.searchContacts("anabel", 50)).some((p) => p.savedName === "Anabel Zed"), "the rename is found");
      assert.ok((await repo.searchContacts("4915199999999", 50)).length === 1, "the new sender is found");
    } finally {
      await repo.close();
    }
  });
});

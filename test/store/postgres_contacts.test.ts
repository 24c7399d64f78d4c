/**
 * The PostgreSQL contact list (src/store/postgres/contact_list.ts) answers search_contacts exactly
 * as the SQL it replaces (SEARCH_CONTACTS) on generated people and chats (LIKE wildcards, escapes,
 * case and non-ASCII included), stays exact after every kind of change, sees a change another
 * connection commits (another server instance) at the next search, and is not invalidated by
 * what an import does on every commit (a chat's last activity).
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { contactParams } from "../../src/store/query_params.ts";
import { personFromRow } from "../../src/store/rows.ts";
import { connectPg, type Pg, query } from "../../src/store/postgres/client.ts";
import { SEARCH_CONTACTS } from "../../src/store/postgres/read_sql.ts";
import { PgContactList } from "../../src/store/postgres/contact_list.ts";
import { openPostgresRepository } from "../../src/store/postgres/repository.ts";
import type { WriteOp } from "../../src/store/types.ts";
import { CONTACT_CHANGES, FIRST, generatedContacts, LAST, message, pn, QUERIES as BASE_QUERIES } from "./contacts_fixtures.ts";
import { pgTestServer } from "./pg_harness.ts";

const pgServer = await pgTestServer("wa_contacts");
const why = pgServer.skip;
if (why && process.env.CI) {
  test("PostgreSQL is available under CI", () => assert.fail(`CI is set but ${why}`));
} else if (why) {
  console.error(`postgres_contacts.test: skipped: ${why}`);
}

const QUERIES = [...BASE_QUERIES, "MiXeD", "mixed", "Éé", "éé", "x_y", "x%y", "1_2"];

/**
 * Rows no write op produces (the program stores folded keys and lowercase JIDs): keys with
 * capitals, accents and LIKE's own characters, where SQLite's LIKE and a JS lowercasing would
 * differ from PostgreSQL's exact comparison.
 */
const ODD_ROWS = `INSERT INTO people (id, pn_jid, lid, push_name, search_key, name_key) VALUES
  ('MiXeD@s.whatsapp.net', NULL, 'X_Y@lid', 'MiXeD', 'MiXeD Éé', 'MiXeD'),
  ('mixed2@s.whatsapp.net', NULL, 'x%y@lid', 'mixed', 'mixed éé 1_2', 'mixed'),
  ('1x2@s.whatsapp.net', NULL, NULL, NULL, '1x2 x\\y', NULL)`;

/** Compares the list's walk (built first: a stale list answers by the SQL) with the SQL. */
async function assertSame(list: PgContactList, pg: Pg, when: string): Promise<void> {
  await fresh(list);
  for (const q of QUERIES) {
    for (const limit of [3, 50, 1000]) {
      const reference = (await query(pg, SEARCH_CONTACTS, contactParams(q, limit))).map(personFromRow);
      assert.deepEqual(await list.search(q, limit), reference, `${when}: ${JSON.stringify(q)} limit ${limit}`);
    }
  }
}

/** Lets a stale list rebuild itself (the search that finds it stale starts that). */
async function fresh(list: PgContactList): Promise<void> {
  await list.search("", 1);
  await list.settled();
}

async function version(pg: Pg): Promise<number> {
  return Number((await pg.unsafe("SELECT version FROM contacts_version"))[0]!.version);
}

describe("PostgreSQL contact list", { skip: why }, () => {
  const pools: Pg[] = [];
  after(async () => {
    for (const p of pools) await p.end({ timeout: 5 });
  });
  // The store, the list of this instance (on a pool of its own) and another instance's connections.
  const open = async () => {
    const url = await pgServer.freshSchemaUrl();
    const repo = await openPostgresRepository({ url });
    const mine = connectPg(url, { max: 2 });
    const other = connectPg(url, { max: 2 });
    pools.push(mine, other);
    return { repo, list: new PgContactList(mine), other };
  };

  test("search_contacts equals the SQL search on generated people, before and after every kind of change", async () => {
    const { repo, list, other } = await open();
    try {
      await repo.commit(generatedContacts());
      await other.unsafe(ODD_ROWS);
      await assertSame(list, other, "generated");
      for (const [what, batch] of CONTACT_CHANGES) {
        await repo.commit(batch);
        await assertSame(list, other, what);
      }
      assert.ok((await list.search("anabel", 50)).some((p) => p.savedName === "Anabel Zed"), "the rename is found");
      // The needle is folded, the stored keys are compared as they are (PostgreSQL's LIKE is exact).
      assert.deepEqual((await list.search("MiXeD", 50)).map((p) => p.id), ["mixed2@s.whatsapp.net"], "stored text not folded");
      assert.deepEqual(await repo.searchContacts("MiXeD", 50), await list.search("MiXeD", 50), "the store answers through its list");
    } finally {
      await repo.close();
    }
  });

  test("a change another connection commits is seen by the next search; an uncommitted or rolled back one is not", async () => {
    // `list` is this instance's; `other` another instance writing to the same database.
    const { repo, list, other } = await open();
    try {
      await repo.commit(generatedContacts());
      assert.deepEqual(await list.search("quetzal", 50), []);
      await fresh(list); // built and current: only the version can tell it the change
      await other.unsafe("UPDATE people SET search_key = search_key || ' quetzal' WHERE id = $1", [pn(3)]);
      assert.deepEqual((await list.search("quetzal", 50)).map((p) => p.id), [pn(3)], "a person's key");
      await fresh(list); // built and current: only the version can tell it the change
      await other.unsafe("UPDATE chats SET search_key = 'chat ocelot' WHERE jid = $1", [pn(12)]);
      assert.deepEqual((await list.search("ocelot", 50)).map((p) => p.id), [pn(12)], "a chat's key");
      await fresh(list); // built and current: only the version can tell it the change
      await other.unsafe("INSERT INTO people (id, pn_jid, search_key) VALUES ('4930999@s.whatsapp.net', '4930999@s.whatsapp.net', 'tapir')");
      assert.deepEqual((await list.search("tapir", 50)).map((p) => p.id), ["4930999@s.whatsapp.net"], "a new person");
      await fresh(list); // built and current: only the version can tell it the change
      await other.unsafe("DELETE FROM people WHERE id = '4930999@s.whatsapp.net'");
      assert.deepEqual(await list.search("tapir", 50), [], "a deleted person");

      const before = await version(other);
      await assert.rejects(other.begin(async (tx) => {
        await tx.unsafe("UPDATE people SET search_key = 'okapi' WHERE id = $1", [pn(6)]);
        throw new Error("roll back");
      }));
      assert.equal(await version(other), before, "a rolled back change leaves the version");
      assert.deepEqual(await list.search("okapi", 50), []);

      // Open on another connection while the search runs: not visible, and not cached once it commits.
      await fresh(list);
      const reserved = await other.reserve();
      try {
        await reserved.unsafe("BEGIN");
        await reserved.unsafe("UPDATE people SET search_key = 'okapi' WHERE id = $1", [pn(6)]);
        assert.deepEqual(await list.search("okapi", 50), [], "uncommitted");
        await reserved.unsafe("COMMIT");
      } finally {
        reserved.release();
      }
      assert.deepEqual((await list.search("okapi", 50)).map((p) => p.id), [pn(6)], "committed");
      await assertSame(list, other, "after the other connection's changes");
    } finally {
      await repo.close();
    }
  });

  test("an import's chat activity and unchanged people do not move the version; one transaction moves it once", async () => {
    const { repo, other } = await open();
    try {
      await repo.commit(generatedContacts());
      const v0 = await version(other);
      const ops: WriteOp[] = [];
      for (let i = 1; i < 200; i++) if (i % 7 !== 0) ops.push({ op: "upsertMessage", message: message(pn(i), `m${i}`, pn(i), 1_700_000_000_000 + i) });
      await repo.commit(ops);
      await repo.commit([{ op: "upsertPerson", person: { pnJid: pn(1), pushName: `${FIRST[1]} ${LAST[3]}` } }]);
      assert.equal(await version(other), v0, "messages (new chats without names, known senders) and a person upsert that changes nothing");
      await repo.commit([
        { op: "upsertPerson", person: { pnJid: pn(1), savedName: "Quokka" } },
        { op: "upsertPerson", person: { pnJid: pn(2), savedName: "Quagga" } },
        { op: "upsertChat", chat: { jid: pn(4), name: "Quail" } },
      ]);
      assert.equal(await version(other), v0 + 1);
    } finally {
      await repo.close();
    }
  });
});

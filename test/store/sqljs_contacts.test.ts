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
import type { MessageRow, Repository, WriteOp } from "../../src/store/types.ts";

const root = mkdtempSync(join(tmpdir(), "wa-contacts-"));
after(() => rmSync(root, { recursive: true, force: true }));

const FIRST = ["Ana", "anastasia", "Hana", "JOSÉ", "Zoë", "Ðorđe", "Łukasz", "Дана", "María", "Søren", "O'Neil", "50%_off", "back\\slash"];
const LAST = ["Müller", "SMITH", "Иванова", "Banana", "García", "Kowalski", "Nguyễn", "Öztürk"];
const QUERIES = [
  "ana", "ANA", "Ana", "an", "a", "", "  ana  ", "é", "e", "zoe", "ZOË", "dorde", "lukasz", "дана", "ДАНА", "müller", "muller",
  "+49 151", "49151", "151 000", "0001", "@lid", "@s.whatsapp", "2012", "%", "_", "\\", "50%_", "o'n", "banana", "xyz",
  "group", "nguyen", "s.whatsapp.net", "ÖZ",
];

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

function message(chatJid: string, id: string, senderId: string): MessageRow {
  return {
    chatJid, id, senderId, fromMe: false, ts: 1_700_000_000_000, type: "text", text: "hi", quotedId: null, editedText: null,
    editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw: null,
  };
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
      const ops: WriteOp[] = [];
      for (let i = 0; i < 300; i++) {
        const pn = `49151${String(1000 + i).padStart(7, "0")}@s.whatsapp.net`;
        const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 3) % LAST.length]}`;
        if (i % 7 === 0) ops.push({ op: "upsertPerson", person: { lid: `2012${i}@lid`, pushName: name } });
        else if (i % 5 === 0) ops.push({ op: "upsertPerson", person: { pnJid: pn } }); // no name at all
        else ops.push({ op: "upsertPerson", person: { pnJid: pn, pushName: name, savedName: i % 2 ? name.toUpperCase() : null } });
        if (i % 4 === 0) ops.push({ op: "upsertChat", chat: { jid: pn, name: i % 8 === 0 ? `Chat ${LAST[i % LAST.length]}` : undefined } });
      }
      ops.push({ op: "upsertChat", chat: { jid: "120363000000000001@g.us", name: "Ana's group" } });
      await repo.commit(ops);
      await assertSame(repo, reference, "generated");

      const pn = (i: number) => `49151${String(1000 + i).padStart(7, "0")}@s.whatsapp.net`;
      const changes: Array<[string, WriteOp[]]> = [
        ["a rename", [{ op: "upsertPerson", person: { pnJid: pn(1), savedName: "Anabel Zed" } }]],
        ["a chat name", [{ op: "upsertChat", chat: { jid: pn(4), name: "Banana Chat" } }]],
        ["a LID linked to its number", [{ op: "linkLid", lid: "20127@lid", pnJid: pn(7) }]],
        ["a chat deleted", [{ op: "deleteChat", jid: pn(8) }]],
        ["a new sender", [{ op: "upsertMessage", message: message("120363000000000001@g.us", "m1", "4915199999999@s.whatsapp.net") }]],
        ["a business name", [{ op: "upsertPerson", person: { pnJid: pn(2), businessName: "Ananas GmbH" } }]],
      ];
      for (const [what, batch] of changes) {
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

/**
 * Migration 0011 (integer chat and sender keys, `messages` becomes a view): a store written by
 * the schema before it reads exactly the same afterwards. The data is written once by the
 * current code; a 0010-era copy holds the same rows in the old table (as that schema stored
 * them); opening that copy migrates it, and every read is compared with the original's.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs, { type Database } from "sql.js";
import { migrationsFor } from "../../src/store/migrations.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { Repository, WriteOp } from "../../src/store/types.ts";
import { msg } from "./sqljs_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-0011-"));
after(() => rmSync(root, { recursive: true, force: true }));

const PN = "4915112345678@s.whatsapp.net";
const PN2 = "4915187654321@s.whatsapp.net";
const LID = "201234567890123@lid";
const GROUP = "120363000000000001@g.us";
const ME = "4915100000000@s.whatsapp.net";


const doc = { mimetype: "application/pdf", fileName: "quarterly report.pdf", fileLength: 10, durationSec: null, directPath: "/d", url: null,
  mediaKey: new Uint8Array([1, 2, 3]), fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: 5 };

/** Chats of every kind, senders in groups, media, raw blobs, edits, revokes, reactions, receipts, a LID merge. */
function dataset(): WriteOp[][] {
  const ops: WriteOp[] = [
    { op: "upsertChat", chat: { jid: GROUP, name: "Project group" } },
    { op: "upsertPerson", person: { id: PN, pnJid: PN, pushName: "Anna" } },
    { op: "upsertPerson", person: { id: PN2, pnJid: PN2, savedName: "Bert" } },
    { op: "setParticipants", groupJid: GROUP, mode: "replace", participants: [{ personId: PN, admin: "admin" }, { personId: PN2, admin: null }] },
  ];
  for (let i = 0; i < 60; i++) {
    const chat = [PN, PN2, GROUP, LID][i % 4]!;
    const sender = chat === GROUP ? [PN, PN2, LID][i % 3]! : i % 5 === 0 ? ME : chat;
    ops.push(msg(chat, `M${i}`, 1_000_000 + i * 1000 + (i % 7 === 0 ? 0 : 1), i % 9 === 0 ? null : `words number ${i} common ${i % 2 ? "odd" : "even"}`, {
      senderId: sender,
      fromMe: sender === ME,
      raw: i % 3 === 0 ? new Uint8Array([i, 1, 2]) : null,
      ...(i % 10 === 4 ? { type: "document" as const, media: doc } : {}),
      status: sender === ME ? 2 : null,
    }));
  }
  const later: WriteOp[] = [
    { op: "editMessage", chatJid: PN, id: "M4", text: "edited common words", editedAt: 2_000_000, by: { fromMe: false, id: PN } },
    { op: "revokeMessage", chatJid: PN2, id: "M5", by: { fromMe: false, id: PN2 } },
    { op: "upsertReaction", reaction: { chatJid: GROUP, messageId: "M2", reactorId: PN, emoji: "👍", ts: 1_100_000 } },
    { op: "upsertReaction", reaction: { chatJid: GROUP, messageId: "M2", reactorId: PN2, emoji: "❤", ts: 1_100_001 } },
    { op: "upsertReceipt", receipt: { chatJid: PN, messageId: "M0", personId: PN, type: "read", ts: 1_200_000 } },
    { op: "deleteMessage", chatJid: GROUP, id: "M6" },
  ];
  // The LID's phone number becomes known only after the migration (see the test): the old rows move then.
  return [ops, later];
}

async function readAll(repo: Repository): Promise<unknown> {
  const out: Record<string, unknown> = {};
  out.chats = await repo.listChats({ sortBy: "last_active", includeLastMessage: true, limit: 50 });
  out.chatsByName = await repo.listChats({ sortBy: "name", includeLastMessage: true, limit: 50, query: "o" });
  for (const chat of [PN, PN2, GROUP, LID]) {
    out[`newest ${chat}`] = await repo.listMessages({ chatJid: chat, limit: 100 });
    out[`oldest ${chat}`] = await repo.listMessages({ chatJid: chat, limit: 5, order: "oldest" });
    out[`search ${chat}`] = await repo.listMessages({ chatJid: chat, query: "common", limit: 100 });
    out[`chat ${chat}`] = await repo.getChat(chat, true);
  }
  for (const sender of [PN, PN2, LID, ME]) {
    out[`sender ${sender}`] = await repo.listMessages({ senderId: sender, limit: 100 });
    out[`sender search ${sender}`] = await repo.listMessages({ senderId: sender, query: "words", limit: 100, order: "relevance" });
    out[`last ${sender}`] = await repo.getLastInteraction(sender);
    out[`contact chats ${sender}`] = await repo.getContactChats(sender, 50, 0);
  }
  out.all = await repo.listMessages({ limit: 1000 });
  out.dates = await repo.listMessages({ after: 1_010_000, before: 1_040_000, limit: 1000 });
  out.docs = await repo.listMessages({ types: ["document"], hasMedia: true, limit: 1000 });
  out.phrase = await repo.listMessages({ query: '"quarterly report"', limit: 100 });
  out.exclude = await repo.listMessages({ query: "NOT odd", chatJid: GROUP, limit: 100 });
  out.search = await repo.listMessages({ query: "common", limit: 100, order: "oldest" });
  for (const [chat, id] of [[PN, "M0"], [PN, "M4"], [PN2, "M5"], [GROUP, "M2"], [LID, "M3"], [GROUP, "M6"]] as const) {
    out[`get ${chat} ${id}`] = await repo.getMessage(chat, id);
    out[`raw ${chat} ${id}`] = await repo.getRawMessage(chat, id);
    out[`context ${chat} ${id}`] = await repo.getMessageContext(chat, id, 3, 3);
    out[`receipts ${chat} ${id}`] = await repo.getReceipts(chat, id);
    out[`find ${id}`] = await repo.findMessageChats(id, 10);
  }
  out.contexts = await repo.getMessageContexts([{ chatJid: PN, id: "M8" }, { chatJid: GROUP, id: "M10" }, { chatJid: LID, id: "nope" }], 2, 2);
  // The counters and instants (sizes and engine work differ between two stores by nature).
  const { messages, chats, people, oldestMessageAt, newestMessageAt, refusedChanges } = await repo.stats();
  out.stats = { messages, chats, people, oldestMessageAt, newestMessageAt, refusedChanges };
  return out;
}

/** A 0010-era copy of `db`: the same rows, the messages in the old table (the new view's columns). */
function oldEraCopy(SQL: Awaited<ReturnType<typeof initSqlJs>>, db: Database): Database {
  const old = new SQL.Database();
  migrateSqlite(old, { migrations: migrationsFor("sqlite").filter((m) => m.version <= 10) });
  const tables = (old.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
    AND name NOT LIKE 'messages_fts%' AND name NOT IN ('schema_migrations', 'fts_pending')`)[0]?.values ?? []).map((r) => String(r[0]));
  assert.ok(tables.includes("messages"));
  for (const table of tables) {
    const cols = (old.exec(`SELECT name FROM pragma_table_info('${table}')`)[0]?.values ?? []).map((r) => String(r[0]));
    const list = cols.join(", ");
    const rows = db.exec(`SELECT ${list} FROM ${table}`)[0]?.values ?? [];
    for (const row of rows) old.run(`INSERT INTO ${table} (${list}) VALUES (${cols.map(() => "?").join(", ")})`, row);
  }
  return old;
}

describe("sql.js migration 0011 (integer chat and sender keys)", () => {
  test("a 0010-era store with data reads exactly the same after the migration, and keeps taking writes alike", async () => {
    const SQL = await initSqlJs();
    const [first, later] = dataset();
    const srcDir = join(root, "src");
    const src = await openSqljsRepository({ dir: srcDir });
    await src.commit(first!);
    await src.commit(later!);
    const expected = await readAll(src);
    await src.close();

    // The original's image, then its 0010-era copy (the old schema's triggers queue its words for the index).
    const image = new SQL.Database(readFileSync(join(srcDir, "store.sqlite")));
    const old = oldEraCopy(SQL, image);
    assert.equal(old.exec("SELECT count(*) FROM messages")[0]?.values[0]?.[0], image.exec("SELECT count(*) FROM messages")[0]?.values[0]?.[0]);
    const oldDir = join(root, "old");
    mkdirSync(oldDir, { recursive: true });
    writeFileSync(join(oldDir, "store.sqlite"), old.export());
    image.close();
    old.close();

    const migrated = await openSqljsRepository({ dir: oldDir });
    try {
      const got = await readAll(migrated);
      for (const key of Object.keys(expected as object)) {
        assert.deepEqual((got as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], key);
      }
      // Writes after the migration, including a LID merge that moves messages between chats and senders.
      const more: WriteOp[] = [
        msg(GROUP, "N1", 3_000_000, "new common words", { senderId: LID }),
        { op: "linkLid", lid: LID, pnJid: PN },
        { op: "editMessage", chatJid: GROUP, id: "M1", text: "changed common", editedAt: 3_100_000, by: { fromMe: false, id: PN2 } },
      ];
      const again = await openSqljsRepository({ dir: srcDir });
      try {
        await again.commit(more);
        await migrated.commit(more);
        const a = await readAll(again) as Record<string, unknown>;
        const b = await readAll(migrated) as Record<string, unknown>;
        for (const key of Object.keys(a)) assert.deepEqual(b[key], a[key], `after writes: ${key}`);
        assert.ok(JSON.stringify(a[`newest ${PN}`]).includes("N1") === false && JSON.stringify(a[`sender ${PN}`]).includes("N1"), "the merge moved the sender");
      } finally {
        await again.close();
      }
    } finally {
      await migrated.close();
    }
  });
});

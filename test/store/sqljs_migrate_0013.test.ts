/**
 * Migration 0013 (compact message ids and direct paths, src/store/sqljs/message_keys.ts): an
 * uppercase even-length hex id is stored as bytes, every other id as the same text; a direct path
 * that is its URL's path is stored as a marker. Every read gives back exactly what was written,
 * on a new store and on a 0012-era store upgraded in place; lookups, changes and joins by id
 * find the rows whichever form they have.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs, { type Database } from "sql.js";
import { proto } from "@whiskeysockets/baileys";
import { migrationsFor } from "../../src/store/migrations.ts";
import { registerSqlFunctions } from "../../src/store/sqljs/functions.ts";
import { idKey, idText, messageIdKey } from "../../src/store/sqljs/message_keys.ts";
import { migrateSqlite } from "../../src/store/sqljs/migrate.ts";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { MediaInfo, Repository, WriteOp } from "../../src/store/types.ts";
import { msg } from "./sqljs_fixtures.ts";
import { copyRows, dataset, GROUP, PN, PN2, readAll, sameAfterWrites, saveOldEra } from "./sqljs_migrate_fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "wa-sqljs-0013-"));
after(() => rmSync(root, { recursive: true, force: true }));

const rowsOf = (db: Database, sql: string): unknown[][] => db.exec(sql)[0]?.values ?? [];

/** Ids stored as bytes (uppercase hex, even length; "0012" too: it comes back as the same text). */
const HEX_IDS = ["3EB0C0FFEE0123456789", "BAE5F00D1234567890AB", "A1B2C3D4E5F60718293A4B5C6D7E8F90", "00", "ABCD", "0012"];
/** Ids kept as text: lowercase and mixed-case hex, odd length, not hex, hex-looking with a space, a number-like id. */
const TEXT_IDS = ["abcd", "3eb0c0ffee0123456789", "3EB0c0ffee01", "3EB0C0FFEE012345678", "ABCG", "AB CD", "X", "M-1", "12345"];
const IDS = [...HEX_IDS, ...TEXT_IDS];
/** The chat of IDS[i] (the ids in two cases share one; those the tests change are in it too). */
const chatOf = (i: number): string => (["abcd", "ABCD", "3eb0c0ffee0123456789", "3EB0C0FFEE0123456789", "3EB0C0FFEE012345678", "A1B2C3D4E5F60718293A4B5C6D7E8F90"].includes(IDS[i]!) ? PN : [PN, GROUP][i % 2]!);

const URL1 = "https://mmg.whatsapp.net/v/t62.7118-24/11_22_n.enc?ccb=11-4&oh=01_Q5AaIABC&oe=6A0B&_nc_sid=5e03e0&mms3=true";
const URL2 = "https://mmg.whatsapp.net/v/t62.7118-24/33_44_n.enc?ccb=11-4&oh=01_Q5AaIDEF&oe=6A0C&_nc_sid=5e03e0&mms3=true";
const media = (directPath: string | null, url: string | null): MediaInfo => ({
  mimetype: "image/jpeg", fileName: null, fileLength: 100, durationSec: null, directPath, url,
  mediaKey: new Uint8Array([1, 2, 3]), fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: 7,
});
/** [id, direct path, url]: the path implied by the URL (the marker), another path, no path, no URL, a URL not https, an empty path. */
const MEDIA: Array<[string, string | null, string | null]> = [
  ["3EB0AA01", URL1.slice("https://mmg.whatsapp.net".length), URL1],
  ["3EB0AA02", "/v/t62.7118-24/11_22_n.enc?ccb=11-4&oh=01_Q5AaIABC&oe=6A0B&_nc_sid=5e03e0", URL1],
  ["3EB0AA03", null, URL1],
  ["3EB0AA04", "/o1/v/t24/f2/m232/AQN", null],
  ["3EB0AA05", "/x?y", "http://host/x?y"],
  ["3eb0aa06", "", "https://host"],
  ["3EB0AA07", URL2.slice("https://mmg.whatsapp.net".length), URL2],
];

/** A real proto for a message (its residual is cut against the row's id, quoted id and media columns). */
function rawOf(chat: string, id: string, text: string, quoted: string | null): Uint8Array {
  const message = quoted
    ? { extendedTextMessage: { text, contextInfo: { stanzaId: quoted, participant: chat } } }
    : { conversation: text };
  return new Uint8Array(proto.WebMessageInfo.encode(proto.WebMessageInfo.fromObject({ key: { remoteJid: chat, fromMe: false, id }, message, messageTimestamp: 1_000 })).finish());
}

/** Messages under every kind of id, quoting each other, with reactions, receipts and media of every kind. */
function keyOps(): WriteOp[] {
  const ops: WriteOp[] = [];
  IDS.forEach((id, i) => {
    const chat = chatOf(i);
    const quoted = i > 0 ? IDS[i - 1]! : null;
    const text = `key words ${i} common`;
    ops.push(msg(chat, id, 3_000_000 + i * 1000, text, { senderId: chat === GROUP ? PN2 : chat, quotedId: quoted, raw: rawOf(chat, id, text, quoted) }));
  });
  // The same ids in another chat: one message per (id, chat).
  for (const id of ["3EB0C0FFEE0123456789", "abcd"]) ops.push(msg(PN2, id, 3_100_000, `twin ${id} common`));
  MEDIA.forEach(([id, directPath, url], i) => {
    ops.push(msg(PN, id, 3_200_000 + i * 1000, null, { type: "image", media: media(directPath, url) }));
  });
  ops.push(
    { op: "upsertReaction", reaction: { chatJid: PN, messageId: "3EB0C0FFEE0123456789", reactorId: PN, emoji: "👍", ts: 3_300_000 } },
    { op: "upsertReaction", reaction: { chatJid: PN, messageId: "abcd", reactorId: PN, emoji: "❤", ts: 3_300_001 } },
    { op: "upsertReceipt", receipt: { chatJid: GROUP, messageId: "BAE5F00D1234567890AB", personId: PN2, type: "read", ts: 3_300_002 } },
    { op: "upsertReceipt", receipt: { chatJid: PN, messageId: "3eb0c0ffee0123456789", personId: PN2, type: "read", ts: 3_300_003 } },
    { op: "editMessage", chatJid: PN, id: "3EB0C0FFEE012345678", text: "edited odd common", editedAt: 3_400_000, by: { fromMe: false, id: PN } },
    { op: "editMessage", chatJid: PN, id: "A1B2C3D4E5F60718293A4B5C6D7E8F90", text: "edited hex common", editedAt: 3_400_001, by: { fromMe: false, id: PN } },
    { op: "revokeMessage", chatJid: GROUP, id: "00", by: { fromMe: false, id: PN2 } },
    // A change before its message (held), then the message: the held change finds it by id.
    { op: "editMessage", chatJid: PN2, id: "BAE5C0DE", text: "held edit common", editedAt: 3_500_100, by: { fromMe: false, id: PN2 } },
    msg(PN2, "BAE5C0DE", 3_500_000, "late original common"),
    // A merge with a new URL and no path keeps the stored path (the one the old URL implied).
    msg(PN, "3EB0AA01", 3_200_000, null, { type: "image", media: media(null, URL2) }),
  );
  return ops;
}

/** Every read of the messages under these ids. */
async function readKeys(repo: Repository): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const id of [...IDS, ...MEDIA.map((m) => m[0]), "BAE5C0DE", "3eb0c0ffee0123456789".toUpperCase().slice(0, 18)]) {
    for (const chat of [PN, PN2, GROUP]) {
      out[`get ${chat} ${id}`] = await repo.getMessage(chat, id);
      out[`raw ${chat} ${id}`] = await repo.getRawMessage(chat, id);
      out[`context ${chat} ${id}`] = await repo.getMessageContext(chat, id, 2, 2);
      out[`receipts ${chat} ${id}`] = await repo.getReceipts(chat, id);
    }
    out[`find ${id}`] = await repo.findMessageChats(id, 10);
  }
  out.neighbours = await repo.getMessageNeighbours(IDS.map((id, i) => ({ chatJid: chatOf(i), id })), 1, 1);
  out.all = await repo.listMessages({ limit: 1000 });
  out.search = await repo.listMessages({ query: "common", limit: 1000, order: "relevance" });
  out.chats = await repo.listChats({ sortBy: "last_active", includeLastMessage: true, limit: 50 });
  return out;
}

function assertSame(got: Record<string, unknown>, want: Record<string, unknown>, what: string): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), what);
  for (const key of Object.keys(want)) assert.deepEqual(got[key], want[key], `${what}: ${key}`);
}

/** Writes after the upgrade: changes addressed by id (both forms), a merge, a delete, a new hex id. */
const MORE: WriteOp[] = [
  { op: "editMessage", chatJid: PN, id: "3EB0C0FFEE0123456789", text: "changed hex common", editedAt: 4_000_000, by: { fromMe: false, id: PN } },
  { op: "editMessage", chatJid: PN, id: "3eb0c0ffee0123456789", text: "changed lower common", editedAt: 4_000_001, by: { fromMe: false, id: PN2 } },
  { op: "revokeMessage", chatJid: PN, id: "abcd", by: { fromMe: false, id: PN } },
  { op: "setMessageStatus", chatJid: PN, id: "ABCD", status: 3 },
  { op: "deleteMessage", chatJid: GROUP, id: "BAE5F00D1234567890AB" },
  { op: "deleteMessage", chatJid: PN, id: "X" },
  msg(PN, "3EB0AA02", 3_201_000, null, { type: "image", media: media(null, URL2) }),
  msg(PN, "ABCD", 3_004_000, "merged text common", { quotedId: "abcd" }),
  msg(GROUP, "3EB0FFFF0000111122223333", 4_100_000, "new hex common", { senderId: PN2, quotedId: "3EB0C0FFEE0123456789" }),
];

describe("sql.js migration 0013 (compact message ids and direct paths)", () => {
  test("every id comes back as written; hex ids are stored as bytes, others as the same text; lookups by id find both", async () => {
    const dir = join(root, "new");
    const repo = await openSqljsRepository({ dir });
    try {
      await repo.commit(keyOps());
      for (const [i, id] of IDS.entries()) {
        const chat = chatOf(i);
        const m = await repo.getMessage(chat, id);
        assert.equal(m?.id, id, id);
        assert.equal(m?.quotedId ?? null, i > 0 ? IDS[i - 1] : null, `quoted ${id}`);
        assert.deepEqual(await repo.findMessageChats(id, 10), id === "3EB0C0FFEE0123456789" || id === "abcd" ? [PN2, chat] : [chat], `find ${id}`);
        assert.ok((await repo.getRawMessage(chat, id))!.length > 0, `raw ${id}`);
      }
      // Case matters: "ABCD" and "abcd" are two messages; a lookup in the other case finds nothing.
      assert.equal((await repo.getMessage(PN, "ABCD"))?.text, `key words ${IDS.indexOf("ABCD")} common`);
      assert.equal((await repo.getMessage(PN, "abcd"))?.text, `key words ${IDS.indexOf("abcd")} common`);
      assert.equal((await repo.getMessage(PN, "3eb0c0ffee0123456789"))?.text, `key words ${IDS.indexOf("3eb0c0ffee0123456789")} common`);
      assert.equal((await repo.getMessage(PN, "3EB0C0FFEE0123456789"))?.text, `key words ${IDS.indexOf("3EB0C0FFEE0123456789")} common`);
      assert.equal(await repo.getMessage(GROUP, "3eb0c0ffee012345678"), null);
      assert.equal(await repo.getMessage(GROUP, "bae5f00d1234567890ab"), null);
      assert.equal((await repo.getMessage(PN, "3EB0C0FFEE0123456789"))?.reactions?.[0]?.emoji ?? null, "👍");
      assert.equal((await repo.getMessage(PN, "abcd"))?.reactions?.[0]?.emoji ?? null, "❤");
      assert.equal((await repo.getMessage(PN, "3EB0C0FFEE012345678"))?.editedText, "edited odd common");
      assert.equal((await repo.getMessage(PN, "A1B2C3D4E5F60718293A4B5C6D7E8F90"))?.editedText, "edited hex common");
      assert.equal((await repo.getMessage(GROUP, "00"))?.revoked, true);
      assert.equal((await repo.getMessage(PN2, "BAE5C0DE"))?.editedText, "held edit common");
      const paths = await Promise.all(MEDIA.map(async ([id]) => (await repo.getMessage(PN, id))?.media?.directPath ?? null));
      assert.deepEqual(paths, MEDIA.map(([, path]) => path), "direct paths as written");
      assert.equal((await repo.getMessage(PN, "3EB0AA01"))?.media?.url, URL2, "the merge took the new URL");
    } finally {
      await repo.close();
    }
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(join(dir, "store.sqlite")));
    try {
      const stored = new Map(rowsOf(db, "SELECT typeof(id), hex(id), id FROM message_rows WHERE chat = (SELECT key FROM jids WHERE jid = '" + PN + "') OR chat = (SELECT key FROM jids WHERE jid = '" + GROUP + "')")
        .map(([type, hex, id]) => [type === "blob" ? String(hex) : String(id), type]));
      for (const id of HEX_IDS) assert.equal(stored.get(id), "blob", id);
      for (const id of TEXT_IDS) assert.equal(stored.get(id), "text", id);
      const marks = rowsOf(db, "SELECT typeof(media_direct_path) FROM message_rows WHERE media_url IS NOT NULL OR media_direct_path IS NOT NULL ORDER BY pk").map((r) => r[0]);
      // The first one's path was implied by its URL until the merge changed the URL: then stored as text.
      assert.deepEqual(marks, ["text", "text", "null", "text", "text", "text", "blob"], "only the path its URL implies is a marker");
    } finally {
      db.close();
    }
  });

  test("a 0012-era store reads exactly the same after the upgrade, and keeps taking writes alike", async () => {
    const SQL = await initSqlJs();
    const srcDir = join(root, "src");
    const src = await openSqljsRepository({ dir: srcDir });
    let expected: Record<string, unknown>;
    try {
      const [first, later] = dataset();
      await src.commit(first!);
      await src.commit(keyOps());
      await src.commit(later!);
      expected = { ...await readAll(src) as Record<string, unknown>, ...await readKeys(src) };
    } finally {
      await src.close();
    }

    // The same rows in a store at 0012: ids, quoted ids and paths as text (what the 0012 view shows).
    const image = new SQL.Database(readFileSync(join(srcDir, "store.sqlite")));
    const old = new SQL.Database();
    migrateSqlite(old, { migrations: migrationsFor("sqlite").filter((m) => m.version <= 12) });
    const asText: Record<string, string> = { chat: "chat_key", sender: "sender_key" };
    copyRows(image, old, (table, list) => table === "message_rows"
      ? `SELECT ${list.split(", ").map((c) => asText[c] ?? c).join(", ")} FROM messages`
      : `SELECT ${list} FROM ${table}`);
    // Indexed as the 0012 code indexed it (the 0012 view's scope tokens): today's rounds write 0014's
    // tokens, which the 0012 view would not match at the open's full-text check.
    registerSqlFunctions(old);
    old.exec("DELETE FROM fts_pending; INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')");
    assert.ok(Number(rowsOf(old, "SELECT count(*) FROM message_rows WHERE typeof(id) = 'blob' OR typeof(media_direct_path) = 'blob'")[0]![0]) === 0);
    const before = rowsOf(old, "SELECT * FROM messages ORDER BY pk");
    assert.ok(before.length > 60);
    const oldDir = join(root, "old");
    saveOldEra(oldDir, old, image);

    // The 0012 view's rows, column for column, after the upgrade.
    const direct = new SQL.Database(readFileSync(join(oldDir, "store.sqlite")));
    try {
      registerSqlFunctions(direct);
      migrateSqlite(direct);
      const cols = rowsOf(direct, "SELECT name FROM pragma_table_info('messages')").map((r) => String(r[0])).filter((c) => c !== "id_key");
      assert.deepEqual(rowsOf(direct, `SELECT ${cols.join(", ")} FROM messages ORDER BY pk`), before, "the view's rows");
      assert.ok(Number(rowsOf(direct, "SELECT count(*) FROM message_rows WHERE typeof(id) = 'blob'")[0]![0]) >= HEX_IDS.length + MEDIA.length - 1, "hex ids are bytes");
      assert.deepEqual(rowsOf(direct, "PRAGMA integrity_check"), [["ok"]]);
    } finally {
      direct.close();
    }

    const migrated = await openSqljsRepository({ dir: oldDir });
    try {
      assertSame({ ...await readAll(migrated) as Record<string, unknown>, ...await readKeys(migrated) }, expected, "upgraded");
      await sameAfterWrites(srcDir, migrated, MORE);
      const again = await openSqljsRepository({ dir: srcDir });
      try {
        assertSame(await readKeys(migrated), await readKeys(again), "after writes");
        assert.equal((await migrated.getMessage(PN, "ABCD"))?.status, 3);
        assert.equal((await migrated.getMessage(GROUP, "BAE5F00D1234567890AB")), null);
        assert.deepEqual(await migrated.getReceipts(GROUP, "BAE5F00D1234567890AB"), []);
        assert.equal((await migrated.getMessage(PN, "3EB0AA02"))?.media?.directPath, MEDIA[1]![1], "a merge keeps a path its new URL does not imply");
      } finally {
        await again.close();
      }
    } finally {
      await migrated.close();
    }
  });

  test("clearing a chat before an instant drops the reactions and receipts of its hex-id messages too", async () => {
    const repo = await openSqljsRepository({ dir: join(root, "clear") });
    try {
      await repo.commit(keyOps());
      assert.equal((await repo.getMessage(PN, "3EB0C0FFEE0123456789"))?.reactions?.length, 1);
      await repo.commit([{ op: "clearChat", jid: PN, before: 3_001_000 }]);
      await repo.commit([msg(PN, "3EB0C0FFEE0123456789", 3_000_000, "again common")]);
      assert.deepEqual((await repo.getMessage(PN, "3EB0C0FFEE0123456789"))?.reactions, [], "the old reaction went with its message");
      assert.equal((await repo.getMessage(PN, "abcd"))?.reactions?.[0]?.emoji, "❤", "a later message keeps its own");
    } finally {
      await repo.close();
    }
  });

  test("a lookup by id (a parameter, or a column of another table) probes the (id, chat) key", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    try {
      migrateSqlite(db);
      const plan = (sql: string) => rowsOf(db, `EXPLAIN QUERY PLAN ${sql}`).map((r) => String(r[3])).join(" | ");
      const key = /sqlite_autoindex_message_rows_1 \(id=\? AND chat=\?\)/;
      assert.match(plan(`UPDATE message_rows SET status = 1 WHERE chat = 1 AND id = ${idKey("?1")}`), key);
      assert.match(plan(`SELECT raw FROM messages WHERE chat_key = 1 AND id_key = ${idKey("?1")}`), key);
      assert.match(plan(`SELECT 1 FROM pending_changes WHERE EXISTS (SELECT 1 FROM message_rows m WHERE m.id = ${idKey("pending_changes.id")} AND m.chat = 1)`), key);
    } finally {
      db.close();
    }
  });

  test("the insert path's JS encoding is the SQL one, and decodes to the same text", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    try {
      // Every pair of characters near the hex digits' codes (and beyond 127: codes that mask to a digit's), in both places.
      const near = ["/", "0", "9", ":", "@", "A", "F", "G", "`", "a", "f", "g", "\u0130", "\u0141", "\u0146", "\u0230", "\uFF21", "\u{1F600}"];
      const pairs = near.flatMap((x) => near.map((y) => x + y));
      const ids = [...IDS, ...pairs, ...pairs.map((p) => `3EB0${p}`), "", "A", "AB", "ab", "0G", "G0", "ÄB", "AB\n", "\nAB", "AB ", "3EB0C0FFEE0123456789".repeat(5), "0x12", "-12", "１２"];
      for (const id of ids) {
        const [sqlKey, text] = db.exec(`SELECT ${idKey("?1")}, ${idText(idKey("?1"))}`, [id])[0]!.values[0]!;
        assert.deepEqual(messageIdKey(id), sqlKey, JSON.stringify(id));
        assert.equal(text, id, JSON.stringify(id));
      }
    } finally {
      db.close();
    }
  });
});

/**
 * A store's data for the migration tests (written by the current code, then copied into an older
 * schema): every kind of chat, senders in groups, media, raw blobs, edits, revokes, reactions,
 * receipts, a LID merge; and every read the comparisons make.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "sql.js";
import { openSqljsRepository } from "../../src/store/sqljs/repository.ts";
import type { Repository, WriteOp } from "../../src/store/types.ts";
import { msg } from "./sqljs_fixtures.ts";

export const PN = "4915112345678@s.whatsapp.net";
export const PN2 = "4915187654321@s.whatsapp.net";
export const LID = "201234567890123@lid";
export const GROUP = "120363000000000001@g.us";
export const ME = "4915100000000@s.whatsapp.net";

const doc = { mimetype: "application/pdf", fileName: "quarterly report.pdf", fileLength: 10, durationSec: null, directPath: "/d", url: null,
  mediaKey: new Uint8Array([1, 2, 3]), fileSha256: null, fileEncSha256: null, mediaKeyTimestamp: 5 };

/** Chats of every kind, senders in groups, media, raw blobs, edits, revokes, reactions, receipts, a LID merge. */
export function dataset(): WriteOp[][] {
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

/** Every read the migration tests compare (pages with their cursors). */
export async function readAll(repo: Repository): Promise<unknown> {
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
  // Bounds inside a second (messages at its whole second and at its first millisecond).
  out.msDates = await repo.listMessages({ after: 1_010_001, before: 1_040_001, limit: 1000 });
  out.msDatesSearch = await repo.listMessages({ query: "common", after: 1_014_001, before: 1_049_001, limit: 1000 });
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
  out.contexts = await repo.getMessageNeighbours([{ chatJid: PN, id: "M8" }, { chatJid: GROUP, id: "M10" }, { chatJid: LID, id: "nope" }], 2, 2);
  // The counters and instants (sizes and engine work differ between two stores by nature).
  const { messages, chats, people, oldestMessageAt, newestMessageAt, refusedChanges } = await repo.stats();
  out.stats = { messages, chats, people, oldestMessageAt, newestMessageAt, refusedChanges };
  return out;
}

/** Writes `batches` to a new store in `dir` with the current code; returns every read of it. */
export async function writtenStore(dir: string, batches: WriteOp[][]): Promise<Record<string, unknown>> {
  const src = await openSqljsRepository({ dir });
  try {
    for (const batch of batches) await src.commit(batch);
    return await readAll(src) as Record<string, unknown>;
  } finally {
    await src.close();
  }
}

/**
 * Copies into `to` the rows of its tables from `from` (not the index, its queue or the migration
 * log); `select` gives a table's SELECT of the column list (a rewrite of some column). Returns the tables.
 */
export function copyRows(from: Database, to: Database, select = (table: string, list: string) => `SELECT ${list} FROM ${table}`): string[] {
  const names = (db: Database, sql: string) => (db.exec(sql)[0]?.values ?? []).map((r) => String(r[0]));
  const tables = names(to, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
    AND name NOT LIKE 'messages_fts%' AND name NOT IN ('schema_migrations', 'fts_pending')`);
  for (const table of tables) {
    const cols = names(to, `SELECT name FROM pragma_table_info('${table}')`);
    const list = cols.join(", ");
    const rows = from.exec(select(table, list))[0]?.values ?? [];
    for (const row of rows) to.run(`INSERT INTO ${table} (${list}) VALUES (${cols.map(() => "?").join(", ")})`, row);
  }
  return tables;
}

/** Saves `db` as the store image of `dir` (an old-era store to open). */
export function saveStore(dir: string, db: Database): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "store.sqlite"), db.export());
}

/** Saves the old-era image `old` as the store of `dir`, then closes it and the `image` it was copied from. */
export function saveOldEra(dir: string, old: Database, image: Database): void {
  saveStore(dir, old);
  image.close();
  old.close();
}

/** Commits `more` to `migrated` and to the store written in `srcDir`; every read must then be the same. */
export async function sameAfterWrites(srcDir: string, migrated: Repository, more: WriteOp[]): Promise<Record<string, unknown>> {
  const again = await openSqljsRepository({ dir: srcDir });
  try {
    await again.commit(more);
    await migrated.commit(more);
    const a = await readAll(again) as Record<string, unknown>;
    const b = await readAll(migrated) as Record<string, unknown>;
    for (const key of Object.keys(a)) assert.deepEqual(b[key], a[key], `after writes: ${key}`);
    return a;
  } finally {
    await again.close();
  }
}

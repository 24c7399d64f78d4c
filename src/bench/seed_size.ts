/**
 * Store size against the original's: the same messages written once in the original Go
 * bridge's schema (`messages.db`: text JIDs and timestamps, PRIMARY KEY (id, chat_jid), no other
 * index) and once into our store through `import-seed` (the path a user moving over takes). The
 * ratio is what a side-by-side comparison of the two stores on disk shows; the original keeps no
 * raw protos and no full-text index, so neither store has raws here.
 *
 * The history: the store bench's vocabulary (Zipf, a tenth non-ASCII), chats Zipf-active, a
 * tenth of the chats groups, a tenth of the messages media with the original's fields (URL, key,
 * hashes, length, file name), 30% sent by the user (empty sender, as the bridge writes them).
 */
import type { Database, SqlJsStatic } from "sql.js";
import { loadSqlJs } from "../store/sqljs/load.ts";
import { openSqljsRepository } from "../store/sqljs/repository.ts";
import { importSeed } from "../store/import/seed.ts";
import { fileSize, makeScratchDir, removeTree } from "../runtime/bench_host.ts";
import { prng, vocabulary, zipf } from "./store.ts";

/** What the comparison measured. */
export interface SeedSizeBench {
  messages: number;
  /** The original's messages.db (sql.js `export()`: no free pages, like a freshly written file). */
  originalBytes: number;
  originalBytesPerMessage: number;
  /** Our store's files after the import and a clean close (snapshot + journal). */
  storeBytes: number;
  storeBytesPerMessage: number;
  /** storeBytes / originalBytes (the goal: ≤ 1.2). */
  ratio: number;
  importSeconds: number;
  importMsgsPerSec: number;
}

export const ORIGINAL_SCHEMA = `
CREATE TABLE chats (jid TEXT PRIMARY KEY, name TEXT, last_message_time TIMESTAMP);
CREATE TABLE messages (
  id TEXT, chat_jid TEXT, sender TEXT, content TEXT, timestamp TIMESTAMP, is_from_me BOOLEAN,
  media_type TEXT, filename TEXT, url TEXT, media_key BLOB, file_sha256 BLOB, file_enc_sha256 BLOB, file_length INTEGER,
  PRIMARY KEY (id, chat_jid), FOREIGN KEY (chat_jid) REFERENCES chats(jid)
);`;

const MEDIA = [["image", "jpg"], ["video", "mp4"], ["audio", "ogg"], ["document", "pdf"]] as const;

/** The original's timestamp text for an instant (`2025-01-15 10:00:00+00:00`, as go-sqlite3 writes it). */
export function originalTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "+00:00");
}

/** Writes `total` generated messages into a new database in the original's schema. */
export function buildOriginalStore(sql: SqlJsStatic, total: number, nChats = 2_000): Database {
  const rnd = prng(20250116);
  const vocab = vocabulary(30_000, rnd);
  const nextWord = zipf(vocab.length, 1.07, rnd);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16).toUpperCase()).join("");
  const blob = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
  const number = (i: number) => `49151${String(10_000_000 + i)}`;
  const chats = Array.from({ length: nChats }, (_, i) => (i % 10 === 5 ? `1203630${String(10_000_000_000 + i)}@g.us` : `${number(i)}@s.whatsapp.net`));
  const nextChat = zipf(chats.length, 0.9, rnd);
  const db = new sql.Database();
  db.exec(ORIGINAL_SCHEMA);
  db.exec("BEGIN");
  const chatRow = db.prepare("INSERT INTO chats VALUES (?, ?, ?)");
  chats.forEach((jid, i) => chatRow.run([jid, i % 10 === 5 ? `Group ${vocab[100 + i]} ${i}` : `Person ${i}`, null]));
  chatRow.free();
  const row = db.prepare("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const start = Date.parse("2023-01-01T00:00:00Z");
  const step = (3 * 365 * 24 * 3600 * 1000) / total;
  for (let k = 0; k < total; k++) {
    const jid = chats[nextChat()]!;
    const fromMe = rnd() < 0.3;
    const sender = fromMe ? "" : jid.endsWith("@g.us") ? number(Math.floor(rnd() * (nChats * 2))) : jid.split("@")[0]!;
    const ts = Math.floor((start + k * step) / 1000) * 1000;
    const words = Array.from({ length: 2 + Math.floor(rnd() * 16) }, () => vocab[nextWord()]!).join(" ");
    const id = `3EB0${hex(16)}`;
    if (rnd() < 0.1) {
      const [type, ext] = MEDIA[Math.floor(rnd() * MEDIA.length)]!;
      const url = `https://mmg.whatsapp.net/v/t62.7118-24/${Math.floor(rnd() * 1e8)}_${Math.floor(rnd() * 1e8)}_n.enc?ccb=11-4&oh=01_Q5AaI${hex(40)}&oe=${hex(8)}&_nc_sid=5e03e0&mms3=true`;
      row.run([id, jid, sender, type === "audio" ? "" : words, originalTimestamp(ts), fromMe ? 1 : 0, type, `${type}_${k}.${ext}`, url, blob(32), blob(32), blob(32), Math.floor(rnd() * 1e7)]);
    } else {
      row.run([id, jid, sender, words, originalTimestamp(ts), fromMe ? 1 : 0, null, null, null, null, null, null, null]);
    }
  }
  row.free();
  db.exec("COMMIT");
  return db;
}

/** Builds the original's store, imports it into a scratch sql.js store and compares the sizes. */
export async function runSeedSizeBench(total: number, progress: (line: string) => void = () => {}): Promise<SeedSizeBench> {
  const sql = await loadSqlJs();
  progress(`store vs original: writing ${total} messages in the original's schema...`);
  const original = buildOriginalStore(sql, total);
  const bytes = original.export();
  original.close();
  const dir = await makeScratchDir("wa-seed-size-");
  try {
    const repo = await openSqljsRepository({ dir });
    progress("store vs original: import-seed into a new store...");
    const t0 = performance.now();
    let imported = 0;
    try {
      imported = (await importSeed({ bytes, sql, repo })).messages;
    } finally {
      await repo.close();
    }
    const importSeconds = (performance.now() - t0) / 1000;
    const storeBytes = (await fileSize(`${dir}/store.sqlite`)) + (await fileSize(`${dir}/store.journal`));
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      messages: imported,
      originalBytes: bytes.length,
      originalBytesPerMessage: Math.round(bytes.length / total),
      storeBytes,
      storeBytesPerMessage: Math.round(storeBytes / total),
      ratio: r3(storeBytes / bytes.length),
      importSeconds: r3(importSeconds),
      importMsgsPerSec: Math.round(imported / importSeconds),
    };
  } finally {
    await removeTree(dir);
  }
}

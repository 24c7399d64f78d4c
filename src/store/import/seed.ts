/**
 * Imports the original project's store (the Go bridge's `store/messages.db`: tables `chats` and
 * `messages`, timestamps as text with a UTC offset) into our Repository, through `commit`, so
 * the same merge rules apply and a second run adds nothing.
 *
 * What changes on the way: timestamps become UTC instants (every format whatsmeow/go-sqlite3
 * writes, with or without fractional seconds and offsets); senders in either form (bare number
 * or full JID) become one person; a chat's kind comes from its JID suffix; media fields are
 * copied and the download path is derived from the URL (the original never stored it).
 * The WhatsApp session cannot come along: a whatsmeow session is not a Baileys session.
 */
import type { Database, SqlJsStatic } from "sql.js";
import { chatKindOf, normalizeJid } from "../../ids/jid.ts";
import { phoneJid } from "../../ids/phone.ts";
import type { MessageRow, MessageType, Repository, WriteOp } from "../types.ts";

/** What an import did. */
export interface SeedImportResult {
  chats: number;
  messages: number;
  /** Rows left out (unparseable timestamp, missing key), with the reason counted. */
  skipped: number;
  warnings: string[];
}

/** The seed file is not the Go bridge's store. */
export class SeedFormatError extends Error {
  override name = "SeedFormatError";
}

const MONTH_DAY = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?(?:\s+[A-Za-z]{1,6})?(?:\s+m=[+-]?[\d.]+)?$/;

/**
 * A timestamp of the seed as a UTC instant in ms, or null if it cannot be read. Accepts what
 * the Go side wrote: `2025-01-15 10:00:00+02:00`, `2025-01-15T10:00:00Z`, fractional seconds
 * (`.123456789`), Go's `time.String()` (`2025-01-15 10:00:00 +0200 CEST m=+0.1`), no offset
 * (taken as UTC), and Unix seconds or milliseconds as numbers or digit strings.
 */
export function parseSeedTimestamp(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value > 1e11 ? value : value * 1000) : null;
  if (typeof value !== "string") return null;
  const s = value.trim();
  if (/^\d{9,13}$/.test(s)) return parseSeedTimestamp(Number(s));
  const m = MONTH_DAY.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const ms = frac ? Number(frac.padEnd(3, "0").slice(0, 3)) : 0;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec ?? 0), ms);
  // Date.UTC rolls invalid dates over (Feb 30): refuse them instead.
  const check = new Date(utc);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(sec ?? 0) > 60) {
    return null;
  }
  let offsetMin = 0;
  if (zone && zone !== "Z" && zone !== "UTC") {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    offsetMin = (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  }
  return utc - offsetMin * 60_000;
}

/**
 * A sender of the seed (bare number or JID) as a person JID, or null. A bare number (the bridge
 * writes the JID's user part, sometimes with a `:device` suffix) follows the one phone rule of
 * `ids/phone.ts` (E.164): anything else names no WhatsApp account.
 */
export function seedSenderJid(sender: unknown): string | null {
  if (typeof sender !== "string" || sender.trim() === "") return null;
  const s = sender.trim();
  if (s.includes("@")) return normalizeJid(s);
  return phoneJid(s.split(":")[0]!);
}

const MEDIA_TYPES: Record<string, MessageType> = {
  image: "image",
  video: "video",
  audio: "audio",
  ptt: "voice",
  voice: "voice",
  document: "document",
  sticker: "sticker",
};

/** WhatsApp's download path is the media URL without its host (the original stored only the URL). */
export function directPathFromUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (!/(^|\.)whatsapp\.net$/i.test(u.hostname)) return null;
    return `${u.pathname}${u.search}`;
  } catch {
    return null;
  }
}

function bytesOrNull(v: unknown): Uint8Array | null {
  return v instanceof Uint8Array && v.length > 0 ? v : null;
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function columnsOf(db: Database, table: string): Set<string> {
  const rows = db.exec(`PRAGMA table_info(${table})`)[0]?.values ?? [];
  return new Set(rows.map((r) => String(r[1])));
}

/**
 * Imports the seed database `bytes` into `repo`. Batches of `batch` ops (default 1000), each
 * committed (durable) before the next is read.
 */
export async function importSeed(opts: {
  bytes: Uint8Array;
  sql: SqlJsStatic;
  repo: Repository;
  batch?: number;
  onProgress?: (done: number) => void;
}): Promise<SeedImportResult> {
  const batch = opts.batch ?? 1000;
  let db: Database;
  try {
    db = new opts.sql.Database(opts.bytes);
    db.exec("SELECT 1 FROM sqlite_master LIMIT 1");
  } catch (err) {
    throw new SeedFormatError(`Cannot read the seed file: not an SQLite database (${(err as Error).message})`);
  }
  const result: SeedImportResult = { chats: 0, messages: 0, skipped: 0, warnings: [] };
  const reasons = new Map<string, number>();
  const skip = (why: string) => {
    result.skipped++;
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  };
  try {
    const chatCols = columnsOf(db, "chats");
    const msgCols = columnsOf(db, "messages");
    for (const need of ["jid"]) if (!chatCols.has(need)) throw new SeedFormatError(`Not the Go bridge's store: table chats has no ${need} column`);
    for (const need of ["id", "chat_jid", "timestamp"]) {
      if (!msgCols.has(need)) throw new SeedFormatError(`Not the Go bridge's store: table messages has no ${need} column`);
    }
    const col = (cols: Set<string>, name: string) => (cols.has(name) ? name : `NULL AS ${name}`);

    let ops: WriteOp[] = [];
    const flush = async () => {
      if (ops.length === 0) return;
      await opts.repo.commit(ops);
      ops = [];
      opts.onProgress?.(result.chats + result.messages);
    };

    const chats = db.prepare(`SELECT jid, ${col(chatCols, "name")}, ${col(chatCols, "last_message_time")} FROM chats`);
    try {
      while (chats.step()) {
        const r = chats.getAsObject();
        const jid = typeof r.jid === "string" && r.jid.includes("@") ? normalizeJid(r.jid) : null;
        if (!jid) {
          skip("chat without a JID");
          continue;
        }
        const at = r.last_message_time === null ? null : parseSeedTimestamp(r.last_message_time);
        ops.push({ op: "upsertChat", chat: { jid, kind: chatKindOf(jid), name: str(r.name), lastMessageAt: at } });
        result.chats++;
        if (ops.length >= batch) await flush();
      }
    } finally {
      chats.free();
    }
    await flush();

    const wanted = ["sender", "content", "is_from_me", "media_type", "filename", "url", "media_key", "file_sha256", "file_enc_sha256", "file_length"];
    const msgs = db.prepare(`SELECT id, chat_jid, timestamp, ${wanted.map((c) => col(msgCols, c)).join(", ")} FROM messages`);
    try {
      while (msgs.step()) {
        const r = msgs.getAsObject();
        const chatJid = typeof r.chat_jid === "string" && r.chat_jid.includes("@") ? normalizeJid(r.chat_jid) : null;
        const id = str(r.id);
        if (!chatJid || !id) {
          skip("message without chat or id");
          continue;
        }
        const ts = parseSeedTimestamp(r.timestamp);
        if (ts === null) {
          skip("unreadable timestamp");
          continue;
        }
        const fromMe = r.is_from_me === 1 || r.is_from_me === "1" || r.is_from_me === "true";
        const kind = chatKindOf(chatJid);
        // 1:1 chats: an incoming message is from the peer even when the sender column is empty.
        const sender = fromMe ? null : seedSenderJid(r.sender) ?? (kind === "person" ? chatJid : null);
        const mediaType = str(r.media_type)?.toLowerCase() ?? null;
        const type: MessageType = mediaType ? (MEDIA_TYPES[mediaType] ?? "other") : "text";
        const url = str(r.url);
        const hasMedia = mediaType !== null || url !== null || bytesOrNull(r.media_key) !== null;
        const message: MessageRow = {
          chatJid,
          id,
          senderId: sender,
          fromMe,
          ts,
          type,
          text: str(r.content),
          quotedId: null,
          editedText: null,
          editedAt: null,
          revoked: false,
          viewOnce: false,
          status: null,
          media: hasMedia
            ? {
              mimetype: null,
              fileName: str(r.filename),
              fileLength: typeof r.file_length === "number" && r.file_length > 0 ? r.file_length : null,
              durationSec: null,
              directPath: directPathFromUrl(url),
              url,
              mediaKey: bytesOrNull(r.media_key),
              fileSha256: bytesOrNull(r.file_sha256),
              fileEncSha256: bytesOrNull(r.file_enc_sha256),
              mediaKeyTimestamp: null,
            }
            : null,
          raw: null,
        };
        ops.push({ op: "upsertMessage", message });
        result.messages++;
        if (ops.length >= batch) await flush();
      }
    } finally {
      msgs.free();
    }
    await flush();
  } finally {
    db.close();
  }
  for (const [why, n] of reasons) result.warnings.push(`${n} row(s) skipped: ${why}`);
  return result;
}

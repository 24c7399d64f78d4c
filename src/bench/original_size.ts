/**
 * The original's `messages.db` for the store bench's own history: the same generated messages
 * (the same seed, generated again) written in the original Go bridge's schema (seed_size.ts),
 * with what its columns hold: text JIDs, the sender's number, the text, the time as text, the
 * media type, a file name (the document's own, else the bridge's `image_<time>.jpg`), URL, key,
 * hashes and length. No raw protos, no full-text index, only the (id, chat) key.
 */
import { loadSqlJs } from "../store/sqljs/load.ts";
import { history, makeWorld } from "./history.ts";
import { ORIGINAL_SCHEMA, originalTimestamp } from "./seed_size.ts";

/** The original's file for the history and how long writing it took. */
export interface OriginalSize {
  bytes: number;
  bytesPerMessage: number;
  seconds: number;
}

const EXT: Record<string, string> = { image: "jpg", video: "mp4", audio: "ogg", voice: "ogg", sticker: "webp", document: "pdf" };

/** Writes the history of `total` messages in `nChats` chats (the store bench's) in the original's schema and measures it. */
export async function originalSizeOf(total: number, nChats: number, contacts: number): Promise<OriginalSize> {
  const t0 = performance.now();
  const sql = await loadSqlJs();
  const world = makeWorld(nChats, contacts);
  const db = new sql.Database();
  try {
    db.exec(ORIGINAL_SCHEMA);
    db.exec("BEGIN");
    const names = new Map<string, string | null>();
    for (const op of world.setup) {
      if (op.op === "upsertPerson" && op.person.pnJid) names.set(op.person.pnJid, op.person.savedName ?? op.person.pushName ?? null);
      if (op.op === "upsertChat" && op.chat.name) names.set(op.chat.jid, op.chat.name);
    }
    const chatRow = db.prepare("INSERT INTO chats VALUES (?, ?, ?)");
    for (const c of world.chats) chatRow.run([c.jid, names.get(c.jid) ?? null, null]);
    chatRow.free();
    const row = db.prepare("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const { message: m } of history(world, total, [])) {
      const md = m.media;
      const sender = m.fromMe ? "" : (m.senderId ?? "").split("@")[0]!;
      const at = originalTimestamp(m.ts);
      const type = m.type === "voice" ? "audio" : m.type;
      const fileName = md ? md.fileName ?? `${type}_${at.slice(0, 19).replace(/[-:]/g, "").replace(" ", "_")}.${EXT[m.type] ?? "bin"}` : null;
      row.run([
        m.id, m.chatJid, sender, m.text ?? "", at, m.fromMe ? 1 : 0,
        md ? type : null, fileName, md?.url ?? null, md?.mediaKey ?? null, md?.fileSha256 ?? null, md?.fileEncSha256 ?? null, md?.fileLength ?? null,
      ]);
    }
    row.free();
    db.exec("COMMIT");
    const bytes = db.export().length; // no free pages, like a freshly written file
    return { bytes, bytesPerMessage: Math.round(bytes / total), seconds: Math.round(performance.now() - t0) / 1000 };
  } finally {
    db.close();
  }
}

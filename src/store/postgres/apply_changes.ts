/**
 * Edits and revokes in PostgreSQL (shared by the one-op-at-a-time writer and the bulk writer):
 * judged by the author rule (`../change_rules.ts`) against the stored message, kept as refused
 * when WhatsApp would not honour them, held in pending_changes when their message is not stored
 * yet and judged when it arrives. Same rules as the SQLite store.
 */
import { chatKindOf, isLidJid, normalizeJid } from "../../ids/jid.ts";
import { authorFromKey, type Change, heldChanges, judgeChange } from "../change_rules.ts";
import { type BatchContext, MERGED_TEXT_COLUMNS, type Row, searchOfRow } from "./apply_shared.ts";
import { query, type Queryable } from "./client.ts";

/** The canonical form of a JID (see the SQLite store). */
export async function canonical(tx: Queryable, jid: string): Promise<string> {
  const j = normalizeJid(jid);
  if (!isLidJid(j)) return j;
  const rows = await query(tx, "SELECT id FROM people WHERE lid = :jid", { jid: j });
  return typeof rows[0]?.id === "string" ? rows[0].id : j;
}

/** Most changes kept for messages not stored yet; beyond it the oldest arrivals are dropped. */
const MAX_PENDING_CHANGES = 10_000;

/**
 * Applies an edit or revoke if WhatsApp would honour it, keeps it as refused if not, or holds it
 * when its message is not stored yet (see the SQLite store); false when it was refused.
 */
export async function applyChange(ctx: BatchContext, chat: string, id: string, c: Change): Promise<boolean> {
  const { tx } = ctx;
  const target = (await query(tx, "SELECT from_me, sender_id FROM messages WHERE chat_jid = :chat AND id = :id", { chat, id }))[0];
  if (!target) {
    await hold(ctx, chat, id, c);
    return true;
  }
  const author = authorFromKey(c.author);
  const authorId = author.id === null ? null : await canonical(tx, author.id);
  const admin = c.kind === "revoke" && authorId !== null && chatKindOf(chat) === "group" &&
    (await query(tx, "SELECT 1 AS x FROM participants WHERE group_jid = :g AND person_id = :p AND admin IS NOT NULL", { g: chat, p: authorId }))
        .length > 0;
  const verdict = judgeChange(
    c.kind,
    { fromMe: author.fromMe, id: authorId },
    { fromMe: target.from_me === true, senderId: (target.sender_id as string | null) ?? null },
    admin,
  );
  if (verdict === "refuse") {
    await query(
      tx,
      `INSERT INTO refused_changes (chat_jid, message_id, kind, author, text, at) VALUES (:chat, :id, :kind, :author, :text, :at::bigint)
       ON CONFLICT (chat_jid, message_id, kind, author) DO UPDATE SET text = excluded.text, at = excluded.at
       WHERE excluded.at IS NULL OR refused_changes.at IS NULL OR excluded.at >= refused_changes.at`,
      { chat, id, kind: c.kind, author: author.fromMe ? c.author : authorId ?? "", text: c.text, at: c.at },
    );
    return false;
  }
  const rows = c.kind === "edit"
    ? await query(
      tx,
      `UPDATE messages SET edited_text = :text, edited_at = :at::bigint
       WHERE chat_jid = :chat AND id = :id AND (edited_at IS NULL OR edited_at <= :at::bigint)
       RETURNING ${MERGED_TEXT_COLUMNS}`,
      { text: c.text, at: c.at, chat, id },
    )
    : await query(
      tx,
      `UPDATE messages SET revoked_by = CASE WHEN revoked THEN revoked_by ELSE :by END, revoked = TRUE, search = NULL
       WHERE chat_jid = :chat AND id = :id RETURNING 1 AS hit`,
      { by: verdict === "admin" ? (author.fromMe ? author.id : authorId) : null, chat, id },
    );
  if (c.kind === "edit") for (const r of rows) await refreshSearch(tx, r);
  return true;
}

/** Keeps an edit or a revoke of a message not stored yet, one row per message and author. */
async function hold(ctx: BatchContext, chat: string, id: string, c: Change): Promise<void> {
  await query(
    ctx.tx,
    `INSERT INTO pending_changes (chat_jid, id, author, edited_text, edited_at, revoked) VALUES (:chat, :id, :author, :text, :at::bigint, :revoked)
     ON CONFLICT (chat_jid, id, author) DO UPDATE SET
       edited_text = CASE WHEN excluded.edited_text IS NOT NULL AND (pending_changes.edited_at IS NULL OR excluded.edited_at >= pending_changes.edited_at)
                          THEN excluded.edited_text ELSE pending_changes.edited_text END,
       edited_at = CASE WHEN excluded.edited_text IS NOT NULL AND (pending_changes.edited_at IS NULL OR excluded.edited_at >= pending_changes.edited_at)
                        THEN excluded.edited_at ELSE pending_changes.edited_at END,
       revoked = pending_changes.revoked OR excluded.revoked`,
    {
      chat,
      id,
      author: c.author,
      text: c.kind === "edit" ? c.text : null,
      at: c.kind === "edit" ? c.at : null,
      revoked: c.kind === "revoke",
    },
  );
  await query(ctx.tx, `DELETE FROM pending_changes WHERE seq <= (SELECT max(seq) FROM pending_changes) - ${MAX_PENDING_CHANGES}`);
  ctx.held = true;
}

/** Judges and applies held changes (rows already taken out of pending_changes) now that their message is stored. */
async function applyHeld(ctx: BatchContext, chat: string, rows: readonly Row[]): Promise<void> {
  for (const r of rows) {
    for (const c of heldChanges(r)) await applyChange(ctx, chat, String(r.id), c);
  }
}

/** Takes out and applies the held changes of `chat` whose messages are stored (after a LID merge moved messages in). */
export async function resolveHeld(ctx: BatchContext, chat: string): Promise<void> {
  const rows = await query(
    ctx.tx,
    `DELETE FROM pending_changes WHERE chat_jid = :chat
       AND EXISTS (SELECT 1 FROM messages m WHERE m.id = pending_changes.id AND m.chat_jid = :chat)
     RETURNING id, author, edited_text, edited_at, revoked`,
    { chat },
  );
  await applyHeld(ctx, chat, rows);
}

/** Takes out the changes held for one message now stored, and judges and applies them. */
export async function takeHeld(ctx: BatchContext, chat: string, id: string): Promise<void> {
  const held = await query(ctx.tx, "DELETE FROM pending_changes WHERE chat_jid = :chat AND id = :id RETURNING id, author, edited_text, edited_at, revoked", {
    chat,
    id,
  });
  await applyHeld(ctx, chat, held);
}

/** Recomputes a message's search vector from its stored text fields (a row with chat_jid, id, text...). */
export async function refreshSearch(tx: Queryable, r: Row): Promise<void> {
  await query(tx, "UPDATE messages SET search = :search::tsvector WHERE chat_jid = :chat AND id = :id", {
    search: searchOfRow(r),
    chat: r.chat_jid,
    id: r.id,
  });
}

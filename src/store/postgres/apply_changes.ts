/**
 * Edits and revokes in PostgreSQL: the statements of the write plan's change steps
 * (`../write_plan/changes.ts` decides when an edit or revoke is applied, refused or held), shared
 * by the one-by-one writer and the bulk writer. Same rules as the SQLite store.
 */
import { isLidJid, normalizeJid } from "../../ids/jid.ts";
import type { Change } from "../change_rules.ts";
import type { WriteStep } from "../write_plan/steps.ts";
import { MERGED_TEXT_COLUMNS, type Row, searchOfRow } from "./apply_shared.ts";
import { query, type Queryable } from "./client.ts";

/** The id of the people row owning a LID (null: none). */
export async function lidOwner(tx: Queryable, lid: string): Promise<string | null> {
  const rows = await query(tx, "SELECT id FROM people WHERE lid = :jid", { jid: lid });
  return typeof rows[0]?.id === "string" ? rows[0].id : null;
}

/** The canonical form of a JID (see `../write_plan/canonical.ts`), for reads. */
export async function canonical(tx: Queryable, jid: string): Promise<string> {
  const j = normalizeJid(jid);
  return isLidJid(j) ? (await lidOwner(tx, j)) ?? j : j;
}

/** Most changes kept for messages not stored yet; beyond it the oldest arrivals are dropped. */
const MAX_PENDING_CHANGES = 10_000;

/** Keeps a change WhatsApp would not honour, as an event of its author. */
export async function refuse(tx: Queryable, step: Extract<WriteStep, { t: "refuse" }>): Promise<void> {
  await query(
    tx,
    `INSERT INTO refused_changes (chat_jid, message_id, kind, author, text, at) VALUES (:chat, :id, :kind, :author, :text, :at::bigint)
       ON CONFLICT (chat_jid, message_id, kind, author) DO UPDATE SET text = excluded.text, at = excluded.at
       WHERE excluded.at IS NULL OR refused_changes.at IS NULL OR excluded.at >= refused_changes.at`,
    { chat: step.chat, id: step.id, kind: step.kind, author: step.author, text: step.text, at: step.at },
  );
}

/** Applies an edit (the newer wins) and re-indexes the message. */
export async function writeEdit(tx: Queryable, step: Extract<WriteStep, { t: "edit" }>): Promise<void> {
  const rows = await query(
    tx,
    `UPDATE messages SET edited_text = :text, edited_at = :at::bigint
       WHERE chat_jid = :chat AND id = :id AND (edited_at IS NULL OR edited_at <= :at::bigint)
       RETURNING ${MERGED_TEXT_COLUMNS}`,
    { text: step.text, at: step.at, chat: step.chat, id: step.id },
  );
  for (const r of rows) await refreshSearch(tx, r);
}

/** Applies a revoke (a revoked message leaves the search index). */
export async function writeRevoke(tx: Queryable, step: Extract<WriteStep, { t: "revoke" }>): Promise<void> {
  await query(
    tx,
    `UPDATE messages SET revoked_by = CASE WHEN revoked THEN revoked_by ELSE :by END, revoked = TRUE, search = NULL
       WHERE chat_jid = :chat AND id = :id RETURNING 1 AS hit`,
    { by: step.by, chat: step.chat, id: step.id },
  );
}

/** Keeps an edit or a revoke of a message not stored yet, one row per message and author. */
export async function hold(tx: Queryable, chat: string, id: string, c: Change): Promise<void> {
  await query(
    tx,
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
  await query(tx, `DELETE FROM pending_changes WHERE seq <= (SELECT max(seq) FROM pending_changes) - ${MAX_PENDING_CHANGES}`);
}

/** Takes out the changes held for one message (`:chat`, `:id`). */
export const TAKE_HELD = "DELETE FROM pending_changes WHERE chat_jid = :chat AND id = :id RETURNING id, author, edited_text, edited_at, revoked";

/** Takes out the changes held in `:chat` whose messages are stored (after a LID merge moved messages in). */
export const TAKE_RESOLVABLE = `DELETE FROM pending_changes WHERE chat_jid = :chat
       AND EXISTS (SELECT 1 FROM messages m WHERE m.id = pending_changes.id AND m.chat_jid = :chat)
     RETURNING id, author, edited_text, edited_at, revoked`;

/** Recomputes a message's search vector from its stored text fields (a row with chat_jid, id, text...). */
export async function refreshSearch(tx: Queryable, r: Row): Promise<void> {
  await query(tx, "UPDATE messages SET search = :search::tsvector WHERE chat_jid = :chat AND id = :id", {
    search: searchOfRow(r),
    chat: r.chat_jid,
    id: r.id,
  });
}

/**
 * Applies a batch of write ops inside one PostgreSQL transaction (the caller's). Same merge
 * rules as the SQLite store (`../sqljs/apply.ts`), in PostgreSQL's dialect; the search vector
 * is computed here from the message's merged text, with the same tokens SQLite indexes.
 */
import { chatKindOf, isLidJid, isPersonJid, isPnJid, normalizeJid } from "../jid.ts";
import { chatSearchKey, PK_SLOTS, pkBase, personNameKey, personSearchKey } from "../keys.ts";
import { searchBody, tsvectorLiteral } from "../search/text.ts";
import type { ChatRow, MessageRow, PersonRow, WriteOp } from "../types.ts";
import { query, type Queryable } from "./client.ts";
import { heldOpSql } from "../held_rows.ts";

type Row = Record<string, unknown>;

interface BatchContext {
  tx: Queryable;
  ensured: Set<string>;
  /** Whether pending_changes may hold rows (looked up once per batch, when a message first needs it). */
  held: boolean | undefined;
}

/** Ops that only touch the session tables (auth, meta): they go to the session database when there is one. */
export function isSessionOp(op: WriteOp): boolean {
  return op.op === "setAuth" || op.op === "clearAuth" || op.op === "setMeta";
}

/** Applies `ops` in order with `tx` (a transaction). Throws on the first failing op (the caller rolls back). */
export async function applyPostgres(tx: Queryable, ops: readonly WriteOp[]): Promise<void> {
  const ctx: BatchContext = { tx, ensured: new Set(), held: undefined };
  for (const op of ops) await applyOne(ctx, op);
}

const STATUS_MERGE = `CASE WHEN :status::int IS NULL THEN status WHEN status IS NULL THEN :status::int
  WHEN :status::int = 0 AND status <= 1 THEN 0 ELSE GREATEST(status, :status::int) END`;

async function applyOne(ctx: BatchContext, op: WriteOp): Promise<void> {
  const { tx } = ctx;
  switch (op.op) {
    case "upsertChat":
      return await upsertChat(ctx, op.chat);
    case "deleteChat":
      return await deleteChat(tx, await canonical(tx, op.jid));
    case "clearChat":
      return await clearChat(tx, await canonical(tx, op.jid), op.before);
    case "upsertPerson":
      return await upsertPerson(ctx, op.person);
    case "linkLid": {
      const pn = normalizeJid(op.pnJid);
      const lid = normalizeJid(op.lid);
      if (isPnJid(pn) && isLidJid(lid)) await link(ctx, pn, lid);
      return;
    }
    case "upsertMessage":
      return await upsertMessage(ctx, op.message);
    case "editMessage": {
      const chat = await canonical(tx, op.chatJid);
      const rows = await query(
        tx,
        `UPDATE messages SET edited_text = :text, edited_at = :at
         WHERE chat_jid = :chat AND id = :id AND (edited_at IS NULL OR edited_at <= :at)
         RETURNING chat_jid, id, text, edited_text, media_file_name, revoked`,
        { text: op.text, at: op.editedAt, chat, id: op.id },
      );
      for (const r of rows) await refreshSearch(tx, r);
      if (rows.length === 0 && !(await messageExists(tx, chat, op.id))) await hold(ctx, chat, op.id, op.text, op.editedAt, false);
      return;
    }
    case "revokeMessage": {
      const chat = await canonical(tx, op.chatJid);
      const rows = await query(tx, "UPDATE messages SET revoked = TRUE, search = NULL WHERE chat_jid = :chat AND id = :id RETURNING 1 AS hit", {
        chat,
        id: op.id,
      });
      if (rows.length === 0) await hold(ctx, chat, op.id, null, null, true);
      return;
    }
    case "deleteMessage": {
      const p = { chat: await canonical(tx, op.chatJid), id: op.id };
      await query(tx, "DELETE FROM messages WHERE chat_jid = :chat AND id = :id", p);
      await query(tx, "DELETE FROM reactions WHERE chat_jid = :chat AND message_id = :id", p);
      await query(tx, "DELETE FROM receipts WHERE chat_jid = :chat AND message_id = :id", p);
      await query(tx, "DELETE FROM pending_changes WHERE chat_jid = :chat AND id = :id", p);
      return;
    }
    case "setMessageStatus":
      await query(tx, `UPDATE messages SET status = ${STATUS_MERGE} WHERE chat_jid = :chat AND id = :id`, {
        status: op.status,
        chat: await canonical(tx, op.chatJid),
        id: op.id,
      });
      return;
    case "upsertReaction": {
      const r = op.reaction;
      const p = { chat: await canonical(tx, r.chatJid), mid: r.messageId, who: await canonical(tx, r.reactorId), emoji: r.emoji, ts: r.ts };
      if (r.emoji === "") {
        await query(tx, "DELETE FROM reactions WHERE chat_jid = :chat AND message_id = :mid AND reactor_id = :who AND ts <= :ts", p);
        return;
      }
      await ensurePerson(ctx, p.who);
      await query(
        tx,
        `INSERT INTO reactions (chat_jid, message_id, reactor_id, emoji, ts) VALUES (:chat, :mid, :who, :emoji, :ts)
         ON CONFLICT (chat_jid, message_id, reactor_id) DO UPDATE SET emoji = excluded.emoji, ts = excluded.ts
         WHERE excluded.ts >= reactions.ts`,
        p,
      );
      return;
    }
    case "upsertReceipt": {
      const r = op.receipt;
      const who = await canonical(tx, r.personId);
      await ensurePerson(ctx, who);
      await query(
        tx,
        `INSERT INTO receipts (chat_jid, message_id, person_id, type, ts) VALUES (:chat, :mid, :who, :type, :ts)
         ON CONFLICT (chat_jid, message_id, person_id, type) DO UPDATE SET ts = LEAST(receipts.ts, excluded.ts)`,
        { chat: await canonical(tx, r.chatJid), mid: r.messageId, who, type: r.type, ts: r.ts },
      );
      return;
    }
    case "setParticipants":
      return await setParticipants(ctx, op);
    case "setAuth":
      if (op.value === null) await query(tx, "DELETE FROM auth WHERE category = :c AND id = :id", { c: op.category, id: op.id });
      else {
        await query(
          tx,
          "INSERT INTO auth (category, id, value) VALUES (:c, :id, :v) ON CONFLICT (category, id) DO UPDATE SET value = excluded.value",
          { c: op.category, id: op.id, v: op.value },
        );
      }
      return;
    case "clearAuth":
      await query(tx, "DELETE FROM auth");
      return;
    case "setMeta":
      if (op.value === null) await query(tx, "DELETE FROM meta WHERE key = :k", { k: op.key });
      else await query(tx, "INSERT INTO meta (key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", { k: op.key, v: op.value });
      return;
    case "holdSend":
    case "claimHeldSend":
    case "settleHeldSend": {
      const [sql, params] = heldOpSql(op);
      await query(tx, sql, params);
      return;
    }
    default: {
      const never: never = op;
      throw new TypeError(`Unknown write op ${JSON.stringify((never as { op?: unknown }).op)}`);
    }
  }
}

/** The canonical form of a JID (see the SQLite store). */
export async function canonical(tx: Queryable, jid: string): Promise<string> {
  const j = normalizeJid(jid);
  if (!isLidJid(j)) return j;
  const rows = await query(tx, "SELECT id FROM people WHERE lid = :jid", { jid: j });
  return typeof rows[0]?.id === "string" ? rows[0].id : j;
}

async function ensurePerson(ctx: BatchContext, id: string): Promise<void> {
  if (ctx.ensured.has(id) || !isPersonJid(id)) return;
  const pn = isPnJid(id) ? id : null;
  await query(
    ctx.tx,
    "INSERT INTO people (id, pn_jid, lid, search_key) VALUES (:id, :pn, :lid, :key) ON CONFLICT DO NOTHING",
    { id, pn, lid: isLidJid(id) ? id : null, key: personSearchKey({ pnJid: pn }) },
  );
  ctx.ensured.add(id);
}

async function upsertChat(ctx: BatchContext, chat: Partial<ChatRow> & { jid: string }): Promise<void> {
  const jid = await canonical(ctx.tx, chat.jid);
  if (isPersonJid(jid)) await ensurePerson(ctx, jid);
  await query(
    ctx.tx,
    `INSERT INTO chats (jid, kind, name, search_key, last_message_at, archived, pinned, muted_until, unread_count, description)
     VALUES (:jid, :kind, :name, :key, :at, :archived, :pinned, :muted, :unread, :descr)
     ON CONFLICT (jid) DO UPDATE SET
       name = coalesce(excluded.name, chats.name),
       search_key = coalesce(excluded.search_key, chats.search_key),
       last_message_at = GREATEST(excluded.last_message_at, chats.last_message_at),
       archived = coalesce(excluded.archived, chats.archived),
       pinned = coalesce(excluded.pinned, chats.pinned),
       muted_until = coalesce(excluded.muted_until, chats.muted_until),
       unread_count = coalesce(excluded.unread_count, chats.unread_count),
       description = coalesce(excluded.description, chats.description)`,
    {
      jid,
      kind: chat.kind ?? chatKindOf(jid),
      name: chat.name ?? null,
      key: chatSearchKey(chat.name),
      at: chat.lastMessageAt ?? null,
      archived: chat.archived ?? null,
      pinned: chat.pinned ?? null,
      muted: chat.mutedUntil ?? null,
      unread: chat.unreadCount ?? null,
      descr: chat.description ?? null,
    },
  );
}

async function deleteChat(tx: Queryable, jid: string): Promise<void> {
  await clearChat(tx, jid, undefined);
  await query(tx, "DELETE FROM participants WHERE group_jid = :jid", { jid });
  await query(tx, "DELETE FROM chats WHERE jid = :jid", { jid });
}

/** Deletes a chat's messages (all, or those with ts < before) with their reactions and receipts; the chat stays. */
async function clearChat(tx: Queryable, jid: string, before: number | undefined): Promise<void> {
  if (before === undefined) {
    for (const sql of [
      "DELETE FROM messages WHERE chat_jid = :jid",
      "DELETE FROM reactions WHERE chat_jid = :jid",
      "DELETE FROM receipts WHERE chat_jid = :jid",
      "DELETE FROM pending_changes WHERE chat_jid = :jid",
    ]) await query(tx, sql, { jid });
    return;
  }
  const p = { jid, before: Math.ceil(before) };
  for (const table of ["reactions", "receipts"]) {
    await query(
      tx,
      `DELETE FROM ${table} WHERE chat_jid = :jid AND message_id IN (SELECT id FROM messages WHERE chat_jid = :jid AND ts < :before::bigint)`,
      p,
    );
  }
  await query(tx, "DELETE FROM messages WHERE chat_jid = :jid AND ts < :before::bigint", p);
}

async function messageExists(tx: Queryable, chat: string, id: string): Promise<boolean> {
  return (await query(tx, "SELECT 1 AS x FROM messages WHERE chat_jid = :chat AND id = :id", { chat, id })).length > 0;
}

/** Most changes kept for messages not stored yet; beyond it the oldest arrivals are dropped. */
const MAX_PENDING_CHANGES = 10_000;

/** Keeps an edit or a revoke of a message not stored yet (see the SQLite store). */
async function hold(
  ctx: BatchContext,
  chat: string,
  id: string,
  text: string | null,
  editedAt: number | null,
  revoked: boolean,
): Promise<void> {
  await query(
    ctx.tx,
    `INSERT INTO pending_changes (chat_jid, id, edited_text, edited_at, revoked) VALUES (:chat, :id, :text, :at::bigint, :revoked)
     ON CONFLICT (chat_jid, id) DO UPDATE SET
       edited_text = CASE WHEN excluded.edited_text IS NOT NULL AND (pending_changes.edited_at IS NULL OR excluded.edited_at >= pending_changes.edited_at)
                          THEN excluded.edited_text ELSE pending_changes.edited_text END,
       edited_at = CASE WHEN excluded.edited_text IS NOT NULL AND (pending_changes.edited_at IS NULL OR excluded.edited_at >= pending_changes.edited_at)
                        THEN excluded.edited_at ELSE pending_changes.edited_at END,
       revoked = pending_changes.revoked OR excluded.revoked`,
    { chat, id, text, at: editedAt, revoked },
  );
  await query(ctx.tx, `DELETE FROM pending_changes WHERE seq <= (SELECT max(seq) FROM pending_changes) - ${MAX_PENDING_CHANGES}`);
  ctx.held = true;
}

async function mayHold(ctx: BatchContext): Promise<boolean> {
  ctx.held ??= (await query(ctx.tx, "SELECT 1 AS x FROM pending_changes LIMIT 1")).length > 0;
  return ctx.held;
}

/** A message with the held changes for it merged in (the newer edit wins; a revoke sticks). */
function withHeld(m: MessageRow, held: Row): MessageRow {
  const text = (held.edited_text as string | null) ?? null;
  const at = held.edited_at === null || held.edited_at === undefined ? null : Number(held.edited_at);
  const out = { ...m };
  if (text !== null && (m.editedText === null || m.editedText === undefined || m.editedAt === null || m.editedAt === undefined || (at ?? 0) >= m.editedAt)) {
    out.editedText = text;
    out.editedAt = at;
  }
  if (held.revoked === true) out.revoked = true;
  return out;
}

/** Applies and drops the held changes of `chat` whose messages are stored (after a LID merge moved messages in). */
async function resolveHeld(tx: Queryable, chat: string): Promise<void> {
  const rows = await query(
    tx,
    `UPDATE messages SET
       edited_text = CASE WHEN p.edited_text IS NOT NULL AND (messages.edited_at IS NULL OR coalesce(p.edited_at, 0) >= messages.edited_at)
                          THEN p.edited_text ELSE messages.edited_text END,
       edited_at = CASE WHEN p.edited_text IS NOT NULL AND (messages.edited_at IS NULL OR coalesce(p.edited_at, 0) >= messages.edited_at)
                        THEN p.edited_at ELSE messages.edited_at END,
       revoked = messages.revoked OR p.revoked
     FROM pending_changes p WHERE p.chat_jid = :chat AND messages.chat_jid = :chat AND messages.id = p.id
     RETURNING messages.chat_jid, messages.id, messages.text, messages.edited_text, messages.media_file_name, messages.revoked`,
    { chat },
  );
  for (const r of rows) await refreshSearch(tx, r);
  await query(
    tx,
    `DELETE FROM pending_changes WHERE chat_jid = :chat
       AND EXISTS (SELECT 1 FROM messages m WHERE m.id = pending_changes.id AND m.chat_jid = :chat)`,
    { chat },
  );
}

async function upsertPerson(ctx: BatchContext, p: Partial<PersonRow> & { pnJid?: string | null; lid?: string | null }): Promise<void> {
  const idForm = p.id ? normalizeJid(p.id) : null;
  const pn = p.pnJid ? normalizeJid(p.pnJid) : idForm && isPnJid(idForm) ? idForm : null;
  const lid = p.lid ? normalizeJid(p.lid) : idForm && isLidJid(idForm) ? idForm : null;
  const pnOk = pn && isPnJid(pn) ? pn : null;
  const lidOk = lid && isLidJid(lid) ? lid : null;
  let id: string;
  if (pnOk && lidOk) id = await link(ctx, pnOk, lidOk);
  else if (pnOk || lidOk) {
    id = await canonical(ctx.tx, (pnOk ?? lidOk)!);
    await ensurePerson(ctx, id);
  } else return;
  await query(
    ctx.tx,
    `UPDATE people SET push_name = coalesce(:push, push_name), saved_name = coalesce(:saved, saved_name),
       business_name = coalesce(:biz, business_name) WHERE id = :id`,
    { push: p.pushName ?? null, saved: p.savedName ?? null, biz: p.businessName ?? null, id },
  );
  await refreshPersonKeys(ctx.tx, id);
}

async function refreshPersonKeys(tx: Queryable, id: string): Promise<void> {
  const row = (await query(tx, "SELECT pn_jid, push_name, saved_name, business_name FROM people WHERE id = :id", { id }))[0];
  if (!row) return;
  const names = {
    pnJid: row.pn_jid as string | null,
    pushName: row.push_name as string | null,
    savedName: row.saved_name as string | null,
    businessName: row.business_name as string | null,
  };
  await query(tx, "UPDATE people SET search_key = :s, name_key = :n WHERE id = :id", {
    s: personSearchKey(names),
    n: personNameKey(names),
    id,
  });
}

async function link(ctx: BatchContext, pn: string, lid: string): Promise<string> {
  const { tx } = ctx;
  const byPn = (await query(tx, "SELECT * FROM people WHERE pn_jid = :pn", { pn }))[0];
  let byLid: Row | undefined = (await query(tx, "SELECT * FROM people WHERE lid = :lid", { lid }))[0];
  if (byPn && byLid && byPn.id === byLid.id) return byPn.id as string;
  if (byLid && byLid.pn_jid && byLid.pn_jid !== pn) {
    await query(tx, "UPDATE people SET lid = NULL WHERE id = :id", { id: byLid.id });
    byLid = undefined;
  }
  if (byPn) {
    if (byLid) {
      await query(
        tx,
        `UPDATE people SET push_name = coalesce(push_name, :push), saved_name = coalesce(saved_name, :saved),
           business_name = coalesce(business_name, :biz) WHERE id = :id`,
        { push: byLid.push_name, saved: byLid.saved_name, biz: byLid.business_name, id: pn },
      );
      await query(tx, "DELETE FROM people WHERE id = :id", { id: byLid.id });
    }
    await query(tx, "UPDATE people SET lid = :lid WHERE id = :id", { lid, id: byPn.id });
  } else if (byLid) {
    await query(tx, "UPDATE people SET id = :pn, pn_jid = :pn WHERE id = :id", { pn, id: byLid.id });
  } else {
    await query(tx, "INSERT INTO people (id, pn_jid, lid) VALUES (:pn, :pn, :lid)", { pn, lid });
  }
  await rekey(tx, lid, pn);
  if (await mayHold(ctx)) {
    // Changes held under the LID move too; one held under the phone JID may now find its message.
    await query(tx, "DELETE FROM pending_changes WHERE chat_jid = :from AND id IN (SELECT id FROM pending_changes WHERE chat_jid = :to)", { from: lid, to: pn });
    await query(tx, "UPDATE pending_changes SET chat_jid = :to WHERE chat_jid = :from", { from: lid, to: pn });
    await resolveHeld(tx, pn);
  }
  await refreshPersonKeys(tx, pn);
  ctx.ensured.add(pn);
  ctx.ensured.delete(lid);
  return pn;
}

/** The re-keying statements, in order (`:from` the LID, `:to` the phone JID). */
const REKEY: readonly string[] = [
  "DELETE FROM messages WHERE chat_jid = :from AND id IN (SELECT id FROM messages WHERE chat_jid = :to)",
  "UPDATE messages SET chat_jid = :to WHERE chat_jid = :from",
  "UPDATE messages SET sender_id = :to WHERE sender_id = :from",
  `DELETE FROM reactions WHERE chat_jid = :from AND EXISTS (SELECT 1 FROM reactions r2
     WHERE r2.chat_jid = :to AND r2.message_id = reactions.message_id AND r2.reactor_id = reactions.reactor_id)`,
  "UPDATE reactions SET chat_jid = :to WHERE chat_jid = :from",
  `DELETE FROM reactions WHERE reactor_id = :from AND EXISTS (SELECT 1 FROM reactions r2
     WHERE r2.reactor_id = :to AND r2.chat_jid = reactions.chat_jid AND r2.message_id = reactions.message_id)`,
  "UPDATE reactions SET reactor_id = :to WHERE reactor_id = :from",
  `DELETE FROM receipts WHERE chat_jid = :from AND EXISTS (SELECT 1 FROM receipts r2
     WHERE r2.chat_jid = :to AND r2.message_id = receipts.message_id AND r2.person_id = receipts.person_id AND r2.type = receipts.type)`,
  "UPDATE receipts SET chat_jid = :to WHERE chat_jid = :from",
  `DELETE FROM receipts WHERE person_id = :from AND EXISTS (SELECT 1 FROM receipts r2
     WHERE r2.person_id = :to AND r2.chat_jid = receipts.chat_jid AND r2.message_id = receipts.message_id AND r2.type = receipts.type)`,
  "UPDATE receipts SET person_id = :to WHERE person_id = :from",
  `DELETE FROM participants WHERE person_id = :from AND EXISTS (SELECT 1 FROM participants p2
     WHERE p2.person_id = :to AND p2.group_jid = participants.group_jid)`,
  "UPDATE participants SET person_id = :to WHERE person_id = :from",
];

async function rekey(tx: Queryable, from: string, to: string): Promise<void> {
  const fromChat = (await query(tx, "SELECT * FROM chats WHERE jid = :from", { from }))[0];
  if (fromChat) {
    const toExists = (await query(tx, "SELECT 1 AS x FROM chats WHERE jid = :to", { to })).length > 0;
    if (toExists) {
      await query(
        tx,
        `UPDATE chats SET name = coalesce(name, :name), search_key = coalesce(search_key, :key),
           last_message_at = GREATEST(last_message_at, :at::bigint),
           archived = coalesce(archived, :archived::boolean), pinned = coalesce(pinned, :pinned::boolean),
           muted_until = coalesce(muted_until, :muted::bigint), unread_count = coalesce(unread_count, :unread::int),
           description = coalesce(description, :descr)
         WHERE jid = :to`,
        {
          to,
          name: fromChat.name,
          key: fromChat.search_key,
          at: fromChat.last_message_at,
          archived: fromChat.archived,
          pinned: fromChat.pinned,
          muted: fromChat.muted_until,
          unread: fromChat.unread_count,
          descr: fromChat.description,
        },
      );
      await query(tx, "DELETE FROM chats WHERE jid = :from", { from });
    } else {
      await query(tx, "UPDATE chats SET jid = :to WHERE jid = :from", { to, from });
    }
  }
  for (const sql of REKEY) await query(tx, sql, { from, to });
}

const PK_ALLOC = `coalesce(
  (SELECT CASE WHEN max(pk) IS NULL THEN :base::bigint WHEN max(pk) + 1 < :base::bigint + ${PK_SLOTS} THEN max(pk) + 1 END
     FROM messages WHERE pk >= :base::bigint AND pk < :base::bigint + ${PK_SLOTS}),
  (SELECT max(pk) + 1 FROM messages WHERE pk >= :base::bigint))`;

const UPSERT_MESSAGE = `INSERT INTO messages (
    chat_jid, id, pk, sender_id, from_me, ts, type, text, quoted_id, edited_text, edited_at, revoked, view_once, status,
    has_media, media_mimetype, media_file_name, media_file_length, media_duration_sec, media_direct_path, media_url,
    media_key, media_file_sha256, media_file_enc_sha256, media_key_ts, raw, search)
  VALUES (:chat, :id, ${PK_ALLOC}, :sender, :fromMe, :ts, :type, :text, :quoted, :editedText, :editedAt::bigint, :revoked,
    :viewOnce, :status::int, :hasMedia, :mime, :fileName, :fileLength::bigint, :duration::int, :directPath, :url,
    :mediaKey::bytea, :sha::bytea, :encSha::bytea, :keyTs::bigint, :raw::bytea, :search::tsvector)
  ON CONFLICT (chat_jid, id) DO UPDATE SET
    sender_id = coalesce(excluded.sender_id, messages.sender_id),
    from_me = messages.from_me OR excluded.from_me,
    type = CASE WHEN excluded.type = 'other' THEN messages.type ELSE excluded.type END,
    text = coalesce(excluded.text, messages.text),
    quoted_id = coalesce(excluded.quoted_id, messages.quoted_id),
    edited_text = CASE WHEN excluded.edited_text IS NOT NULL AND (messages.edited_at IS NULL OR coalesce(excluded.edited_at, 0) >= messages.edited_at)
                       THEN excluded.edited_text ELSE messages.edited_text END,
    edited_at = CASE WHEN excluded.edited_text IS NOT NULL AND (messages.edited_at IS NULL OR coalesce(excluded.edited_at, 0) >= messages.edited_at)
                     THEN excluded.edited_at ELSE messages.edited_at END,
    revoked = messages.revoked OR excluded.revoked,
    view_once = messages.view_once OR excluded.view_once,
    status = CASE WHEN excluded.status IS NULL THEN messages.status WHEN messages.status IS NULL THEN excluded.status
                  WHEN excluded.status = 0 AND messages.status <= 1 THEN 0 ELSE GREATEST(messages.status, excluded.status) END,
    has_media = messages.has_media OR excluded.has_media,
    media_mimetype = coalesce(excluded.media_mimetype, messages.media_mimetype),
    media_file_name = coalesce(excluded.media_file_name, messages.media_file_name),
    media_file_length = coalesce(excluded.media_file_length, messages.media_file_length),
    media_duration_sec = coalesce(excluded.media_duration_sec, messages.media_duration_sec),
    media_direct_path = coalesce(excluded.media_direct_path, messages.media_direct_path),
    media_url = coalesce(excluded.media_url, messages.media_url),
    media_key = coalesce(excluded.media_key, messages.media_key),
    media_file_sha256 = coalesce(excluded.media_file_sha256, messages.media_file_sha256),
    media_file_enc_sha256 = coalesce(excluded.media_file_enc_sha256, messages.media_file_enc_sha256),
    media_key_ts = coalesce(excluded.media_key_ts, messages.media_key_ts),
    raw = coalesce(excluded.raw, messages.raw)
  RETURNING chat_jid, id, text, edited_text, media_file_name, revoked, (xmax = 0) AS inserted`;

async function upsertMessage(ctx: BatchContext, message: MessageRow): Promise<void> {
  const { tx } = ctx;
  const chat = await canonical(tx, message.chatJid);
  let m = message;
  if (await mayHold(ctx)) {
    // An edit or revoke that arrived first: merged in before the row is written.
    const held = await query(tx, "DELETE FROM pending_changes WHERE chat_jid = :chat AND id = :id RETURNING edited_text, edited_at, revoked", {
      chat,
      id: m.id,
    });
    if (held[0]) m = withHeld(m, held[0]);
  }
  const sender = m.senderId ? await canonical(tx, m.senderId) : null;
  if (isPersonJid(chat)) await ensurePerson(ctx, chat);
  if (sender) await ensurePerson(ctx, sender);
  const md = m.media;
  const ts = Math.trunc(m.ts);
  const body = searchBody(m.text, m.editedText, md?.fileName ?? null, m.revoked);
  const rows = await query(tx, UPSERT_MESSAGE, {
    chat,
    id: m.id,
    base: pkBase(ts),
    sender,
    fromMe: m.fromMe,
    ts,
    type: m.type,
    text: m.text ?? null,
    quoted: m.quotedId ?? null,
    editedText: m.editedText ?? null,
    editedAt: m.editedAt ?? null,
    revoked: m.revoked,
    viewOnce: m.viewOnce,
    status: m.status ?? null,
    hasMedia: md !== null && md !== undefined,
    mime: md?.mimetype ?? null,
    fileName: md?.fileName ?? null,
    fileLength: md?.fileLength ?? null,
    duration: md?.durationSec ?? null,
    directPath: md?.directPath ?? null,
    url: md?.url ?? null,
    mediaKey: md?.mediaKey ?? null,
    sha: md?.fileSha256 ?? null,
    encSha: md?.fileEncSha256 ?? null,
    keyTs: md?.mediaKeyTimestamp ?? null,
    raw: m.raw ?? null,
    search: body ? tsvectorLiteral(body) : null,
  });
  // An update merged old and new text: index what is stored now.
  if (rows[0] && !rows[0].inserted) await refreshSearch(tx, rows[0]);
  await query(
    tx,
    `INSERT INTO chats (jid, kind, last_message_at) VALUES (:jid, :kind, :ts)
     ON CONFLICT (jid) DO UPDATE SET last_message_at = GREATEST(chats.last_message_at, excluded.last_message_at)`,
    { jid: chat, kind: chatKindOf(chat), ts },
  );
}

/** Recomputes a message's search vector from its stored text fields (a row with chat_jid, id, text...). */
async function refreshSearch(tx: Queryable, r: Row): Promise<void> {
  const body = searchBody(
    (r.text as string | null) ?? null,
    (r.edited_text as string | null) ?? null,
    (r.media_file_name as string | null) ?? null,
    r.revoked === true,
  );
  await query(tx, "UPDATE messages SET search = :search::tsvector WHERE chat_jid = :chat AND id = :id", {
    search: body ? tsvectorLiteral(body) : null,
    chat: r.chat_jid,
    id: r.id,
  });
}

async function setParticipants(ctx: BatchContext, op: Extract<WriteOp, { op: "setParticipants" }>): Promise<void> {
  const { tx } = ctx;
  const group = await canonical(tx, op.groupJid);
  await query(tx, "INSERT INTO chats (jid, kind) VALUES (:jid, :kind) ON CONFLICT DO NOTHING", { jid: group, kind: chatKindOf(group) });
  if (op.mode === "replace") await query(tx, "DELETE FROM participants WHERE group_jid = :g", { g: group });
  const upsert = `INSERT INTO participants (group_jid, person_id, admin) VALUES (:g, :p, :admin)
    ON CONFLICT (group_jid, person_id) DO UPDATE SET admin = excluded.admin`;
  for (const p of op.participants) {
    const person = await canonical(tx, p.personId);
    switch (op.mode) {
      case "replace":
      case "add":
        await ensurePerson(ctx, person);
        await query(tx, upsert, { g: group, p: person, admin: p.admin ?? null });
        break;
      case "remove":
        await query(tx, "DELETE FROM participants WHERE group_jid = :g AND person_id = :p", { g: group, p: person });
        break;
      case "promote":
      case "demote":
        await ensurePerson(ctx, person);
        await query(tx, upsert, { g: group, p: person, admin: op.mode === "promote" ? (p.admin ?? "admin") : null });
        break;
    }
  }
}

/**
 * What the one-op-at-a-time writer (`apply.ts`) and the bulk writer (`apply_bulk.ts`) share:
 * the batch context, the merge rule of a message upsert, held changes, the person stub and the
 * search vector of a stored row. One rule, one place: both writers must leave identical rows.
 */
import { isLidJid, isPnJid } from "../../ids/jid.ts";
import { personSearchKey } from "../keys.ts";
import { type SearchFields, searchFields, searchTokens, tokenPositions, tsvectorLiteral } from "../search/text.ts";
import type { MessageRow, WriteOp } from "../types.ts";
import { fullRaw, isResidual } from "../raw_residual.ts";
import { rawColumnsFromRow, toBytes } from "../rows.ts";
import type { Queryable } from "./client.ts";

/** A result row. */
export type Row = Record<string, unknown>;

/** State kept across the ops of one commit. */
export interface BatchContext {
  tx: Queryable;
  /** Person ids known to have a `people` row in this transaction. */
  ensured: Set<string>;
  /** Person ids known to have a row as of the last commit (see `KnownPeople`), or null. */
  known: KnownPeople | null;
  /** Person ids whose row this transaction removed (a LID merged into its phone JID): `known` is stale for them. */
  gone: Set<string>;
  /** Whether pending_changes may hold rows (looked up once per batch, when a message first needs it). */
  held: boolean | undefined;
  /** Whether the bulk writer's runs have been new messages lately (kept across commits), or null: always look. */
  odds: FreshOdds | null;
}

/** What the bulk writer keeps across commits about its runs (see `FreshOdds` in apply_bulk.ts). */
export interface FreshOdds {
  /** Whether the next run may skip looking up which of its messages are stored. */
  guess(): boolean;
  /** A run looked its keys up; `anyStored`: some were stored. */
  looked(anyStored: boolean): void;
  /** A run that guessed met a stored message. */
  missed(): void;
}

/** A new batch context for `tx`. */
export function batchContext(tx: Queryable, known: KnownPeople | null = null, odds: FreshOdds | null = null): BatchContext {
  return { tx, ensured: new Set(), known, gone: new Set(), held: undefined, odds };
}

/** Whether `id` is known to have a people row (this transaction or an earlier commit). */
export function isEnsured(ctx: BatchContext, id: string): boolean {
  return ctx.ensured.has(id) || (ctx.known !== null && ctx.known.has(id) && !ctx.gone.has(id));
}

/** Most person ids `KnownPeople` keeps; beyond it starts over (a cache, never the truth). */
const MAX_KNOWN_PEOPLE = 200_000;

/**
 * Person ids known to have a row as of the last commit, kept by the repository across commits
 * so that a history import does not re-insert the stub of every sender in every batch. The
 * store is the only writer (advisory lock), rows are only removed by a LID merge (`gone`), and
 * a batch's ids are added only once its transaction committed: a subset of the truth.
 */
export class KnownPeople {
  private readonly ids = new Set<string>();

  /** Whether `id` had a row after the last settled commit. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Takes in what a committed batch ensured and removed. */
  settle(ctx: BatchContext): void {
    for (const id of ctx.gone) this.ids.delete(id);
    if (this.ids.size + ctx.ensured.size > MAX_KNOWN_PEOPLE) this.ids.clear();
    for (const id of ctx.ensured) if (!ctx.gone.has(id)) this.ids.add(id);
  }
}

/** The row a person gets when first seen by JID alone (no names yet). */
export function personStub(id: string): { id: string; pn_jid: string | null; lid: string | null; search_key: string } {
  const pn = isPnJid(id) ? id : null;
  return { id, pn_jid: pn, lid: isLidJid(id) ? id : null, search_key: personSearchKey({ pnJid: pn }) };
}

/** The search vector literal of a stored message row (chat_jid, id, text, edited_text, media_file_name, revoked), or null. */
export function searchOfRow(r: Row): string | null {
  return vectorOf(searchFields(
    (r.text as string | null) ?? null,
    (r.edited_text as string | null) ?? null,
    (r.media_file_name as string | null) ?? null,
    r.revoked === true,
  ));
}

/** The search vector literal of a message about to be written, or null. */
export function searchOfMessage(m: MessageRow): string | null {
  return vectorOf(fieldsOfMessage(m));
}

/**
 * The same vector as each lexeme's positions (for binary COPY), or null. Kept per row object once
 * computed (`prepareSearch`): message rows are not changed after they are handed to `commit`.
 */
export function searchPositionsOfMessage(m: MessageRow): Map<string, number[]> | null {
  const known = prepared.get(m);
  if (known) {
    prepared.delete(m);
    // Computed from what the row held then: used only if the searched fields are the same now.
    if (known.text === m.text && known.editedText === m.editedText && known.fileName === (m.media?.fileName ?? null) && known.revoked === m.revoked) {
      return known.positions;
    }
  }
  const t = searchTokens(m.text, m.editedText, m.media?.fileName ?? null, m.revoked);
  return t.text.length > 0 || t.file.length > 0 ? tokenPositions(t) : null;
}

interface Prepared {
  text: string | null | undefined;
  editedText: string | null | undefined;
  fileName: string | null;
  revoked: boolean;
  positions: Map<string, number[]> | null;
}
const prepared = new WeakMap<MessageRow, Prepared>();

/**
 * Computes the search positions of the messages `ops` upsert ahead of their write (pure work
 * done while the previous commit is still on the server).
 */
export function prepareSearch(ops: readonly WriteOp[]): void {
  for (const op of ops) {
    if (op.op !== "upsertMessage") continue;
    const m = op.message;
    const positions = searchPositionsOfMessage(m);
    prepared.set(m, { text: m.text, editedText: m.editedText, fileName: m.media?.fileName ?? null, revoked: m.revoked, positions });
  }
}

function fieldsOfMessage(m: MessageRow): SearchFields {
  return searchFields(m.text, m.editedText, m.media?.fileName ?? null, m.revoked);
}

function vectorOf(f: SearchFields): string | null {
  return f.text || f.file ? tsvectorLiteral(f) : null;
}

/**
 * What a message upsert does to a stored row (`ON CONFLICT (chat_jid, id) DO UPDATE SET ...`);
 * `raw`: the expression of the raw it leaves when not null (full bytes: see raw_residual.ts).
 */
export function messageMerge(raw: string): string {
  return `sender_id = coalesce(excluded.sender_id, messages.sender_id),
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
    raw = coalesce(${raw}, messages.raw)`;
}

/** The merge of a statement whose incoming rows carry full raws (`excluded.raw`). */
export const MESSAGE_MERGE = messageMerge("excluded.raw");

/** The full raw of a `RAW_SELECT` row whose raw is a residual; null otherwise. */
export function fullRawOfRow(row: Row): Uint8Array | null {
  const raw = toBytes(row.raw);
  return raw && isResidual(raw) ? fullRaw(raw, rawColumnsFromRow(row)) : null;
}

/** The columns a message upsert returns for re-indexing a merged row. */
export const MERGED_TEXT_COLUMNS = "chat_jid, id, text, edited_text, media_file_name, revoked";

/** The reaction upsert's conflict rule: the newer reaction wins. */
export const REACTION_MERGE = `ON CONFLICT (chat_jid, message_id, reactor_id) DO UPDATE SET emoji = excluded.emoji, ts = excluded.ts
         WHERE excluded.ts >= reactions.ts`;

/** The receipt upsert's conflict rule: the first time a state was reached is kept. */
export const RECEIPT_MERGE = "ON CONFLICT (chat_jid, message_id, person_id, type) DO UPDATE SET ts = LEAST(receipts.ts, excluded.ts)";

/** A message touches its chat: created if missing, last activity moved forward. */
// Only when it moves forward: an update that changes nothing still writes a new row version.
export const CHAT_TOUCH_MERGE = `ON CONFLICT (jid) DO UPDATE SET last_message_at = GREATEST(chats.last_message_at, excluded.last_message_at)
  WHERE chats.last_message_at IS NULL OR chats.last_message_at < excluded.last_message_at`;

/** A chat upsert's conflict rule: known values win over nulls, the last activity only moves forward. */
export const CHAT_UPSERT_MERGE = `ON CONFLICT (jid) DO UPDATE SET
       name = coalesce(excluded.name, chats.name),
       search_key = coalesce(excluded.search_key, chats.search_key),
       last_message_at = GREATEST(excluded.last_message_at, chats.last_message_at),
       archived = coalesce(excluded.archived, chats.archived),
       pinned = coalesce(excluded.pinned, chats.pinned),
       muted_until = coalesce(excluded.muted_until, chats.muted_until),
       unread_count = coalesce(excluded.unread_count, chats.unread_count),
       description = coalesce(excluded.description, chats.description)`;

/** A person upsert's names: known values win over nulls. */
export const PERSON_NAMES_SET = `push_name = coalesce(x.push_name, people.push_name), saved_name = coalesce(x.saved_name, people.saved_name),
       business_name = coalesce(x.business_name, people.business_name)`;

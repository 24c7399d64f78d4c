/**
 * Polls and votes in SQL, for both backends: the statements with named parameters (`:name`) and
 * the row mapping. The dialects differ only in how bytes are cast. Pure.
 */
import { toBytes, toNum, toStr, type Row } from "./rows.ts";
import type { PollDetails, PollRow, PollVoteRow } from "./types.ts";

type Dialect = "sqlite" | "postgres";

/** Stores or merges a poll (`:chat, :id, :question, :options, :count, :secret`). */
export function upsertPollSql(d: Dialect): string {
  const secret = d === "sqlite" ? ":secret" : "CAST(:secret AS bytea)";
  return `INSERT INTO polls (chat_jid, message_id, question, options, selectable_count, secret)
    VALUES (:chat, :id, :question, :options, :count, ${secret})
    ON CONFLICT (chat_jid, message_id) DO UPDATE SET
      question = coalesce(excluded.question, polls.question),
      options = CASE WHEN excluded.options = '[]' THEN polls.options ELSE excluded.options END,
      selectable_count = coalesce(excluded.selectable_count, polls.selectable_count),
      secret = coalesce(excluded.secret, polls.secret)`;
}

/** Parameters of `upsertPollSql` (chat already canonical). */
export function pollParams(p: PollRow, chat: string): Record<string, unknown> {
  return {
    chat,
    id: p.messageId,
    question: p.question,
    options: JSON.stringify(p.options ?? []),
    count: p.selectableCount,
    secret: p.secret && p.secret.length ? p.secret : null,
  };
}

/** A voter's latest choice (`:chat, :id, :voter, :options, :ts`): an older vote never replaces a newer one. */
export const UPSERT_VOTE = `INSERT INTO poll_votes (chat_jid, message_id, voter_id, options, ts)
  VALUES (:chat, :id, :voter, :options, :ts)
  ON CONFLICT (chat_jid, message_id, voter_id) DO UPDATE SET options = excluded.options, ts = excluded.ts
  WHERE excluded.ts >= poll_votes.ts`;

/** Parameters of `UPSERT_VOTE` (chat and voter already canonical). */
export function voteParams(v: PollVoteRow, chat: string, voter: string): Record<string, unknown> {
  return { chat, id: v.messageId, voter, options: JSON.stringify(v.options), ts: Math.trunc(v.ts) };
}

/** Polls of a JSON array of `[chat, id]` pairs (`:refs`). */
export function getPollsSql(d: Dialect): string {
  const pairs = d === "sqlite"
    ? "SELECT value ->> 0 AS chat, value ->> 1 AS id FROM json_each(:refs)"
    : "SELECT value ->> 0 AS chat, value ->> 1 AS id FROM jsonb_array_elements(CAST(:refs AS text)::jsonb)";
  return `SELECT p.chat_jid, p.message_id, p.question, p.options, p.selectable_count, p.secret
    FROM polls p JOIN (${pairs}) r ON p.chat_jid = r.chat AND p.message_id = r.id`;
}

/** Votes of the same pairs, voters named, oldest first. */
export function getVotesSql(d: Dialect): string {
  const pairs = d === "sqlite"
    ? "SELECT value ->> 0 AS chat, value ->> 1 AS id FROM json_each(:refs)"
    : "SELECT value ->> 0 AS chat, value ->> 1 AS id FROM jsonb_array_elements(CAST(:refs AS text)::jsonb)";
  return `SELECT v.chat_jid, v.message_id, v.voter_id, v.options, v.ts,
      coalesce(pe.saved_name, pe.business_name, pe.push_name) AS voter_name, pe.pn_jid AS voter_pn
    FROM poll_votes v JOIN (${pairs}) r ON v.chat_jid = r.chat AND v.message_id = r.id
    LEFT JOIN people pe ON pe.id = v.voter_id
    ORDER BY v.ts, v.voter_id`;
}

/** Re-keying statements after a LID became known as a phone JID (`:from` the LID, `:to` the phone JID). */
export const REKEY_POLLS: readonly string[] = [
  `DELETE FROM polls WHERE chat_jid = :from AND EXISTS (SELECT 1 FROM polls p2 WHERE p2.chat_jid = :to AND p2.message_id = polls.message_id)`,
  "UPDATE polls SET chat_jid = :to WHERE chat_jid = :from",
  `DELETE FROM poll_votes WHERE chat_jid = :from AND EXISTS (SELECT 1 FROM poll_votes v2
     WHERE v2.chat_jid = :to AND v2.message_id = poll_votes.message_id AND v2.voter_id = poll_votes.voter_id)`,
  "UPDATE poll_votes SET chat_jid = :to WHERE chat_jid = :from",
  `DELETE FROM poll_votes WHERE voter_id = :from AND EXISTS (SELECT 1 FROM poll_votes v2
     WHERE v2.voter_id = :to AND v2.chat_jid = poll_votes.chat_jid AND v2.message_id = poll_votes.message_id)`,
  "UPDATE poll_votes SET voter_id = :to WHERE voter_id = :from",
];

/** Deletes the poll data of one message (`:chat, :id`) or of a whole chat (`:chat` only). */
export const DELETE_POLL_OF_MESSAGE = [
  "DELETE FROM polls WHERE chat_jid = :chat AND message_id = :id",
  "DELETE FROM poll_votes WHERE chat_jid = :chat AND message_id = :id",
];

function names(v: unknown): string[] {
  try {
    const a = JSON.parse(String(v ?? "[]"));
    return Array.isArray(a) ? a.map(String) : [];
  } catch {
    return [];
  }
}

/** Assembles polls and their votes from the two queries' rows, in the order of `refs`. */
export function pollsFromRows(refs: Array<{ chatJid: string; id: string }>, polls: Row[], votes: Row[]): PollDetails[] {
  const byKey = new Map<string, PollDetails>();
  for (const r of polls) {
    byKey.set(`${r.chat_jid}\u0000${r.message_id}`, {
      chatJid: String(r.chat_jid),
      messageId: String(r.message_id),
      question: toStr(r.question),
      options: names(r.options),
      selectableCount: toNum(r.selectable_count),
      secret: toBytes(r.secret),
      votes: [],
    });
  }
  for (const v of votes) {
    const p = byKey.get(`${v.chat_jid}\u0000${v.message_id}`);
    if (!p) continue;
    const pn = toStr(v.voter_pn);
    p.votes.push({
      chatJid: p.chatJid,
      messageId: p.messageId,
      voterId: String(v.voter_id),
      options: names(v.options),
      ts: toNum(v.ts) ?? 0,
      voterName: toStr(v.voter_name),
      voterPhone: pn ? `+${pn.split("@")[0]}` : null,
    });
  }
  const out: PollDetails[] = [];
  const seen = new Set<string>();
  for (const ref of refs) {
    const k = `${ref.chatJid}\u0000${ref.id}`;
    const p = byKey.get(k);
    if (p && !seen.has(k)) {
      out.push(p);
      seen.add(k);
    }
  }
  return out;
}

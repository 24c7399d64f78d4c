/**
 * Rows as the plan reads them, from either dialect's result row (sql.js gives 0/1 for booleans,
 * PostgreSQL true/false). Pure.
 */
import type { ChangeTarget } from "../change_rules.ts";
import type { PersonFacts } from "./steps.ts";

/** A people row's identity and names (undefined row: null). */
export function personFacts(row: Record<string, unknown> | undefined): PersonFacts | null {
  if (!row) return null;
  return {
    id: String(row.id),
    pnJid: (row.pn_jid as string | null | undefined) ?? null,
    pushName: (row.push_name as string | null | undefined) ?? null,
    savedName: (row.saved_name as string | null | undefined) ?? null,
    businessName: (row.business_name as string | null | undefined) ?? null,
  };
}

/** The sender of a stored message (a row with from_me, sender_id), or null when not stored. */
export function changeTarget(row: Record<string, unknown> | undefined): ChangeTarget | null {
  if (!row) return null;
  return { fromMe: row.from_me === 1 || row.from_me === true, senderId: (row.sender_id as string | null | undefined) ?? null };
}

/**
 * The identities an upsert of a person names: its phone-number JID and its LID, each taken from
 * the explicit field or else from the id when the id has that form, and kept only when valid.
 * One rule for every writer. Pure.
 */
import { isLidJid, isPnJid, normalizeJid } from "../ids/jid.ts";
import type { PersonRow } from "./types.ts";

/** The valid phone-number JID and LID a person upsert names (null when absent or malformed). */
export function personIdentities(p: Partial<PersonRow> & { pnJid?: string | null; lid?: string | null }): { pn: string | null; lid: string | null } {
  const idForm = p.id ? normalizeJid(p.id) : null;
  const pn = p.pnJid ? normalizeJid(p.pnJid) : idForm && isPnJid(idForm) ? idForm : null;
  const lid = p.lid ? normalizeJid(p.lid) : idForm && isLidJid(idForm) ? idForm : null;
  return { pn: pn && isPnJid(pn) ? pn : null, lid: lid && isLidJid(lid) ? lid : null };
}

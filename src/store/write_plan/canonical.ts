/**
 * The canonical form of a JID, the key every table uses: normalized, and a LID whose phone
 * number is known mapped to that phone JID (the people row owning the LID has the phone JID as
 * its id). Only a LID needs a look-up.
 */
import { isLidJid, normalizeJid } from "../../ids/jid.ts";
import type { Plan } from "./steps.ts";

/** The canonical form of `jid`. */
export function* canonical(jid: string): Plan<string> {
  const j = normalizeJid(jid);
  if (!isLidJid(j)) return j;
  const owner = (yield { t: "lidOwner", lid: j }) as string | null;
  return owner ?? j;
}

/**
 * The same for the per-message path, without a nested plan when no look-up is needed:
 * `j` normalized; yield the returned step only when it is not null (its answer: the owner).
 */
export function lidLookup(j: string): { t: "lidOwner"; lid: string } | null {
  return isLidJid(j) ? { t: "lidOwner", lid: j } : null;
}

/** The same rule with the LID owners already known (a set-based writer reads them up front). */
export function canonicalFrom(jid: string, ownerOf: (lid: string) => string | null | undefined): string {
  const j = normalizeJid(jid);
  return isLidJid(j) ? ownerOf(j) ?? j : j;
}

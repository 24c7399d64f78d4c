/**
 * People: one row per person. A person upsert names a phone JID, a LID or both; when both meet
 * for the first time (`link`), the rows of either are merged into one (id = the phone JID) and
 * everything keyed by the LID is re-keyed (`rekey.ts`).
 */
import { isPersonJid } from "../../ids/jid.ts";
import { personNameKey, personSearchKey } from "../keys.ts";
import { personIdentities } from "../person_identity.ts";
import type { PersonRow } from "../types.ts";
import { canonical } from "./canonical.ts";
import { rekey } from "./rekey.ts";
import { ask, type PersonFacts, type Plan, type PlanState } from "./steps.ts";

/** Whether the LID's row (`byLid`) already carries the phone JID `pn`: linking changes nothing. */
export function isLinked(pn: string, byLid: Pick<PersonFacts, "pnJid"> | null | undefined): boolean {
  // pn_jid is unique: the LID's row is the phone JID's row.
  return byLid?.pnJid === pn;
}

/** A person upsert: links its identities, or makes sure its row exists, then merges its names. */
export function* upsertPerson(state: PlanState, p: Partial<PersonRow> & { pnJid?: string | null; lid?: string | null }): Plan {
  const { pn, lid } = personIdentities(p);
  let id: string;
  if (pn && lid) id = yield* link(state, pn, lid);
  else if (pn || lid) {
    id = yield* canonical((pn ?? lid)!);
    if (isPersonJid(id)) yield { t: "ensurePerson", id };
  } else return; // neither a phone JID nor a LID: not a person
  yield { t: "personNames", id, pushName: p.pushName ?? null, savedName: p.savedName ?? null, businessName: p.businessName ?? null };
  yield* refreshPersonKeys(id);
}

/** Recomputes a person's search keys from the names now stored. */
export function* refreshPersonKeys(id: string): Plan {
  const row = yield* ask({ t: "personById", id });
  if (!row) return;
  const names = { pnJid: row.pnJid, pushName: row.pushName, savedName: row.savedName, businessName: row.businessName };
  yield { t: "personKeys", id, searchKey: personSearchKey(names), nameKey: personNameKey(names) };
}

/**
 * Records that `lid` and `pn` are one person and merges what was stored under either:
 * afterwards one people row (id = pn) carries both, and the LID appears nowhere as a key.
 * Returns the canonical id.
 */
export function* link(state: PlanState, pn: string, lid: string): Plan<string> {
  let byLid = yield* ask({ t: "personByLid", lid });
  if (isLinked(pn, byLid)) return byLid!.id;
  const byPn = yield* ask({ t: "personByPn", pn });
  if (byLid && byLid.pnJid && byLid.pnJid !== pn) {
    // The LID was linked to another number before: the newer mapping wins.
    yield { t: "unlinkLid", id: byLid.id };
    byLid = null;
  }
  if (byPn) {
    if (byLid) {
      // Two rows for one person: fold the LID row's names into the phone row, then drop it.
      yield { t: "foldPerson", into: pn, from: byLid };
      yield { t: "deletePerson", id: byLid.id };
    }
    yield { t: "setLid", id: byPn.id, lid };
  } else if (byLid) {
    // The LID-only row becomes the phone row.
    yield { t: "promoteLidRow", id: byLid.id, pn };
  } else {
    yield { t: "insertLinked", pn, lid };
  }
  yield* rekey(state, lid, pn);
  yield* refreshPersonKeys(pn);
  yield { t: "merged", pn, lid };
  return pn;
}

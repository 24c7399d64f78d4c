/**
 * Contacts (`contacts.upsert`, `contacts.update`, history contacts and push names) and LID
 * mappings (`lid-mapping.update`, history `lidPnMappings`) to writes.
 */
import type { Contact, LIDMapping } from "@whiskeysockets/baileys";
import type { PersonRow, WriteOp } from "../../store/types.ts";
import { lidPnPair, type MapContext, personIdentity } from "../../ids/canonical.ts";
import { chatKindOf, isChatJid, isLidJid, jidOf } from "../../ids/jid.ts";
import { MappingError } from "./messages.ts";

/**
 * One contact. A contact whose id is a group or newsletter (history syncs list every
 * conversation as a contact) names that chat instead of a person.
 */
export function mapContact(c: Partial<Contact>, ctx: MapContext): WriteOp[] {
  const id = jidOf(c.id);
  if (!id) throw new MappingError("contact without id");
  const kind = chatKindOf(id);
  if (!isChatJid(id)) throw new MappingError("contact of an unsupported kind");
  const name = c.name || c.notify || c.verifiedName;
  if (kind !== "person") return name ? [{ op: "upsertChat", chat: { jid: id, kind, name } }] : [];

  const ops: WriteOp[] = [];
  // The contact may name its other form in `lid` or `phoneNumber`, whichever its id is not.
  const alt = isLidJid(id) ? c.phoneNumber : c.lid;
  const pair = lidPnPair(id, alt) ?? lidPnPair(c.lid, c.phoneNumber);
  if (pair) ops.push({ op: "linkLid", lid: pair.lid, pnJid: pair.pnJid });
  const who = personIdentity(id, pair ? (isLidJid(id) ? pair.pnJid : pair.lid) : alt, ctx);
  if (!who) throw new MappingError("contact without a person id");
  const person: Partial<PersonRow> & { id: string } = { ...who };
  if (c.name) person.savedName = c.name;
  if (c.notify) person.pushName = c.notify;
  if (c.verifiedName) person.businessName = c.verifiedName;
  ops.push({ op: "upsertPerson", person });
  return ops;
}

/** One LID ↔ phone-number mapping. */
export function mapLidMapping(m: LIDMapping): WriteOp[] {
  const pair = lidPnPair(m.lid, m.pn);
  if (!pair) throw new MappingError("LID mapping without a LID and a phone-number JID");
  return [
    { op: "linkLid", lid: pair.lid, pnJid: pair.pnJid },
    { op: "upsertPerson", person: { id: pair.pnJid, pnJid: pair.pnJid, lid: pair.lid } },
  ];
}

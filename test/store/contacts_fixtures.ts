/**
 * Generated people and chats for the contact-search tests of both stores (sql.js
 * `sqljs_contacts.test.ts`, PostgreSQL `postgres_contacts.test.ts`): names with accents, other
 * scripts and LIKE's own characters, queries, and one commit of each kind of change.
 */
import type { MessageRow, WriteOp } from "../../src/store/types.ts";

export const FIRST = ["Ana", "anastasia", "Hana", "JOSÉ", "Zoë", "Ðorđe", "Łukasz", "Дана", "María", "Søren", "O'Neil", "50%_off", "back\\slash"];
export const LAST = ["Müller", "SMITH", "Иванова", "Banana", "García", "Kowalski", "Nguyễn", "Öztürk"];
export const QUERIES = [
  "ana", "ANA", "Ana", "an", "a", "", "  ana  ", "é", "e", "zoe", "ZOË", "dorde", "lukasz", "дана", "ДАНА", "müller", "muller",
  "+49 151", "49151", "151 000", "0001", "@lid", "@s.whatsapp", "2012", "%", "_", "\\", "50%_", "o'n", "banana", "xyz",
  "group", "nguyen", "s.whatsapp.net", "ÖZ",
];

/** The phone JID of generated person `i`. */
export const pn = (i: number): string => `49151${String(1000 + i).padStart(7, "0")}@s.whatsapp.net`;

/** A plain text message. */
export function message(chatJid: string, id: string, senderId: string, ts = 1_700_000_000_000): MessageRow {
  return {
    chatJid, id, senderId, fromMe: false, ts, type: "text", text: "hi", quotedId: null, editedText: null,
    editedAt: null, revoked: false, viewOnce: false, status: null, media: null, raw: null,
  };
}

/** 300 people (some LID-only, some without a name), a chat for every 4th, and a named group. */
export function generatedContacts(): WriteOp[] {
  const ops: WriteOp[] = [];
  for (let i = 0; i < 300; i++) {
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 3) % LAST.length]}`;
    if (i % 7 === 0) ops.push({ op: "upsertPerson", person: { lid: `2012${i}@lid`, pushName: name } });
    else if (i % 5 === 0) ops.push({ op: "upsertPerson", person: { pnJid: pn(i) } }); // no name at all
    else ops.push({ op: "upsertPerson", person: { pnJid: pn(i), pushName: name, savedName: i % 2 ? name.toUpperCase() : null } });
    if (i % 4 === 0) ops.push({ op: "upsertChat", chat: { jid: pn(i), name: i % 8 === 0 ? `Chat ${LAST[i % LAST.length]}` : undefined } });
  }
  ops.push({ op: "upsertChat", chat: { jid: "120363000000000001@g.us", name: "Ana's group" } });
  return ops;
}

/** One commit of each kind of change to what a contact search reads, after generatedContacts. */
export const CONTACT_CHANGES: Array<[string, WriteOp[]]> = [
  ["a rename", [{ op: "upsertPerson", person: { pnJid: pn(1), savedName: "Anabel Zed" } }]],
  ["a chat name", [{ op: "upsertChat", chat: { jid: pn(4), name: "Banana Chat" } }]],
  ["a LID linked to its number", [{ op: "linkLid", lid: "20127@lid", pnJid: pn(7) }]],
  ["a chat deleted", [{ op: "deleteChat", jid: pn(8) }]],
  ["a new sender", [{ op: "upsertMessage", message: message("120363000000000001@g.us", "m1", "4915199999999@s.whatsapp.net") }]],
  ["a business name", [{ op: "upsertPerson", person: { pnJid: pn(2), businessName: "Ananas GmbH" } }]],
];

/** search_contacts: people by name or phone substring (the original's tool, same parameter). */
import { z } from "zod";
import { readResult } from "../read_result.ts";
import { contactLines } from "../render.ts";
import { contactOut, noticeField } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { contactToOut } from "../views.ts";

/** The most contacts one search returns (as in the original). */
const MAX_CONTACTS = 50;

/** The tool. */
export const searchContacts = defineTool({
  name: "search_contacts",
  title: "Search contacts",
  description: "Search WhatsApp contacts by name or phone number (case-insensitive substring). Returns up to 50 " +
    "people with their JID and phone number, for use as recipient / jid / sender_phone_number in other tools. " +
    "Groups are not included: use list_chats to find groups.",
  access: "read",
  inputSchema: {
    query: z.string().trim().min(1, { error: "expected a name or part of a phone number" }).max(200)
      .describe('Part of a name or phone number, e.g. "alice" or "1701234"'),
  },
  outputSchema: { contacts: z.array(contactOut), notice: noticeField },
  annotations: { ...READ_ANNOTATIONS, title: "Search contacts" },
  async run({ query }, ctx) {
    // "+49 170-123" should match stored digits: a query that is only a phone number is reduced to digits.
    const q = /^[+\d\s().-]+$/.test(query) && /\d/.test(query) ? query.replace(/\D/g, "") : query;
    const people = await ctx.deps.repository.searchContacts(q, MAX_CONTACTS);
    const contacts = people.slice(0, MAX_CONTACTS).map(contactToOut);
    const headline = contacts.length === 0
      ? `No contacts match ${JSON.stringify(query)}.`
      : `${contacts.length} contact${contacts.length === 1 ? "" : "s"} match${contacts.length === 1 ? "es" : ""} the search.`;
    return readResult(ctx, { contacts }, headline, contacts.flatMap(contactLines));
  },
});

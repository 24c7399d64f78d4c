/**
 * Input fields several tools share, with error messages that name what is expected (the SDK
 * returns them to the model as an `isError` result naming the field).
 */
import { z } from "zod";
import { DATE_FORMAT_HINT, isIsoInstant } from "./dates.ts";

/** A page size. */
export function limitField(def: number, max: number) {
  return z.number({ error: `expected a whole number from 1 to ${max}` })
    .int({ error: `expected a whole number from 1 to ${max}` })
    .min(1, { error: `expected a whole number from 1 to ${max}` })
    .max(max, { error: `expected a whole number from 1 to ${max}` })
    .default(def)
    .describe(`How many items to return (1-${max}, default ${def})`);
}

/** A 0-based page number (the original's paging). */
export const pageField = z.number({ error: "expected a whole number from 0" })
  .int({ error: "expected a whole number from 0" })
  .min(0, { error: "expected a whole number from 0" })
  .default(0)
  .describe("Page number, starting at 0 (skips page*limit items). `cursor` is faster for deep pages");

/** An opaque cursor from a previous page. */
export const cursorField = z.string().max(2000).optional()
  .describe("next_cursor from a previous result, to continue after it (overrides page)");

/** An ISO-8601 instant. */
export function instantField(what: string) {
  return z.string()
    .refine(isIsoInstant, { error: `expected ${DATE_FORMAT_HINT}` })
    .optional()
    .describe(`${what}. ${DATE_FORMAT_HINT}`);
}

/** A chat JID (a person's phone number is accepted too). */
export function chatJidField(what: string) {
  return z.string().min(1, { error: "expected a chat JID" }).max(200).describe(
    `${what}: a chat JID such as 491701234567@s.whatsapp.net or 120363012345678901@g.us ` +
      "(for a 1:1 chat the phone number with country code works too)",
  );
}

/** A person in any form. */
export function personField(what: string) {
  return z.string().min(1, { error: "expected a phone number or JID" }).max(200).describe(
    `${what}: phone number with country code (digits, e.g. 491701234567), phone JID (…@s.whatsapp.net) or LID (…@lid)`,
  );
}

/** A message id. */
export const messageIdField = z.string().min(1, { error: "expected a message id" }).max(200)
  .describe("Message id as returned by list_messages (ids are unique only within a chat)");

/** wait_s of the send tools: how long to wait for the user to approve a held send (0..50 s). */
export const waitField = z.number({ error: "expected seconds from 0 to 50" }).int().min(0).max(50).optional().describe(
  "If the send is held for the user's approval on the local page, wait up to this many seconds for the decision " +
    "before answering (default 0: answer at once with status awaiting_approval)",
);

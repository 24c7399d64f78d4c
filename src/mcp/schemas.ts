/**
 * Output schemas shared by the tools (zod, as the SDK requires). Field names follow the
 * original server's (`chat_jid`, `is_from_me`, `content`, `timestamp`...), so prompts written
 * for it keep working. Times are ISO-8601 UTC strings.
 */
import { z } from "zod";

/** Message types a filter can name. */
export const MESSAGE_TYPES = [
  "text",
  "image",
  "video",
  "audio",
  "voice",
  "document",
  "sticker",
  "location",
  "contact",
  "poll",
  "system",
  "other",
] as const;

const nstr = z.string().nullable();

/** Media attached to a message. */
export const mediaOut = z.object({
  mimetype: nstr,
  file_name: nstr,
  file_length: z.number().nullable(),
  duration_seconds: z.number().nullable(),
  resource_uri: z.string().describe("The media as an MCP resource (resources/read); view_media shows it as content"),
});

/** One message. */
export const messageOut = z.object({
  id: z.string(),
  chat_jid: z.string(),
  chat_name: nstr,
  sender: nstr.describe("Canonical JID of the sender (phone-number JID when known, else LID)"),
  sender_name: nstr,
  sender_phone: nstr.describe("+digits, when known"),
  is_from_me: z.boolean(),
  timestamp: z.string().describe("ISO-8601 UTC"),
  type: z.enum(MESSAGE_TYPES),
  media_type: nstr.describe("The media kind, null for messages without media"),
  content: nstr.describe("Text, caption, file name, poll, location or contact name; the edited text if edited"),
  original_content: nstr.describe("The text before an edit, null if never edited"),
  edited_at: nstr,
  deleted: z.boolean().describe("Deleted for everyone (by the sender, or by a group admin: see deleted_by_admin)"),
  deleted_by_admin: nstr.optional().describe("The group admin who deleted someone else's message (name or JID)"),
  quoted_id: nstr.describe("Id of the message this one replies to"),
  media: mediaOut.nullable(),
  reactions: z.array(z.object({ reactor: z.string(), emoji: z.string() })),
  rank: z.number().nullable().describe("Search relevance (order=relevance), else null"),
  poll: z.object({
    question: nstr,
    multiple: z.boolean(),
    options: z.array(z.object({ name: z.string(), votes: z.number().int() })),
    voters: z.number().int(),
  }).optional().describe("For polls: the options with their vote counts now (who voted: get_poll_results)"),
});

/** A message with its neighbours (list_messages include_context). */
export const messageWithContextOut = messageOut.extend({
  context_before: z.array(messageOut).optional(),
  context_after: z.array(messageOut).optional(),
});

/** One chat. `last_message` is absent when not requested. */
export const chatOut = z.object({
  jid: z.string(),
  name: nstr,
  kind: z.enum(["person", "group", "broadcast", "newsletter"]),
  last_message_time: nstr,
  unread_count: z.number().nullable(),
  marked_unread: z.boolean().optional().describe("The owner marked the chat as unread"),
  last_read_time: nstr.optional().describe("Last-read marker: time of the newest message read (ISO-8601 UTC)"),
  archived: z.boolean().nullable(),
  pinned: z.boolean().nullable(),
  muted_until: nstr,
  description: nstr,
  last_message: messageOut.nullable().optional(),
});

/** One person. */
export const contactOut = z.object({
  jid: z.string().describe("Canonical JID"),
  phone_number: nstr.describe("+digits, when known"),
  name: nstr.describe("Best known name: saved contact name, else business name, else their profile name"),
  saved_name: nstr,
  push_name: nstr.describe("The name the person set on their own profile (anyone can set any name)"),
  business_name: nstr,
  lid: nstr,
});

/** Present on read results when WhatsApp is not connected. */
export const noticeField = z.string().optional().describe("Set when WhatsApp is disconnected: results come from the local copy");

/** Paging fields of list results. */
export const pagingFields = {
  page: z.number().int(),
  limit: z.number().int(),
  next_cursor: nstr.describe("Pass as `cursor` to get the next page; null at the end"),
};

/** The outcome of a send, reaction, edit or delete. */
export const sendOut = {
  status: z.enum(["sent", "awaiting_approval"]).describe(
    "sent, or awaiting_approval: held until the user approves it on approval_url (no tool can approve)",
  ),
  sent: z.boolean(),
  message_id: nstr,
  chat_jid: nstr,
  timestamp: nstr,
  recipient: z.object({ jid: z.string(), name: nstr, kind: z.enum(["person", "group"]) }),
  confirmed_by_user: z.boolean().describe("A human confirmed this send (in a dialog or on the approval page)"),
  approval_id: z.string().optional().describe("Id of the held send (get_send_status)"),
  approval_url: z.string().optional().describe("The page where the user approves or declines the held send"),
  expires_at: z.string().optional().describe("When the held send expires unsent (ISO-8601 UTC)"),
  reason: z.string().optional().describe("Why the user is asked"),
};

/** Output types. */
export type MessageOut = z.infer<typeof messageOut>;
export type ChatOut = z.infer<typeof chatOut>;
export type ContactOut = z.infer<typeof contactOut>;

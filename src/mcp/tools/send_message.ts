/**
 * send_message: text to a person or group (the original's recipient/message), plus a quoted reply
 * and @mentions. Every send goes through the send path: policy, confirmation, rate limits, audit.
 */
import { z } from "zod";
import type { MessageRef } from "../../whatsapp/protocol.ts";
import { messageIdField, waitField } from "../inputs.ts";
import { parseJid } from "../../ids/parse.ts";
import { resolveRecipient } from "../resolve.ts";
import { ToolInputError } from "../results.ts";
import { sendOut } from "../schemas.ts";
import { attemptSend, sendToolResult } from "../send_path.ts";
import { findIn } from "../targets.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";

/** The recipient parameter, shared by the send tools. */
export const recipientField = z.string().trim().min(1, { error: "expected a phone number or JID" }).max(200).describe(
  "Phone number with country code (digits, e.g. 491701234567), or a JID: a person (…@s.whatsapp.net or …@lid) " +
    "or a group (…@g.us)",
);

/** The tool. */
export const sendMessage = defineTool({
  name: "send_message",
  title: "Send a WhatsApp message",
  description: "Send a WhatsApp text message to a person or group, optionally as a reply quoting an earlier " +
    "message and with @mentions. Depending on the server's send policy the user may be asked to confirm; a " +
    "first message to someone the user never wrote to needs confirmation by default.",
  access: "write",
  inputSchema: {
    recipient: recipientField,
    message: z.string().min(1, { error: "expected the text to send" }).max(65_536).describe("The text to send"),
    reply_to_message_id: messageIdField.optional().describe("Quote this message of the same chat (a reply)"),
    mentions: z.array(z.string().trim().min(1).max(200)).max(50).optional()
      .describe("People to @mention (phone numbers or JIDs); put @<phone digits> in the text where each appears"),
    wait_s: waitField,
  },
  outputSchema: sendOut,
  annotations: { ...SEND_ANNOTATIONS, title: "Send a WhatsApp message" },
  async run(a, ctx) {
    const repo = ctx.deps.repository;
    const recipient = await resolveRecipient(repo, a.recipient);
    let quoted: MessageRef | undefined;
    if (a.reply_to_message_id !== undefined) {
      quoted = (await findIn(repo, recipient, a.reply_to_message_id, "reply_to_message_id")).ref;
    }
    let mentions: string[] | undefined;
    if (a.mentions && a.mentions.length > 0) {
      mentions = [];
      for (const [i, m] of a.mentions.entries()) {
        const p = parseJid(m, `mentions[${i}]`);
        if (p.kind !== "phone" && p.kind !== "lid") throw new ToolInputError(`mentions[${i}] must name a person`);
        mentions.push((await repo.resolvePerson(p.jid))?.id ?? p.jid);
      }
    }
    const outcome = await attemptSend(ctx, {
      tool: "send_message",
      action: "Send this WhatsApp message",
      recipient,
      text: a.message,
      mentions,
      quotedId: quoted?.id ?? null,
      op: { type: "text", jid: recipient.jid, text: a.message, quoted, mentions },
      waitSeconds: a.wait_s,
    });
    return sendToolResult(outcome, recipient, "Sent");
  },
});

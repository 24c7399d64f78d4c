/** send_contact: share a person as a contact card (vCard with their WhatsApp number). */
import { z } from "zod";
import { personField } from "../inputs.ts";
import { resolveRecipient } from "../resolve.ts";
import { ToolInputError } from "../results.ts";
import { sendOut } from "../schemas.ts";
import { attemptSend, sendToolResult } from "../send_path.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";
import { contactVcard } from "../vcard.ts";
import { recipientField } from "./send_message.ts";

/** The tool. */
export const sendContact = defineTool({
  name: "send_contact",
  title: "Share a contact",
  description: "Send a contact card (vCard) of a person to someone: the card carries the person's name and WhatsApp " +
    "number. The name defaults to the one in the local copy.",
  access: "write",
  inputSchema: {
    recipient: recipientField,
    contact: personField("The person to share"),
    name: z.string().trim().min(1).max(200).optional().describe("The name on the card (default: the known name)"),
  },
  outputSchema: sendOut,
  annotations: { ...SEND_ANNOTATIONS, title: "Share a contact" },
  async run(a, ctx) {
    const repo = ctx.deps.repository;
    const recipient = await resolveRecipient(repo, a.recipient);
    const shared = await resolveRecipient(repo, a.contact, "contact");
    if (shared.kind !== "person") throw new ToolInputError("contact must be a person, not a group");
    if (!shared.phone) throw new ToolInputError("contact: no phone number is known for this person (give their number)");
    const digits = shared.phone.replace(/\D/g, "");
    const name = (a.name ?? shared.name ?? shared.phone).replace(/\s+/g, " ").trim();
    const outcome = await attemptSend(ctx, {
      tool: "send_contact",
      action: "Share this contact",
      recipient,
      details: [`Contact card: ${name} (${shared.phone})`],
      op: { type: "request", request: { type: "sendContent", jid: recipient.jid, content: { kind: "contact", displayName: name, vcard: contactVcard(name, digits) } } },
    });
    return sendToolResult(outcome, recipient, "Contact sent");
  },
});

/**
 * send_poll: a poll (question, 2 to 12 options, one or several choices) to a person or group.
 * A message like any other: the same send policy, and the question and options are checked for
 * content from other chats like a text. Votes come back decrypted into the mirror
 * (get_poll_results).
 */
import { z } from "zod";
import { waitField } from "../inputs.ts";
import { resolveRecipient } from "../resolve.ts";
import { sendOut } from "../schemas.ts";
import { attemptSend, sendToolResult } from "../send_path.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";
import { recipientField } from "./send_message.ts";

/** Most options WhatsApp allows in a poll. */
export const MAX_POLL_OPTIONS = 12;

const option = z.string().trim().min(1, { error: "a poll option cannot be empty" }).max(100, { error: "a poll option has at most 100 characters" });

/** The tool. */
export const sendPoll = defineTool({
  name: "send_poll",
  title: "Send a poll",
  description: "Send a WhatsApp poll to a person or group: a question and 2 to 12 different options; multiple=true lets " +
    "people pick several. Goes through the same send policy as a message. Read the votes with get_poll_results.",
  access: "write",
  inputSchema: {
    recipient: recipientField,
    question: z.string().trim().min(1, { error: "expected the poll's question" }).max(255, { error: "a question has at most 255 characters" })
      .describe("The question"),
    options: z.array(option).min(2, { error: "a poll needs at least 2 options" }).max(MAX_POLL_OPTIONS, { error: "a poll has at most 12 options" })
      .refine((o) => new Set(o.map((x) => x.toLowerCase())).size === o.length, { error: "poll options must be different from each other" })
      .describe("2 to 12 different, non-empty options"),
    multiple: z.boolean().default(false).describe("Allow picking several options (default: one)"),
    wait_s: waitField,
  },
  outputSchema: sendOut,
  annotations: { ...SEND_ANNOTATIONS, title: "Send a poll" },
  async run(a, ctx) {
    const recipient = await resolveRecipient(ctx.deps.repository, a.recipient);
    const outcome = await attemptSend(ctx, {
      tool: "send_poll",
      action: "Send this poll",
      recipient,
      // The question and options are what people read: the dialog and the data-flow check see them as text.
      text: [a.question, ...a.options.map((o) => `- ${o}`)].join("\n"),
      details: [a.multiple ? "Several options may be picked" : "One option may be picked"],
      waitSeconds: a.wait_s,
      op: {
        type: "request",
        request: {
          type: "sendContent",
          jid: recipient.jid,
          // WhatsApp's selectableCount: 0 means any number, 1 a single choice.
          content: { kind: "poll", question: a.question, options: a.options, selectableCount: a.multiple ? 0 : 1 },
        },
      },
    });
    return sendToolResult(outcome, recipient, "Poll sent");
  },
});

/** get_poll_results: a poll's options with vote counts and who voted for each (votes decrypted into the local copy). */
import { z } from "zod";
import { chatJidField, messageIdField } from "../inputs.ts";
import { readLinkStatus } from "../link.ts";
import { pollLines, pollToOut } from "../poll_view.ts";
import { ownId } from "../resolve.ts";
import { okResult, ToolInputError } from "../results.ts";
import { loadTarget } from "../targets.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { untrustedBlock } from "../untrusted.ts";

const voter = z.object({ jid: z.string(), name: z.string().nullable(), phone: z.string().nullable(), is_me: z.boolean(), voted_at: z.string() });

/** The tool. */
export const getPollResults = defineTool({
  name: "get_poll_results",
  title: "Poll results",
  description: "The results of a poll in the local copy: each option with its number of votes and who voted for it " +
    "(each person's latest vote; a vote taken back counts nowhere). Works for the user's polls and other people's.",
  access: "read",
  inputSchema: { chat_jid: chatJidField("The chat the poll is in"), message_id: messageIdField },
  outputSchema: {
    chat_jid: z.string(),
    message_id: z.string(),
    question: z.string().nullable(),
    multiple: z.boolean().describe("Several options may be picked"),
    options: z.array(z.object({ name: z.string(), votes: z.number().int(), voters: z.array(voter) })),
    voters: z.number().int().describe("People with a vote now"),
  },
  annotations: { ...READ_ANNOTATIONS, title: "Poll results" },
  async run(a, ctx) {
    const repo = ctx.deps.repository;
    const { message } = await loadTarget(repo, a.chat_jid, a.message_id);
    if (message.type !== "poll") throw new ToolInputError(`message_id: message ${a.message_id} is a ${message.type} message, not a poll`);
    const [poll] = await repo.getPolls([{ chatJid: message.chatJid, id: message.id }]);
    if (!poll) throw new ToolInputError(`message_id: the poll's options are not in the local copy (it was stored before polls were)`);
    const out = pollToOut(poll, ownId((await readLinkStatus(ctx.deps))?.me));
    return okResult(
      { chat_jid: message.chatJid, message_id: message.id, ...out },
      untrustedBlock(`Poll ${message.id} in ${message.chatJid}: ${out.voters} voted.`, pollLines(out).join("\n")),
    );
  },
});

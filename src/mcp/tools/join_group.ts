/** join_group: join a group by its invite link; always confirmed by the user. */
import { z } from "zod";
import type { GroupMetadataReply } from "../../whatsapp/protocol.ts";
import { actionOut, guardedAction } from "../action_result.ts";
import { inviteCodeOf } from "../group_invite.ts";
import { linkProblem, readLinkStatus } from "../link.ts";
import { errorResult, ToolInputError } from "../results.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";
import { untrustedBlock } from "../untrusted.ts";

/** The tool. */
export const joinGroup = defineTool({
  name: "join_group",
  title: "Join a group",
  description: "Join a WhatsApp group with an invite link (https://chat.whatsapp.com/…) or its code. Always asks the " +
    "user to confirm, showing the group's name and size: an invite link in a message is an easy lure.",
  access: "write",
  kind: "group_admin",
  toolset: "groups",
  inputSchema: {
    invite: z.string().trim().min(1, { error: "expected an invite link" }).max(300)
      .describe("The invite link (https://chat.whatsapp.com/…) or the code at its end"),
  },
  outputSchema: actionOut({ chat_jid: z.string(), name: z.string().nullable() }),
  annotations: { ...SEND_ANNOTATIONS, destructiveHint: false, title: "Join a group" },
  async run(a, ctx) {
    const code = inviteCodeOf(a.invite);
    if (!code) throw new ToolInputError("invite: expected a link like https://chat.whatsapp.com/AbCdEf… or its code");
    const problem = linkProblem(await readLinkStatus(ctx.deps), ctx.deps.config.statusUrl);
    if (problem) return errorResult(problem);
    let info: GroupMetadataReply;
    try {
      info = await ctx.deps.whatsapp.ask({ type: "groupInviteInfo", code });
    } catch (err) {
      return errorResult(`This invite link does not work (expired, reset, or wrong): ${(err as Error).message}`);
    }
    const group = { kind: "group" as const, jid: info.jid, aliases: [info.jid], name: info.subject, nameSource: "group" as const, phone: null, person: null, chat: null };
    return await guardedAction(ctx, {
      tool: "join_group",
      kind: "group_admin",
      alwaysConfirm: true,
      action: "Join this WhatsApp group",
      recipient: group,
      details: [`Members: ${info.participants.length}`],
      op: { type: "request", request: { type: "groupJoin", code } },
    }, (reply) => {
      const jid = reply.jid;
      return { structured: { chat_jid: jid, name: info.subject }, text: untrustedBlock(`Joined group ${jid}.`, `name: ${info.subject ?? "(no name)"}`) };
    });
  },
});

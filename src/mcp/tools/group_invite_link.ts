/** group_invite_link: a group's invite link (admins only), or a fresh one that invalidates the old. */
import { z } from "zod";
import { actionOut, guardedAction } from "../action_result.ts";
import { inviteLink } from "../group_invite.ts";
import { resolveGroup } from "../group_targets.ts";
import { chatJidField } from "../inputs.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";

/** The tool. */
export const groupInviteLink = defineTool({
  name: "group_invite_link",
  title: "Group invite link",
  description: "Get a WhatsApp group's invite link (anyone with it can join; the user must be a group admin), or " +
    "with revoke=true reset it so the old link stops working. The user confirms by default.",
  access: "write",
  kind: "group_admin",
  toolset: "groups",
  inputSchema: {
    chat_jid: chatJidField("The group (…@g.us)"),
    revoke: z.boolean().default(false).describe("Reset the link: the old one stops working (default false)"),
  },
  outputSchema: actionOut({ chat_jid: z.string(), invite_link: z.string(), revoked: z.boolean() }),
  annotations: { ...SEND_ANNOTATIONS, destructiveHint: true, title: "Group invite link" },
  async run(a, ctx) {
    const group = await resolveGroup(ctx.deps.repository, a.chat_jid);
    return await guardedAction(ctx, {
      tool: "group_invite_link",
      kind: "group_admin",
      action: a.revoke ? "Reset this group's invite link (the old link stops working)" : "Get this group's invite link (anyone with it can join)",
      recipient: group,
      op: { type: "request", request: { type: "groupInviteCode", jid: group.jid, revoke: a.revoke } },
    }, (reply) => ({
      structured: { chat_jid: group.jid, invite_link: inviteLink(reply.code), revoked: a.revoke },
      text: `${a.revoke ? "New invite link" : "Invite link"} of ${group.jid}: ${inviteLink(reply.code)}`,
    }));
  },
});

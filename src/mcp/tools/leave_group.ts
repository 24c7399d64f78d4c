/** leave_group: leave a group (the chat and its history stay in the local copy). */
import { z } from "zod";
import { actionOut, guardedAction } from "../action_result.ts";
import { resolveGroup } from "../group_targets.ts";
import { chatJidField } from "../inputs.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";

/** The tool. */
export const leaveGroup = defineTool({
  name: "leave_group",
  title: "Leave a group",
  description: "Leave a WhatsApp group. The members see that the user left; the chat's history stays in the local copy. " +
    "The user confirms by default.",
  access: "write",
  kind: "group_admin",
  toolset: "groups",
  inputSchema: { chat_jid: chatJidField("The group (…@g.us)") },
  outputSchema: actionOut({ chat_jid: z.string(), left: z.literal(true) }),
  annotations: { ...SEND_ANNOTATIONS, title: "Leave a group" },
  async run(a, ctx) {
    const group = await resolveGroup(ctx.deps.repository, a.chat_jid);
    return await guardedAction(ctx, {
      tool: "leave_group",
      kind: "group_admin",
      action: "Leave this WhatsApp group",
      recipient: group,
      op: { type: "request", request: { type: "groupLeave", jid: group.jid } },
    }, () => ({ structured: { chat_jid: group.jid, left: true as const }, text: `Left group ${group.jid}.` }));
  },
});

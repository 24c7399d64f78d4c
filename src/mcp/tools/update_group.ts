/** update_group: change a group's name (subject) and/or description. */
import { z } from "zod";
import { actionOut, guardedAction } from "../action_result.ts";
import { resolveGroup } from "../group_targets.ts";
import { chatJidField } from "../inputs.ts";
import { ToolInputError } from "../results.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";

/** The tool. */
export const updateGroup = defineTool({
  name: "update_group",
  title: "Change a group's name or description",
  description: "Change a WhatsApp group's name (subject) and/or description; an empty description removes it. " +
    "Every member sees the change. The user confirms by default.",
  access: "write",
  kind: "group_admin",
  toolset: "groups",
  inputSchema: {
    chat_jid: chatJidField("The group (…@g.us)"),
    subject: z.string().trim().min(1, { error: "a group name cannot be empty" }).max(100, { error: "a group name has at most 100 characters" })
      .optional().describe("The new name, up to 100 characters"),
    description: z.string().max(2048, { error: "a description has at most 2048 characters" }).optional()
      .describe('The new description; "" removes it'),
  },
  outputSchema: actionOut({ chat_jid: z.string(), subject: z.string().nullable(), description: z.string().nullable() }),
  annotations: { ...SEND_ANNOTATIONS, idempotentHint: true, title: "Change a group's name or description" },
  async run(a, ctx) {
    if (a.subject === undefined && a.description === undefined) throw new ToolInputError("give subject, description or both");
    const group = await resolveGroup(ctx.deps.repository, a.chat_jid);
    const details: string[] = [];
    if (a.subject !== undefined) details.push(`New name: ${a.subject}`);
    if (a.description !== undefined) details.push(a.description ? `New description: ${a.description}` : "Remove the description");
    return await guardedAction(ctx, {
      tool: "update_group",
      kind: "group_admin",
      action: "Change this WhatsApp group",
      recipient: group,
      details,
      op: {
        type: "request",
        request: {
          type: "groupUpdate",
          jid: group.jid,
          ...(a.subject !== undefined ? { subject: a.subject } : {}),
          ...(a.description !== undefined ? { description: a.description || null } : {}),
        },
      },
    }, () => ({
      structured: { chat_jid: group.jid, subject: a.subject ?? null, description: a.description ?? null },
      text: `Group ${group.jid} updated${a.subject !== undefined ? " (name)" : ""}${a.description !== undefined ? " (description)" : ""}.`,
    }));
  },
});

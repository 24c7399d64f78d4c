/** create_group: a new group with a name and members; the user is its admin. */
import { z } from "zod";
import { actionOut, guardedAction } from "../action_result.ts";
import { newGroupRecipient, personLabel, resolvePeople } from "../group_targets.ts";
import { personField } from "../inputs.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";
import { untrustedBlock } from "../untrusted.ts";

/** The tool. */
export const createGroup = defineTool({
  name: "create_group",
  title: "Create a group",
  description: "Create a WhatsApp group with a name and members (phone numbers or JIDs); the user becomes its admin. " +
    "The user confirms by default (group changes are seen by every member).",
  access: "write",
  kind: "group_admin",
  toolset: "groups",
  inputSchema: {
    name: z.string().trim().min(1, { error: "expected the group's name" }).max(100, { error: "a group name has at most 100 characters" })
      .describe("The group's name (subject), up to 100 characters"),
    participants: z.array(personField("A member")).min(1, { error: "expected at least one member" }).max(256)
      .describe("The members besides the user: phone numbers with country code or JIDs"),
  },
  outputSchema: actionOut({
    chat_jid: z.string(),
    name: z.string(),
    participants: z.array(z.string()).describe("Members WhatsApp put in the group (phone-number JIDs where known)"),
  }),
  annotations: { ...SEND_ANNOTATIONS, destructiveHint: false, title: "Create a group" },
  async run(a, ctx) {
    const people = await resolvePeople(ctx.deps.repository, a.participants);
    return await guardedAction(ctx, {
      tool: "create_group",
      kind: "group_admin",
      action: "Create this WhatsApp group",
      recipient: newGroupRecipient(a.name),
      participants: people,
      details: [`Members: ${people.map(personLabel).join(", ")}`],
      op: { type: "request", request: { type: "groupCreate", subject: a.name, participants: people.map((p) => p.jid) } },
    }, (g) => {
      const members = g.participants.map((p) => p.phoneJid ?? p.id);
      return {
        structured: { chat_jid: g.jid, name: g.subject ?? a.name, participants: members },
        text: untrustedBlock(`Group created: ${g.jid} with ${members.length} members.`, `name: ${g.subject ?? a.name}`),
      };
    });
  },
});

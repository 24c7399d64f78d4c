/** group_participants: add, remove, promote or demote members of a group the user administers. */
import { z } from "zod";
import { actionOut, guardedAction } from "../action_result.ts";
import { personLabel, resolveGroup, resolvePeople } from "../group_targets.ts";
import { chatJidField, personField } from "../inputs.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";

const VERB = { add: "Add", remove: "Remove", promote: "Make admin", demote: "Remove admin rights of" } as const;

/** What WhatsApp's per-participant codes mean. */
export function participantStatusText(status: string): string {
  return {
    "200": "done",
    "403": "not allowed (their privacy settings, or they are the group's creator)",
    "404": "not a member / not on WhatsApp",
    "408": "they left recently and cannot be added again yet",
    "409": "already a member",
    "401": "you are not an admin of this group",
  }[status] ?? `failed (code ${status})`;
}

/** The tool. */
export const groupParticipants = defineTool({
  name: "group_participants",
  title: "Change group members",
  description: "Add or remove members of a WhatsApp group, or make them admins (promote) or not (demote). Needs the " +
    "user to be a group admin. Reports the outcome per person. The user confirms by default.",
  access: "write",
  kind: "group_admin",
  toolset: "groups",
  inputSchema: {
    chat_jid: chatJidField("The group (…@g.us)"),
    action: z.enum(["add", "remove", "promote", "demote"], { error: 'expected "add", "remove", "promote" or "demote"' })
      .describe('"add", "remove", "promote" (make admin) or "demote" (remove admin rights)'),
    participants: z.array(personField("A person")).min(1, { error: "expected at least one person" }).max(256),
  },
  outputSchema: actionOut({
    chat_jid: z.string(),
    action: z.enum(["add", "remove", "promote", "demote"]),
    results: z.array(z.object({ jid: z.string(), ok: z.boolean(), status: z.string(), detail: z.string() })),
  }),
  annotations: { ...SEND_ANNOTATIONS, title: "Change group members" },
  async run(a, ctx) {
    const repo = ctx.deps.repository;
    const group = await resolveGroup(repo, a.chat_jid);
    const people = await resolvePeople(repo, a.participants);
    return await guardedAction(ctx, {
      tool: "group_participants",
      kind: "group_admin",
      action: `${VERB[a.action]} these people in this WhatsApp group`,
      recipient: group,
      // Adding people contacts them: the allow-list and first-contact rule apply to each.
      participants: a.action === "add" ? people : undefined,
      details: [`${VERB[a.action]}: ${people.map(personLabel).join(", ")}`],
      op: { type: "request", request: { type: "groupParticipants", jid: group.jid, action: a.action, participants: people.map((p) => p.jid) } },
    }, (results) => {
      const rows = results.map((r) => ({ jid: r.jid, ok: r.status === "200", status: r.status, detail: participantStatusText(r.status) }));
      const done = rows.filter((r) => r.ok).length;
      return {
        structured: { chat_jid: group.jid, action: a.action, results: rows },
        text: [`${a.action}: ${done} of ${rows.length} done in ${group.jid}.`, ...rows.map((r) => `- ${r.jid}: ${r.detail}`)].join("\n"),
      };
    });
  },
});

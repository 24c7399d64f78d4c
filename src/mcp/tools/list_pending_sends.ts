/** list_pending_sends: the sends waiting for the user's approval on the local page (newest first). */
import { z } from "zod";
import { heldState, heldStatusOut } from "../held/request.ts";
import { heldStatusOut as heldShape } from "../held/schema.ts";
import { okResult } from "../results.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { untrustedBlock } from "../untrusted.ts";

/** The tool. */
export const listPendingSends = defineTool({
  name: "list_pending_sends",
  title: "Sends waiting for approval",
  description: "List the sends held for the user's approval that are still waiting, with their approval page. " +
    "Only the user can approve them, on that page.",
  access: "read",
  toolset: "send",
  inputSchema: {},
  outputSchema: { pending: z.array(heldShape), approve_url: z.string().nullable() },
  annotations: { ...READ_ANNOTATIONS, title: "Sends waiting for approval" },
  async run(_a, ctx) {
    const now = ctx.deps.clock.now();
    const base = ctx.deps.config.statusUrl;
    const rows = await ctx.deps.repository.listHeldSends({ statuses: ["waiting"], limit: 100 });
    const pending = rows.filter((r) => heldState(r, now) === "waiting").map((r) => heldStatusOut(r, now, base));
    const page = base ? `${base.replace(/\/+$/, "")}/approve` : null;
    const headline = pending.length === 0
      ? "No sends are waiting for approval."
      : `${pending.length} send${pending.length === 1 ? " is" : "s are"} waiting for the user's approval at ${page ?? "/approve"}:`;
    const lines = pending.map((p) => `${p.approval_id} | ${p.tool} to ${p.recipient.name ?? p.recipient.jid} | ${p.seconds_left} s left | ${p.reason}`);
    return okResult({ pending, approve_url: page }, untrustedBlock(headline, lines.join("\n")));
  },
});

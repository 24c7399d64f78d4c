/** list_scheduled: scheduled sends and what became of them (waiting, sent, late, failed, expired, cancelled, unknown). */
import { z } from "zod";
import { okResult } from "../results.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { untrustedBlock } from "../untrusted.ts";
import { SCHEDULED_STATUSES, scheduledOutShape } from "../../schedule/schema.ts";
import { scheduledOut, scheduledSentence } from "../../schedule/request.ts";

const WAITING = new Set(["pending", "sending"]);

/** The tool. */
export const listScheduled = defineTool({
  name: "list_scheduled",
  title: "Scheduled WhatsApp messages",
  description: "List scheduled sends: those waiting (soonest first), then the settled ones (latest time first) with " +
    "their outcome: sent (with `late` when it went out after its time), failed or expired (with the reason), " +
    "cancelled, or unknown (in flight when the server stopped; never sent twice).",
  access: "read",
  toolset: "schedule",
  inputSchema: {
    status: z.array(z.enum(SCHEDULED_STATUSES)).max(7).optional().describe("Only these statuses (default: all)"),
    limit: z.number().int().min(1).max(200).default(50).describe("How many to return (1-200, default 50)"),
  },
  outputSchema: { scheduled: z.array(scheduledOutShape), waiting: z.number().describe("How many wait to be sent") },
  annotations: { ...READ_ANNOTATIONS, title: "Scheduled WhatsApp messages" },
  async run(a, ctx) {
    const wanted = a.status ?? SCHEDULED_STATUSES;
    const repo = ctx.deps.repository;
    const open = wanted.filter((x) => WAITING.has(x));
    const done = wanted.filter((x) => !WAITING.has(x));
    // Waiting ones soonest first, then the settled ones latest first (the table keeps every outcome).
    const waiting = open.length ? await repo.listScheduled({ statuses: open, limit: 1000 }) : [];
    const settled = done.length ? await repo.listScheduled({ statuses: done, limit: a.limit, latestFirst: true }) : [];
    const list = [...waiting, ...settled].slice(0, a.limit).map((r) => scheduledOut(r, ctx.deps.config.scheduleLateAfterMs));
    const headline = waiting.length + settled.length === 0
      ? "No scheduled sends."
      : `${waiting.length} scheduled send${waiting.length === 1 ? "" : "s"} waiting; ${list.length} shown:`;
    const lines = list.map((s) => `${s.schedule_id} [${s.status}${s.late ? ", late" : ""}] ${scheduledSentence(s)}`);
    return okResult({ scheduled: list, waiting: waiting.length }, untrustedBlock(headline, lines.join("\n")));
  },
});

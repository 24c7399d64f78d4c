/** check_on_whatsapp: which phone numbers have a WhatsApp account (asked live, nothing is sent to them). */
import { z } from "zod";
import { linkProblem, readLinkStatus } from "../link.ts";
import { errorResult, okResult } from "../results.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";

/** The tool. */
export const checkOnWhatsApp = defineTool({
  name: "check_on_whatsapp",
  title: "Is this number on WhatsApp?",
  description: "Check which phone numbers (with country code) have a WhatsApp account, and their WhatsApp JID. " +
    "Asks WhatsApp live; the people are not notified.",
  access: "read",
  toolset: "people",
  inputSchema: {
    phone_numbers: z.array(z.string().trim().min(1).max(40)).min(1, { error: "expected at least one phone number" })
      .max(50, { error: "at most 50 numbers per call" })
      .describe("Phone numbers with country code, e.g. +49 170 1234567 or 491701234567"),
  },
  outputSchema: {
    results: z.array(z.object({
      phone_number: z.string(),
      on_whatsapp: z.boolean().nullable().describe("null when the number could not be checked (see error)"),
      jid: z.string().nullable(),
      error: z.string().nullable(),
    })),
  },
  annotations: { ...READ_ANNOTATIONS, openWorldHint: true, title: "Is this number on WhatsApp?" },
  async run(a, ctx) {
    const problem = linkProblem(await readLinkStatus(ctx.deps), ctx.deps.config.statusUrl);
    if (problem) return errorResult(problem);
    const results = [];
    for (const phone of a.phone_numbers) {
      try {
        const r = await ctx.deps.whatsapp.ask({ type: "onWhatsApp", phone });
        results.push({ phone_number: phone, on_whatsapp: r.exists, jid: r.jid, error: null });
      } catch (err) {
        results.push({ phone_number: phone, on_whatsapp: null, jid: null, error: (err as Error).message });
      }
    }
    const lines = results.map((r) =>
      `- ${r.phone_number}: ${r.on_whatsapp === null ? `not checked (${r.error})` : r.on_whatsapp ? `on WhatsApp as ${r.jid}` : "not on WhatsApp"}`
    );
    return okResult({ results }, [`${results.filter((r) => r.on_whatsapp).length} of ${results.length} on WhatsApp:`, ...lines].join("\n"));
  },
});

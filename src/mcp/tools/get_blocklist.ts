/** get_blocklist: the people the account has blocked, asked from WhatsApp. */
import { z } from "zod";
import { linkProblem, readLinkStatus } from "../link.ts";
import { plusPhoneOf } from "../../ids/phone.ts";
import { errorResult, okResult } from "../results.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { quoted } from "../render.ts";
import { untrustedBlock } from "../untrusted.ts";
import { cleanNameOrNull } from "../untrusted_text.ts";
import { bestName } from "../views.ts";

/** The tool. */
export const getBlocklist = defineTool({
  name: "get_blocklist",
  title: "Blocked contacts",
  description: "List the people the user has blocked on WhatsApp (asked live), with their names where the local copy knows them.",
  access: "read",
  toolset: "people",
  inputSchema: {},
  outputSchema: {
    blocked: z.array(z.object({ jid: z.string(), phone: z.string().nullable(), name: z.string().nullable() })),
  },
  annotations: { ...READ_ANNOTATIONS, openWorldHint: true, title: "Blocked contacts" },
  async run(_a, ctx) {
    const problem = linkProblem(await readLinkStatus(ctx.deps), ctx.deps.config.statusUrl);
    if (problem) return errorResult(problem);
    const { jids } = await ctx.deps.whatsapp.ask({ type: "blocklist" });
    const blocked = [];
    for (const j of jids) {
      // WhatsApp names blocked people by LID: the store maps them to the phone JID where it knows it.
      const p = await ctx.deps.repository.resolvePerson(j);
      const jid = p?.id ?? j;
      blocked.push({ jid, phone: plusPhoneOf(p?.pnJid ?? jid), name: p ? cleanNameOrNull(bestName(p)) : null });
    }
    const lines = blocked.map((b) => `- ${quoted(b.name)} | ${b.phone ?? b.jid}`);
    return okResult({ blocked }, untrustedBlock(`${blocked.length} blocked.`, lines.join("\n")));
  },
});

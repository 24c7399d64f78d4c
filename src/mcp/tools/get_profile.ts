/**
 * get_profile: what WhatsApp shows about a person or group: name, about text, business profile
 * and the profile picture (a small preview, inline as an image). Cached for a few minutes.
 */
import { z } from "zod";
import { isoUtc } from "../dates.ts";
import { inlineContent } from "../inline_media.ts";
import { chatJidField } from "../inputs.ts";
import { linkProblem, readLinkStatus } from "../link.ts";
import { cachedProfile, rememberProfile } from "../profile_cache.ts";
import { quoted } from "../render.ts";
import { resolveRecipient } from "../resolve.ts";
import { errorResult } from "../results.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { untrustedBlock } from "../untrusted.ts";
import { cleanNameOrNull, cleanTextOrNull } from "../untrusted_text.ts";

const nstr = z.string().nullable();

/** The tool. */
export const getProfile = defineTool({
  name: "get_profile",
  title: "Profile of a person or group",
  description: "Show what WhatsApp shows about a person or group: name, about text (when they share it), business profile " +
    "(for business accounts) and the profile picture as a small image. Asked live, cached for 10 minutes.",
  access: "read",
  toolset: "people",
  inputSchema: { jid: chatJidField("The person or group") },
  outputSchema: {
    jid: z.string(),
    kind: z.enum(["person", "group"]),
    name: nstr,
    phone: nstr,
    about: nstr.describe("Their about/status text; null when hidden or empty"),
    about_set_at: nstr,
    business: z.object({ description: nstr, category: nstr, email: nstr, website: z.array(z.string()), address: nstr }).nullable(),
    has_picture: z.boolean().describe("A picture is attached as an image block"),
    picture_note: nstr.describe("Why no picture is shown, when WhatsApp named one"),
    fetched_at: z.string().describe("When WhatsApp was asked (a cached answer is up to 10 minutes old)"),
  },
  annotations: { ...READ_ANNOTATIONS, openWorldHint: true, title: "Profile of a person or group" },
  async run(a, ctx) {
    const r = await resolveRecipient(ctx.deps.repository, a.jid, "jid");
    const now = ctx.deps.clock.now();
    let hit = cachedProfile(ctx.deps.whatsapp, r.jid, now);
    if (!hit) {
      const problem = linkProblem(await readLinkStatus(ctx.deps), ctx.deps.config.statusUrl);
      if (problem) return errorResult(problem);
      const profile = await ctx.deps.whatsapp.ask({ type: "profile", jid: r.jid });
      rememberProfile(ctx.deps.whatsapp, r.jid, profile, now);
      hit = { profile, at: now };
    }
    const p = hit.profile;
    const inline = p.picture ? inlineContent(p.picture.bytes) : null;
    const image = inline?.type === "image" ? inline : null;
    const b = p.business;
    const structured = {
      jid: r.jid,
      kind: r.kind,
      name: cleanNameOrNull(r.name),
      phone: r.phone,
      about: cleanTextOrNull(p.about),
      about_set_at: p.aboutSetAt ? isoUtc(p.aboutSetAt) : null,
      business: b
        ? {
          description: cleanTextOrNull(b.description),
          category: cleanNameOrNull(b.category),
          email: cleanNameOrNull(b.email),
          website: b.website.map((w) => cleanNameOrNull(w) ?? ""),
          address: cleanTextOrNull(b.address),
        }
        : null,
      has_picture: image !== null,
      picture_note: image ? null : p.picture ? "the picture is not an image type clients show" : p.pictureProblem,
      fetched_at: isoUtc(hit.at),
    };
    const lines = [
      `name: ${quoted(structured.name)}${r.phone ? ` (${r.phone})` : ""}`,
      `about: ${structured.about === null ? "(hidden or empty)" : structured.about}`,
    ];
    if (structured.business) {
      const x = structured.business;
      lines.push(`business: ${[x.category, x.description, x.email, ...x.website, x.address].filter(Boolean).join(" | ") || "(no details)"}`);
    }
    const headline = `Profile of ${r.jid}${image ? " (picture attached)" : structured.picture_note ? ` (no picture: ${structured.picture_note})` : " (no picture)"}.`;
    return {
      content: [{ type: "text", text: untrustedBlock(headline, lines.join("\n")) }, ...(image ? [image] : [])],
      structuredContent: structured,
    };
  },
});

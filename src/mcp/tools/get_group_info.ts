/**
 * get_group_info: a group's subject, description, participants and admins. Live from WhatsApp
 * when connected (names from the local copy), else from the local copy.
 */
import { z } from "zod";
import type { GroupMetadataReply } from "../../whatsapp/protocol.ts";
import { isoUtc } from "../dates.ts";
import { chatJidField } from "../inputs.ts";
import { inviteLink as linkOf } from "../group_invite.ts";
import { readLinkStatus } from "../link.ts";
import { ownId } from "../resolve.ts";
import { parseJid } from "../../ids/parse.ts";
import { plusPhoneOf } from "../../ids/phone.ts";
import { readResult } from "../read_result.ts";
import { ToolInputError } from "../results.ts";
import { noticeField } from "../schemas.ts";
import { quoted } from "../render.ts";
import { cleanNameOrNull, cleanTextOrNull } from "../untrusted_text.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";

const participantOut = z.object({
  jid: z.string(),
  phone: z.string().nullable(),
  name: z.string().nullable(),
  admin: z.enum(["admin", "superadmin"]).nullable(),
});

type Participant = z.infer<typeof participantOut>;

/** The tool. */
export const getGroupInfo = defineTool({
  name: "get_group_info",
  title: "Group details",
  description: "Get a WhatsApp group's name, description, participants and admins.",
  access: "read",
  inputSchema: { chat_jid: chatJidField("The group (…@g.us)") },
  outputSchema: {
    jid: z.string(),
    name: z.string().nullable(),
    description: z.string().nullable(),
    owner: z.string().nullable(),
    created_at: z.string().nullable(),
    participant_count: z.number().int(),
    participants: z.array(participantOut),
    admins: z.array(z.string()),
    invite_link: z.string().nullable().describe("The group's invite link, when the user is an admin (else null)"),
    source: z.enum(["whatsapp", "local copy"]),
    notice: noticeField,
  },
  annotations: { ...READ_ANNOTATIONS, openWorldHint: true, title: "Group details" },
  async run(a, ctx) {
    const parsed = parseJid(a.chat_jid, "chat_jid");
    if (parsed.kind !== "group") throw new ToolInputError("chat_jid must be a group JID (…@g.us)");
    const stored = await ctx.deps.repository.getGroupInfo(parsed.jid);
    const names = new Map((stored?.participants ?? []).map((p) => [p.personId, p]));
    let live: GroupMetadataReply | null = null;
    const status = await readLinkStatus(ctx.deps);
    if (status?.state === "open") {
      try {
        live = await ctx.deps.whatsapp.ask({ type: "groupMetadata", jid: parsed.jid });
      } catch {
        live = null; // not a member any more, or WhatsApp did not answer: fall back to the local copy
      }
    }
    if (!live && !stored) throw new ToolInputError(`No group ${parsed.jid} in the local copy.`);
    let participants: Participant[];
    if (live) {
      participants = live.participants.map((p) => {
        const known = names.get(p.phoneJid ?? p.id) ?? names.get(p.id);
        return {
          jid: p.phoneJid ?? p.id,
          phone: plusPhoneOf(p.phoneJid ?? p.id) ?? known?.phone ?? null,
          name: cleanNameOrNull(known?.name),
          admin: p.admin ?? null,
        };
      });
    } else {
      participants = stored!.participants.map((p) => ({
        jid: p.personId,
        phone: p.phone ?? plusPhoneOf(p.personId),
        name: cleanNameOrNull(p.name),
        admin: p.admin,
      }));
    }
    // Admins see the invite link, as in the app's group info.
    const me = ownId(status?.me);
    let inviteLink: string | null = null;
    if (live && me && participants.some((p) => p.jid === me && p.admin)) {
      try {
        inviteLink = linkOf((await ctx.deps.whatsapp.ask({ type: "groupInviteCode", jid: parsed.jid, revoke: false })).code);
      } catch {
        inviteLink = null; // rights changed meanwhile, or WhatsApp did not answer: the rest still stands
      }
    }
    const out = {
      jid: parsed.jid,
      name: cleanNameOrNull(live?.subject ?? stored?.chat.name),
      description: cleanTextOrNull(live?.description ?? stored?.chat.description),
      owner: live?.owner ?? null,
      created_at: live?.createdAt ? isoUtc(live.createdAt) : null,
      participant_count: participants.length,
      participants,
      admins: participants.filter((p) => p.admin).map((p) => p.jid),
      invite_link: inviteLink,
      source: live ? "whatsapp" as const : "local copy" as const,
    };
    const lines = [`group: ${quoted(out.name)} | jid: ${out.jid} | ${out.participant_count} participants`];
    if (out.description) lines.push(`description: ${out.description.replace(/\n/g, " ")}`);
    if (inviteLink) lines.push(`invite link: ${inviteLink}`);
    for (const p of participants) {
      lines.push(`- ${quoted(p.name)} | ${p.phone ?? p.jid}${p.admin ? ` | ${p.admin}` : ""}`);
    }
    return readResult(ctx, out, `Group details (from ${out.source}):`, lines);
  },
});

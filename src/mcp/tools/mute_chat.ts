/** mute_chat: mute a chat's notifications until a time or for ever, or unmute it. */
import { z } from "zod";
import { changeChatState } from "../chat_state.ts";
import { isoUtc, parseIsoInstant } from "../dates.ts";
import { chatJidField, instantField } from "../inputs.ts";
import { ToolInputError } from "../results.ts";
import { actionOut } from "../action_result.ts";
import { defineTool } from "../tool.ts";
import { STATE_ANNOTATIONS } from "./pin_chat.ts";

/** The tool. */
export const muteChat = defineTool({
  name: "mute_chat",
  title: "Mute a chat",
  description: "Mute a WhatsApp chat's notifications until a given time, or for ever when no time is given; " +
    "muted=false unmutes. Applies on the phone and every linked device.",
  access: "write",
  kind: "account_state",
  toolset: "admin",
  inputSchema: {
    chat_jid: chatJidField("The chat"),
    until: instantField("Mute until this instant (default: for ever)"),
    muted: z.boolean().default(true).describe("true mutes (default), false unmutes"),
  },
  outputSchema: actionOut({ chat_jid: z.string(), muted: z.boolean(), muted_until: z.string().nullable().describe('ISO instant, "forever", or null when unmuted') }),
  annotations: { ...STATE_ANNOTATIONS, title: "Mute a chat" },
  async run(a, ctx) {
    let until: number | null = null;
    if (a.muted) {
      until = a.until ? parseIsoInstant(a.until, "until") : -1;
      if (until !== -1 && until <= ctx.deps.clock.now()) throw new ToolInputError("until: the time is in the past");
    }
    const label = until === null ? null : until === -1 ? "forever" : isoUtc(until);
    return await changeChatState(ctx, "mute_chat", a.chat_jid, { kind: "mute", until }, a.muted ? "Mute this chat" : "Unmute this chat", (jid) => ({
      structured: { chat_jid: jid, muted: a.muted, muted_until: label },
      text: a.muted ? `Muted ${jid} ${label === "forever" ? "for ever" : `until ${label}`}.` : `Unmuted ${jid}.`,
    }));
  },
});

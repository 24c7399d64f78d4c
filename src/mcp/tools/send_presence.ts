/**
 * send_presence: "typing…" / "recording audio…" / stop in one chat, or the account's online
 * state. Its write kind is account_state: it carries no content (nothing a model read can leave
 * through it), so it needs no confirmation and no allow-list, but it goes through the send path
 * (read-only mode, scope, link state, the state rate budget, an audit line). A typing state
 * still tells a person something, so it goes only to a chat that exists in the local copy: no
 * first contact by presence.
 */
import { z } from "zod";
import { actionOut, guardedAction } from "../action_result.ts";
import { chatJidField } from "../inputs.ts";
import { resolveRecipient } from "../resolve.ts";
import { ToolInputError } from "../results.ts";
import { defineTool } from "../tool.ts";
import { STATE_ANNOTATIONS } from "./pin_chat.ts";

const STATES = ["composing", "recording", "paused", "available", "unavailable"] as const;

/** The tool. */
export const sendPresence = defineTool({
  name: "send_presence",
  title: "Send presence",
  description: 'Show "typing…" (composing), "recording audio…" (recording) or stop it (paused) in a chat, or set the ' +
    "account online (available) or offline (unavailable; then chat_jid is ignored). Only to chats in the local copy.",
  access: "write",
  kind: "account_state",
  toolset: "live",
  inputSchema: {
    chat_jid: chatJidField("The chat (ignored for available/unavailable)"),
    state: z.enum(STATES, { error: 'expected "composing", "recording", "paused", "available" or "unavailable"' })
      .describe("composing, recording, paused, available or unavailable"),
  },
  outputSchema: actionOut({ chat_jid: z.string().nullable(), state: z.enum(STATES) }),
  annotations: { ...STATE_ANNOTATIONS, title: "Send presence" },
  async run(a, ctx) {
    const accountWide = a.state === "available" || a.state === "unavailable";
    const r = await resolveRecipient(ctx.deps.repository, a.chat_jid, "chat_jid");
    if (!accountWide && !r.chat) throw new ToolInputError(`No chat ${r.jid} in the local copy: presence goes only to existing chats.`);
    const jid = accountWide ? null : r.chat!.jid;
    return await guardedAction(ctx, {
      tool: "send_presence",
      kind: "account_state",
      action: accountWide ? `Appear ${a.state === "available" ? "online" : "offline"}` : `Show "${a.state}" in this chat`,
      recipient: r,
      op: { type: "request", request: { type: "presence", jid, state: a.state } },
    }, () => ({
      structured: { chat_jid: jid, state: a.state },
      text: accountWide ? `The account now appears ${a.state === "available" ? "online" : "offline"}.` : `Presence "${a.state}" sent to ${jid}.`,
    }));
  },
});

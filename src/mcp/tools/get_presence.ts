/**
 * get_presence: is a person online, and when were they last seen? Subscribes to their presence
 * and waits briefly for WhatsApp's answer. People who hide it (privacy settings) are reported as
 * unknown, never guessed.
 */
import { z } from "zod";
import { isoUtc } from "../dates.ts";
import { personField } from "../inputs.ts";
import { linkProblem, readLinkStatus } from "../link.ts";
import { resolveRecipient } from "../resolve.ts";
import { errorResult, okResult, ToolInputError } from "../results.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";

/** How long to wait for WhatsApp's presence answer. */
const WAIT_MS = 3000;

/** The tool. */
export const getPresence = defineTool({
  name: "get_presence",
  title: "Presence of a person",
  description: "Whether a person is online now, typing, or when they were last seen, as far as their privacy settings " +
    "allow. Asks WhatsApp and waits up to 3 s; otherwise the answer is unknown (hidden or no answer).",
  access: "read",
  toolset: "live",
  inputSchema: { jid: personField("The person") },
  outputSchema: {
    jid: z.string(),
    state: z.enum(["online", "offline", "typing", "recording", "unknown"]),
    last_seen: z.string().nullable().describe("ISO-8601 UTC, when the person shares it"),
    note: z.string().nullable(),
  },
  annotations: { ...READ_ANNOTATIONS, openWorldHint: true, title: "Presence of a person" },
  async run(a, ctx) {
    const r = await resolveRecipient(ctx.deps.repository, a.jid, "jid");
    if (r.kind !== "person") throw new ToolInputError("jid must be a person; groups have no presence");
    const problem = linkProblem(await readLinkStatus(ctx.deps), ctx.deps.config.statusUrl);
    if (problem) return errorResult(problem);
    const p = await ctx.deps.whatsapp.ask({ type: "presenceGet", jid: r.jid, waitMs: WAIT_MS });
    const state = !p.known ? "unknown" : stateOf(p.presence);
    const lastSeen = p.lastSeen ? isoUtc(p.lastSeen) : null;
    const note = !p.known
      ? "WhatsApp did not say: this person hides their online status and last seen, or did not answer in time"
      : state === "offline" && !lastSeen
      ? "offline; last seen is hidden by their privacy settings"
      : null;
    const text = `${r.jid}: ${state}${lastSeen ? `, last seen ${lastSeen}` : ""}${note ? ` (${note})` : ""}.`;
    return okResult({ jid: r.jid, state, last_seen: lastSeen, note }, text);
  },
});

function stateOf(p: string | null): "online" | "offline" | "typing" | "recording" | "unknown" {
  switch (p) {
    case "available":
      return "online";
    case "unavailable":
      return "offline";
    case "composing":
      return "typing";
    case "recording":
      return "recording";
    default:
      return "unknown";
  }
}
